//! Calendar features (`data.calendar`, `--calendar auto|none|hour,weekday,…`): sine and
//! cosine pairs of where each time step falls in the day, the week, the year, generated
//! from the time column and known for every future step.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{EngineError, Result};

/// One calendar cycle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CalendarFeature {
    /// Minute of the hour (period 60 minutes).
    Minute,
    /// Hour of the day (period 24 hours).
    Hour,
    /// Day of the week (period 7 days).
    Weekday,
    /// Day of the year (period 365.25 days).
    Yearday,
    /// Month of the year (period 12 months).
    Month,
}

impl CalendarFeature {
    /// Every feature, in the order columns are generated.
    pub const ALL: [Self; 5] = [
        Self::Minute,
        Self::Hour,
        Self::Weekday,
        Self::Yearday,
        Self::Month,
    ];

    /// The command-line name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Minute => "minute",
            Self::Hour => "hour",
            Self::Weekday => "weekday",
            Self::Yearday => "yearday",
            Self::Month => "month",
        }
    }

    /// Parses a command-line name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.name() == name.trim())
    }
}

/// Harmonics per feature: `sin(2πk·phase)`, `cos(2πk·phase)` for k = 1, 2. The second
/// harmonic lets a linear read-out draw a cycle with two peaks (a summer and a
/// Christmas high, a morning and an evening rush); more would let it fit noise.
pub const CALENDAR_HARMONICS: usize = 2;

/// Prefix of the generated columns' names (`calendar:month_sin1`): no column of a CSV
/// file is taken for one, and a saved model's generated columns are recognised.
pub const CALENDAR_PREFIX: &str = "calendar:";

/// Which calendar features to generate.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum CalendarSpec {
    /// None.
    #[default]
    None,
    /// Chosen from the frequency ([`crate::config::CalendarSpec::resolve`] in `data`):
    /// hourly and finer: hour, weekday; daily: weekday, yearday; weekly: yearday;
    /// monthly and quarterly: month; yearly, irregular or no timestamps: none.
    Auto,
    /// These, in this order.
    List(Vec<CalendarFeature>),
}

impl CalendarSpec {
    /// Parses `auto`, `none` or a comma-separated list of feature names.
    pub fn parse(text: &str) -> Result<Self> {
        match text.trim() {
            "auto" => Ok(Self::Auto),
            "none" | "" => Ok(Self::None),
            list => {
                let mut features = Vec::new();
                for name in list.split(',') {
                    let feature = CalendarFeature::parse(name).ok_or_else(|| {
                        EngineError::Config(format!(
                            "unknown calendar feature '{}': use auto, none or a list of {}",
                            name.trim(),
                            CalendarFeature::ALL.map(CalendarFeature::name).join(", ")
                        ))
                    })?;
                    if !features.contains(&feature) {
                        features.push(feature);
                    }
                }
                Ok(Self::List(features))
            }
        }
    }

    /// True for `none` or an empty list.
    pub fn is_none(&self) -> bool {
        matches!(self, Self::None) || matches!(self, Self::List(l) if l.is_empty())
    }
}

impl fmt::Display for CalendarSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::None => f.write_str("none"),
            Self::Auto => f.write_str("auto"),
            Self::List(l) if l.is_empty() => f.write_str("none"),
            Self::List(l) => f.write_str(&l.iter().map(|x| x.name()).collect::<Vec<_>>().join(",")),
        }
    }
}

impl TryFrom<String> for CalendarSpec {
    type Error = EngineError;
    fn try_from(text: String) -> Result<Self> {
        Self::parse(&text)
    }
}

impl From<CalendarSpec> for String {
    fn from(spec: CalendarSpec) -> Self {
        spec.to_string()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse_and_print_back() {
        assert_eq!(CalendarSpec::parse("auto").unwrap(), CalendarSpec::Auto);
        assert!(CalendarSpec::parse("none").unwrap().is_none());
        let list = CalendarSpec::parse("hour, weekday,hour").unwrap();
        assert_eq!(
            list,
            CalendarSpec::List(vec![CalendarFeature::Hour, CalendarFeature::Weekday])
        );
        assert_eq!(list.to_string(), "hour,weekday");
        let err = CalendarSpec::parse("hour,season").unwrap_err().to_string();
        assert!(err.contains("'season'") && err.contains("yearday"), "{err}");
    }
}
