//! Sampling frequency: inferred from a sorted axis, stepped along calendar-correctly,
//! named for people and turned into a seasonal period.

use serde::{Deserialize, Serialize};

use super::{DAY, civil_from_days, days_from_civil, days_in_month};

const HOUR: i64 = 3600;
const WEEK: i64 = 7 * DAY;

/// The step between consecutive timestamps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Frequency {
    /// A fixed number of seconds (hourly = 3600, daily = 86 400, weekly = 604 800).
    Seconds(i64),
    /// Calendar months (monthly = 1, quarterly = 3, yearly = 12).
    Months(u32),
}

/// Adds calendar months, clamping the day to the target month's length (Jan 31 + 1 month
/// = Feb 28/29); the time of day is kept. Saturates far outside the calendar.
fn add_months(ts: i64, months: i64) -> i64 {
    let saturated = if months > 0 { i64::MAX } else { i64::MIN };
    let secs = ts.rem_euclid(DAY);
    let (y, m, d) = civil_from_days(ts.div_euclid(DAY));
    let Some(total) = (y * 12 + m - 1).checked_add(months) else {
        return saturated;
    };
    let (ny, nm) = (total.div_euclid(12), total.rem_euclid(12) + 1);
    if ny.abs() > 1_000_000_000 {
        return saturated;
    }
    let nd = d.min(days_in_month(ny, nm));
    days_from_civil(ny, nm, nd) * DAY + secs
}

/// Calendar month number of a timestamp (year * 12 + month - 1).
fn month_index(ts: i64) -> i64 {
    let (y, m, _) = civil_from_days(ts.div_euclid(DAY));
    y * 12 + m - 1
}

impl Frequency {
    /// The timestamp `steps` steps after `ts` (before it when negative). Months are
    /// calendar months counted from `ts` itself, so `advance(jan31, 2)` is March 31.
    pub fn advance(self, ts: i64, steps: i64) -> i64 {
        match self {
            Self::Seconds(s) => ts.saturating_add(s.saturating_mul(steps)),
            Self::Months(n) => add_months(ts, i64::from(n).saturating_mul(steps)),
        }
    }

    /// How many whole steps fit strictly between `from` and `to` (0 when `to` is at most
    /// one step after `from`). Used to size gaps.
    pub fn missing_steps(self, from: i64, to: i64) -> u64 {
        match self {
            Self::Seconds(s) if s > 0 => {
                let delta = to.saturating_sub(from);
                if delta <= s {
                    0
                } else {
                    u64::try_from((delta - 1) / s).unwrap_or(0)
                }
            }
            Self::Seconds(_) => 0,
            Self::Months(0) => 0,
            Self::Months(n) => {
                // Upper bound: one step past the month of `to` is always later than `to`.
                let months = month_index(to).saturating_sub(month_index(from));
                let mut k = months / i64::from(n) + 1;
                while k > 0 && self.advance(from, k) >= to {
                    k -= 1;
                }
                u64::try_from(k).unwrap_or(0)
            }
        }
    }

    /// A name for people: "hourly", "daily", "monthly", "every 15 minutes", …
    pub fn label(self) -> String {
        match self {
            Self::Seconds(1) => "every second".into(),
            Self::Seconds(60) => "minutely".into(),
            Self::Seconds(HOUR) => "hourly".into(),
            Self::Seconds(DAY) => "daily".into(),
            Self::Seconds(WEEK) => "weekly".into(),
            Self::Seconds(s) if s > 0 && s % WEEK == 0 => format!("every {} weeks", s / WEEK),
            Self::Seconds(s) if s > 0 && s % DAY == 0 => format!("every {} days", s / DAY),
            Self::Seconds(s) if s > 0 && s % HOUR == 0 => format!("every {} hours", s / HOUR),
            Self::Seconds(s) if s > 0 && s % 60 == 0 => format!("every {} minutes", s / 60),
            Self::Seconds(s) => format!("every {s} seconds"),
            Self::Months(1) => "monthly".into(),
            Self::Months(3) => "quarterly".into(),
            Self::Months(12) => "yearly".into(),
            Self::Months(n) if n > 0 && n % 12 == 0 => format!("every {} years", n / 12),
            Self::Months(n) => format!("every {n} months"),
        }
    }

    /// The usual seasonal period: hourly 24, 30 min 48, 15 min 96, 10 min 144, 5 min 288,
    /// minutely 60, daily 7, weekly 52, monthly 12, quarterly 4; otherwise `None`.
    pub fn season(self) -> Option<usize> {
        match self {
            Self::Seconds(HOUR) => Some(24),
            Self::Seconds(1800) => Some(48),
            Self::Seconds(900) => Some(96),
            Self::Seconds(600) => Some(144),
            Self::Seconds(300) => Some(288),
            Self::Seconds(60) => Some(60),
            Self::Seconds(DAY) => Some(7),
            Self::Seconds(WEEK) => Some(52),
            Self::Months(1) => Some(12),
            Self::Months(3) => Some(4),
            _ => None,
        }
    }
}

/// Infers the step of a sorted axis without duplicates from the median of its deltas.
///
/// A median of 28–31 days with a constant day of month (or only month ends) is
/// `Months(1)`; 89–92 days `Months(3)`; 365–366 days `Months(12)`; anything else is
/// `Seconds(median)`. `None` with fewer than two timestamps or no positive delta.
pub fn infer_frequency(sorted_unique: &[i64]) -> Option<Frequency> {
    let mut deltas: Vec<i64> = sorted_unique
        .windows(2)
        .filter_map(|w| match w {
            [a, b] => Some(b.saturating_sub(*a)),
            _ => None,
        })
        .filter(|d| *d > 0)
        .collect();
    if deltas.is_empty() {
        return None;
    }
    let mid = deltas.len() / 2;
    let (_, median, _) = deltas.select_nth_unstable(mid);
    let median = *median;
    let months = if (28 * DAY..=31 * DAY).contains(&median) {
        1
    } else if (89 * DAY..=92 * DAY).contains(&median) {
        3
    } else if (365 * DAY..=366 * DAY).contains(&median) {
        12
    } else {
        return Some(Frequency::Seconds(median));
    };
    if calendar_aligned(sorted_unique) {
        Some(Frequency::Months(months))
    } else {
        Some(Frequency::Seconds(median))
    }
}

/// True when every timestamp falls on the same day of month, or every one on a month end.
fn calendar_aligned(ts: &[i64]) -> bool {
    let days: Vec<(i64, i64, i64)> = ts
        .iter()
        .map(|t| civil_from_days(t.div_euclid(DAY)))
        .collect();
    let Some(&(_, _, first_day)) = days.first() else {
        return false;
    };
    days.iter().all(|&(_, _, d)| d == first_day)
        || days.iter().all(|&(y, m, d)| d == days_in_month(y, m))
}
