//! Calendar features: for each time step, where it falls in the hour, the day, the week,
//! the year, as sine/cosine pairs (`data.calendar`). They are computed from timestamps
//! alone, so they are known for every future step.

use crate::config::{CALENDAR_HARMONICS, CALENDAR_PREFIX, CalendarFeature, CalendarSpec};
use crate::error::{EngineError, Result};

use super::time::{Frequency, civil_from_days, days_in_month};

const HOUR: i64 = 3600;
const DAY: i64 = 86_400;
const WEEK: i64 = 7 * DAY;

/// The features `spec` asks for on an axis of `frequency` (`None`: no timestamps or an
/// irregular axis). `auto` picks by the frequency: finer than daily → hour, weekday;
/// daily → weekday, yearday; weekly → yearday; monthly, quarterly → month; coarser or
/// unknown → none. A list on an axis without a known frequency is an error: the
/// future steps' timestamps, and so their features, would be unknown.
///
/// `auto` also leaves out a cycle the data does not repeat at least [`MIN_CYCLES`] times
/// (`span`: seconds from the first timestamp to the last): over less, the feature tells
/// the training rows apart instead of describing a season, and a network memorises them.
pub fn resolve(
    spec: &CalendarSpec,
    frequency: Option<Frequency>,
    span: i64,
) -> Result<Vec<CalendarFeature>> {
    use CalendarFeature::{Hour, Month, Weekday, Yearday};
    match spec {
        CalendarSpec::None => Ok(Vec::new()),
        CalendarSpec::Auto => {
            let picked = match frequency {
                Some(Frequency::Seconds(s)) if (1..DAY).contains(&s) => vec![Hour, Weekday],
                Some(Frequency::Seconds(s)) if (DAY..WEEK).contains(&s) => vec![Weekday, Yearday],
                Some(Frequency::Seconds(s)) if (WEEK..28 * DAY).contains(&s) => vec![Yearday],
                Some(Frequency::Months(n)) if (1..12).contains(&n) => vec![Month],
                _ => Vec::new(),
            };
            Ok(picked.into_iter().filter(|f| repeats(*f, span)).collect())
        }
        CalendarSpec::List(list) if list.is_empty() => Ok(Vec::new()),
        CalendarSpec::List(list) => match frequency {
            Some(_) => Ok(list.clone()),
            None => Err(EngineError::Config(format!(
                "calendar features ({spec}) need a time column with a regular step, so that \
                 the future steps' dates are known; this series has none (use --calendar none)"
            ))),
        },
    }
}

/// Cycles of a feature the data must cover for `auto` to pick it.
pub const MIN_CYCLES: f64 = 2.0;

/// The length of the feature's cycle in seconds (a year of 365.25 days).
pub fn period_secs(feature: CalendarFeature) -> f64 {
    let year = 365.25 * DAY as f64;
    match feature {
        CalendarFeature::Minute => HOUR as f64,
        CalendarFeature::Hour => DAY as f64,
        CalendarFeature::Weekday => WEEK as f64,
        CalendarFeature::Yearday | CalendarFeature::Month => year,
    }
}

/// True when `span` seconds of data hold [`MIN_CYCLES`] of the feature's cycle.
pub fn repeats(feature: CalendarFeature, span: i64) -> bool {
    span as f64 >= MIN_CYCLES * period_secs(feature)
}

/// Where `ts` (seconds since 1970-01-01) falls in the feature's cycle, in [0, 1).
pub fn phase(feature: CalendarFeature, ts: i64) -> f64 {
    let secs_of_day = ts.rem_euclid(DAY) as f64 / DAY as f64;
    let days = ts.div_euclid(DAY);
    match feature {
        CalendarFeature::Minute => ts.rem_euclid(HOUR) as f64 / HOUR as f64,
        CalendarFeature::Hour => secs_of_day,
        // 1970-01-01 was a Thursday: Monday is 0.
        CalendarFeature::Weekday => ((days + 3).rem_euclid(7) as f64 + secs_of_day) / 7.0,
        CalendarFeature::Yearday => {
            let (y, _, _) = civil_from_days(days);
            let start = super::time::days_from_civil(y, 1, 1);
            let length = if days_in_month(y, 2) == 29 {
                366.0
            } else {
                365.0
            };
            ((days - start) as f64 + secs_of_day) / length
        }
        CalendarFeature::Month => {
            let (y, m, d) = civil_from_days(days);
            let within = ((d - 1) as f64 + secs_of_day) / days_in_month(y, m).max(1) as f64;
            ((m - 1) as f64 + within) / 12.0
        }
    }
}

/// The generated columns' names, in the order [`values`] gives them:
/// `calendar:month_sin1`, `calendar:month_cos1`, `calendar:month_sin2`, ….
pub fn column_names(features: &[CalendarFeature]) -> Vec<String> {
    let mut names = Vec::with_capacity(features.len() * 2 * CALENDAR_HARMONICS);
    for f in features {
        for k in 1..=CALENDAR_HARMONICS {
            names.push(format!("{CALENDAR_PREFIX}{}_sin{k}", f.name()));
            names.push(format!("{CALENDAR_PREFIX}{}_cos{k}", f.name()));
        }
    }
    names
}

/// True for the name of a generated calendar column.
pub fn is_generated(name: &str) -> bool {
    name.starts_with(CALENDAR_PREFIX)
}

/// The features' values at each timestamp: one column per name of [`column_names`].
pub fn values(features: &[CalendarFeature], stamps: &[i64]) -> Vec<Vec<f64>> {
    let mut columns = Vec::with_capacity(features.len() * 2 * CALENDAR_HARMONICS);
    for &f in features {
        let phases: Vec<f64> = stamps.iter().map(|&ts| phase(f, ts)).collect();
        for k in 1..=CALENDAR_HARMONICS {
            let w = std::f64::consts::TAU * k as f64;
            columns.push(phases.iter().map(|p| (w * p).sin()).collect());
            columns.push(phases.iter().map(|p| (w * p).cos()).collect());
        }
    }
    columns
}

/// The timestamps of the `k` steps after `last`.
pub fn future_stamps(last: i64, frequency: Frequency, k: usize) -> Vec<i64> {
    (1..=k)
        .map(|s| frequency.advance(last, i64::try_from(s).unwrap_or(i64::MAX)))
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::data::time::days_from_civil;

    fn at(y: i64, m: i64, d: i64, h: i64) -> i64 {
        days_from_civil(y, m, d) * DAY + h * HOUR
    }

    #[test]
    fn phases_by_hand() {
        // 2024-01-01 was a Monday; 06:00 is a quarter of the day.
        let ts = at(2024, 1, 1, 6);
        assert!((phase(CalendarFeature::Hour, ts) - 0.25).abs() < 1e-12);
        assert!((phase(CalendarFeature::Weekday, ts) - 0.25 / 7.0).abs() < 1e-12);
        // Thursday 1970-01-01 00:00 is day 3 of the week.
        assert!((phase(CalendarFeature::Weekday, 0) - 3.0 / 7.0).abs() < 1e-12);
        // July 1st of a leap year: day 182 of 366; month 7 starts at 6/12.
        let july = at(2024, 7, 1, 0);
        assert!((phase(CalendarFeature::Yearday, july) - 182.0 / 366.0).abs() < 1e-12);
        assert!((phase(CalendarFeature::Month, july) - 0.5).abs() < 1e-12);
        assert!((phase(CalendarFeature::Minute, at(2024, 7, 1, 0) + 900) - 0.25).abs() < 1e-12);
    }

    #[test]
    fn monthly_values_repeat_every_twelve_months() {
        let stamps: Vec<i64> = (0..24)
            .map(|i| at(1949 + i / 12, 1 + i % 12, 1, 0))
            .collect();
        let v = values(&[CalendarFeature::Month], &stamps);
        assert_eq!(v.len(), 4);
        assert_eq!(
            column_names(&[CalendarFeature::Month]),
            [
                "calendar:month_sin1",
                "calendar:month_cos1",
                "calendar:month_sin2",
                "calendar:month_cos2"
            ]
        );
        for column in &v {
            for i in 0..12 {
                assert!((column[i] - column[i + 12]).abs() < 1e-12);
            }
        }
        // April: a quarter of the way round: sin1 = 1, cos1 = 0, sin2 = 0, cos2 = −1.
        assert!((v[0][3] - 1.0).abs() < 1e-12 && v[1][3].abs() < 1e-12);
        assert!(v[2][3].abs() < 1e-12 && (v[3][3] + 1.0).abs() < 1e-12);
    }

    #[test]
    fn auto_picks_by_frequency() {
        let ten_years = 10 * 365 * DAY;
        let auto = |f| resolve(&CalendarSpec::Auto, f, ten_years).unwrap();
        use CalendarFeature::*;
        assert_eq!(auto(Some(Frequency::Seconds(HOUR))), [Hour, Weekday]);
        assert_eq!(auto(Some(Frequency::Seconds(DAY))), [Weekday, Yearday]);
        assert_eq!(auto(Some(Frequency::Seconds(WEEK))), [Yearday]);
        assert_eq!(auto(Some(Frequency::Months(1))), [Month]);
        assert_eq!(auto(Some(Frequency::Months(3))), [Month]);
        assert!(auto(Some(Frequency::Months(12))).is_empty());
        assert!(auto(None).is_empty());
        let err = resolve(&CalendarSpec::List(vec![Hour]), None, ten_years).unwrap_err();
        assert!(err.to_string().contains("regular step"), "{err}");
        // 200 days hold 28 weeks but not two years: the day of the year would only tell
        // the days apart.
        let daily = Some(Frequency::Seconds(DAY));
        let short = resolve(&CalendarSpec::Auto, daily, 200 * DAY).unwrap();
        assert_eq!(short, [Weekday]);
        // A list is taken as given.
        let list = CalendarSpec::List(vec![Yearday]);
        assert_eq!(resolve(&list, daily, 200 * DAY).unwrap(), [Yearday]);
    }

    #[test]
    fn future_steps_follow_the_calendar() {
        let last = at(1960, 12, 1, 0);
        let next = future_stamps(last, Frequency::Months(1), 2);
        assert_eq!(next, [at(1961, 1, 1, 0), at(1961, 2, 1, 0)]);
    }
}
