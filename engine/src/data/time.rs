//! Timestamps and sampling frequency.
//!
//! Timestamps are `i64` seconds since 1970-01-01 00:00:00, read as naive UTC: a cell with
//! a `Z` or `±HH:MM` suffix is converted to UTC, every other cell is taken as written.
//! Fractions of a second are accepted and dropped.
//!
//! [`detect_format`] decides whether a column holds times and in which [`TimeFormat`];
//! [`parse_time`] and [`format_time`] convert single cells, so that a forecast's labels
//! are written the way the input wrote its own. [`infer_frequency`] finds the step of a
//! sorted axis, calendar months included, and [`Frequency::advance`] steps along it.

use serde::{Deserialize, Serialize};

use super::cell::{Cells, is_missing};

mod frequency;
mod parse;

pub use frequency::{Frequency, infer_frequency};

use parse::{Family, Style, family_of, format_of, parse_family};

/// Time of day written after a date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Clock {
    /// Date only.
    None,
    /// `H:MM`.
    Minutes,
    /// `H:MM:SS`.
    Seconds,
}

/// How a column writes its timestamps. The fields record the input's style, so that
/// [`format_time`] writes new timestamps the same way.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum TimeFormat {
    /// `YYYY-MM-DD HH:MM[:SS[.fff]]`, or with `T` between date and time, with an optional
    /// `Z` / `±HH:MM` / `±HHMM` suffix (converted to UTC).
    IsoDateTime {
        /// `T` between date and time (otherwise a space).
        t_separator: bool,
        /// Seconds are written.
        seconds: bool,
        /// A zone suffix was present; output is written in UTC with `Z`.
        zone: bool,
    },
    /// `YYYY-MM-DD`.
    IsoDate,
    /// `YYYY-MM` (monthly data; the day is the 1st).
    YearMonth,
    /// An English month name and the year: `Jan 1974` (R's `ts` printed, fpp data sets)
    /// or, year first, `1974 Jan` (tsibble's yearmonth); abbreviated or in full, any
    /// case. The day is the 1st.
    MonthName {
        /// The year comes first.
        year_first: bool,
    },
    /// US style `M/D/YYYY`, optionally followed by ` H:MM[:SS]`.
    UsDate {
        /// Month and day are written with two digits (`01/05/2020`).
        zero_padded: bool,
        /// Time of day after the date.
        clock: Clock,
    },
    /// Day first `D/M/YYYY` (or with `.` or `-`), optionally followed by ` H:MM[:SS]`.
    DayFirst {
        /// Day and month are written with two digits (`05/01/2020`).
        zero_padded: bool,
        /// `/`, `.` or `-`.
        separator: char,
        /// Time of day after the date.
        clock: Clock,
    },
    /// `YYYY/MM/DD`, optionally followed by ` HH:MM[:SS]`.
    YmdSlash {
        /// Time of day after the date.
        clock: Clock,
    },
    /// `YYYYMMDD` written as a whole number (`20240131`).
    CompactDate,
    /// Integer seconds since 1970-01-01 UTC.
    UnixSeconds,
}

impl TimeFormat {
    /// The pattern for people, e.g. `YYYY-MM-DD HH:MM:SS` or `M/D/YYYY H:MM`.
    pub fn pattern(&self) -> String {
        let clock = |c: &Clock| match c {
            Clock::None => "",
            Clock::Minutes => " HH:MM",
            Clock::Seconds => " HH:MM:SS",
        };
        match self {
            Self::IsoDateTime {
                t_separator,
                seconds,
                zone,
            } => format!(
                "YYYY-MM-DD{}HH:MM{}{}",
                if *t_separator { "T" } else { " " },
                if *seconds { ":SS" } else { "" },
                if *zone { "Z" } else { "" }
            ),
            Self::IsoDate => "YYYY-MM-DD".into(),
            Self::YearMonth => "YYYY-MM".into(),
            Self::MonthName { year_first: false } => "Mon YYYY".into(),
            Self::MonthName { year_first: true } => "YYYY Mon".into(),
            Self::UsDate {
                zero_padded,
                clock: c,
            } => format!(
                "{}/YYYY{}",
                if *zero_padded { "MM/DD" } else { "M/D" },
                clock(c)
            ),
            Self::DayFirst {
                zero_padded,
                separator,
                clock: c,
            } => {
                let (d, m) = if *zero_padded {
                    ("DD", "MM")
                } else {
                    ("D", "M")
                };
                format!("{d}{separator}{m}{separator}YYYY{}", clock(c))
            }
            Self::YmdSlash { clock: c } => format!("YYYY/MM/DD{}", clock(c)),
            Self::CompactDate => "YYYYMMDD".into(),
            Self::UnixSeconds => "Unix seconds".into(),
        }
    }
}

/// Seconds in a day.
const DAY: i64 = 86_400;

/// Days in a month of the proleptic Gregorian calendar (0 for an invalid month).
pub(crate) fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 1970-01-01 of a civil date (H. Hinnant's algorithm); `m` in 1..=12.
pub(crate) fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Civil date `(year, month, day)` of a day count since 1970-01-01.
pub(crate) fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Seconds since the epoch of a validated civil date and time.
fn to_ts(y: i64, m: i64, d: i64, h: i64, mi: i64, s: i64) -> Option<i64> {
    let valid = (1..=9999).contains(&y)
        && (1..=12).contains(&m)
        && d >= 1
        && d <= days_in_month(y, m)
        && (0..24).contains(&h)
        && (0..60).contains(&mi)
        && (0..60).contains(&s);
    valid.then(|| days_from_civil(y, m, d) * DAY + h * 3600 + mi * 60 + s)
}

/// Time composed from separate year / month / day / hour cells (as in `pollution.csv`).
pub(crate) fn ts_from_parts(y: i64, m: i64, d: i64, h: i64) -> Option<i64> {
    to_ts(y, m, d, h, 0, 0)
}

/// Parses one (trimmed) cell in the given format's family; `None` when it does not fit.
///
/// Parsing is lenient within a family: an ISO format accepts dates with or without a
/// time, a US format accepts cells with or without a time of day.
pub fn parse_time(cell: &str, format: &TimeFormat) -> Option<i64> {
    parse_family(cell.trim(), family_of(format), &mut Style::default())
}

/// True when a cell looks like a date or date-time in any format except Unix seconds
/// (used to tell a header line from a data line).
pub(crate) fn looks_like_time(cell: &str) -> bool {
    let mut st = Style::default();
    [
        Family::Iso,
        Family::YearMonth,
        Family::MonthName,
        Family::Us,
        Family::DayFirst,
        Family::YmdSlash,
    ]
    .into_iter()
    .any(|f| parse_family(cell, f, &mut st).is_some())
}

/// True when the column name suggests it may hold Unix seconds.
pub(crate) fn name_hints_time(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    ["time", "timestamp", "epoch", "unix", "date"]
        .iter()
        .any(|hint| lower.contains(hint))
}

/// Finds the one format in which every non-missing cell parses.
///
/// Needs at least one non-missing cell. Unix seconds and `YYYYMMDD` integers are only
/// considered when the column name hints at time (`time`, `timestamp`, `epoch`, `unix`,
/// `date`, …), so that plain numbers are never mistaken for times; bare years are never
/// times. Slash dates are month-first or day-first as the whole column decides: a first
/// number above 12 anywhere settles day-first, a second above 12 month-first; when every
/// cell reads both ways, the reading that gives the more regular axis wins (month-first
/// on a tie) and [`date_order_note`] says so.
pub fn detect_format(column_name: &str, cells: &Cells) -> Option<TimeFormat> {
    let mut present = cells
        .iter()
        .flatten()
        .map(str::trim)
        .filter(|c| !is_missing(c));
    let first_cell = present.next()?;
    let mut families = vec![
        Family::Iso,
        Family::YearMonth,
        Family::MonthName,
        Family::Us,
        Family::DayFirst,
        Family::YmdSlash,
    ];
    if name_hints_time(column_name) {
        families.extend([Family::Compact, Family::Unix]);
    }
    let found = families
        .into_iter()
        .find_map(|family| format_in(family, first_cell, cells))?;
    if matches!(found, TimeFormat::UsDate { .. })
        && let Some(order) = slash_order(cells)
        && order.day_first_missing < order.month_first_missing
    {
        return format_in(Family::DayFirst, first_cell, cells);
    }
    Some(found)
}

/// The format of `family` when every non-missing cell parses in it (day-first dates all
/// with one separator).
fn format_in(family: Family, first_cell: &str, cells: &Cells) -> Option<TimeFormat> {
    let mut first = Style::default();
    parse_family(first_cell, family, &mut first)?;
    let mut any = first;
    for cell in cells.iter().flatten().map(str::trim) {
        if is_missing(cell) {
            continue;
        }
        let mut st = Style::default();
        parse_family(cell, family, &mut st)?;
        if st.sep != first.sep {
            return None;
        }
        any.clock = any.clock.max(st.clock);
        any.zone |= st.zone;
        any.padded |= st.padded;
    }
    Some(format_of(family, first, any))
}

/// A slash-date column whose every cell reads both month-first and day-first: the
/// missing steps each reading leaves in the sorted axis (a regular axis has none).
struct SlashOrder {
    month_first_missing: u64,
    day_first_missing: u64,
}

/// [`SlashOrder`] of `cells`; `None` when some cell reads only one way (or none).
fn slash_order(cells: &Cells) -> Option<SlashOrder> {
    let present = || {
        cells
            .iter()
            .flatten()
            .map(str::trim)
            .filter(|c| !is_missing(c))
    };
    let read = |family: Family| -> Option<Vec<i64>> {
        present()
            .map(|c| {
                let mut st = Style::default();
                let ts = parse_family(c, family, &mut st)?;
                (family != Family::DayFirst || st.sep == b'/').then_some(ts)
            })
            .collect()
    };
    Some(SlashOrder {
        month_first_missing: missing_steps(read(Family::Us)?),
        day_first_missing: missing_steps(read(Family::DayFirst)?),
    })
}

/// Steps missing between consecutive timestamps at the axis's own frequency.
fn missing_steps(mut ts: Vec<i64>) -> u64 {
    ts.sort_unstable();
    ts.dedup();
    let Some(freq) = infer_frequency(&ts) else {
        return 0;
    };
    ts.windows(2)
        .map(|w| match w {
            [a, b] => freq.missing_steps(*a, *b),
            _ => 0,
        })
        .fold(0u64, u64::saturating_add)
}

/// For a slash-date column read as `format` whose cells could also be read the other
/// way round (no day above 12): which reading was taken, why, and how to choose the
/// other (`--date-format`). `None` when the column settles the order itself.
pub fn date_order_note(column_name: &str, cells: &Cells, format: &TimeFormat) -> Option<String> {
    let (taken, other) = match format {
        TimeFormat::UsDate { .. } => ("month first", "DD/MM/YYYY"),
        TimeFormat::DayFirst { separator: '/', .. } => ("day first", "MM/DD/YYYY"),
        _ => return None,
    };
    let order = slash_order(cells)?;
    let (kept, left) = match format {
        TimeFormat::UsDate { .. } => (order.month_first_missing, order.day_first_missing),
        _ => (order.day_first_missing, order.month_first_missing),
    };
    let why = if kept < left {
        format!(
            "which leaves {kept} missing steps in the time axis where the other reading \
             leaves {left}"
        )
    } else {
        "both readings give an equally regular axis, so this is a guess".to_owned()
    };
    Some(format!(
        "column '{column_name}' has no day above 12, so its dates read both day first and \
         month first; read {taken} ({}): {why}; if that is wrong, set the date format to \
         {other} (--date-format, or Dates in the Data view)",
        format.pattern()
    ))
}

/// The format a `--date-format` pattern names: `DD/MM/YYYY`, `D.M.YYYY`, `DD-MM-YYYY`,
/// `MM/DD/YYYY`, `YYYY-MM-DD`, `YYYY-MM`, `YYYY/MM/DD`, `YYYYMMDD` or `unix`
/// (case-insensitive; a time of day such as ` HH:MM` may follow a date). `None` for
/// anything else.
pub fn format_from_pattern(pattern: &str) -> Option<TimeFormat> {
    let upper = pattern.trim().to_ascii_uppercase();
    match upper.as_str() {
        "MON YYYY" => return Some(TimeFormat::MonthName { year_first: false }),
        "YYYY MON" => return Some(TimeFormat::MonthName { year_first: true }),
        _ => {}
    }
    let (date, time) = upper.split_once(' ').unwrap_or((upper.as_str(), ""));
    let clock = match time.trim() {
        "" => Clock::None,
        "HH:MM" | "H:MM" => Clock::Minutes,
        "HH:MM:SS" | "H:MM:SS" => Clock::Seconds,
        _ => return None,
    };
    let dated = |f: TimeFormat| (clock == Clock::None).then_some(f);
    match date {
        "DD/MM/YYYY" | "D/M/YYYY" | "DD.MM.YYYY" | "D.M.YYYY" | "DD-MM-YYYY" | "D-M-YYYY" => {
            Some(TimeFormat::DayFirst {
                zero_padded: date.starts_with("DD"),
                separator: date
                    .chars()
                    .find(|c| matches!(c, '/' | '.' | '-'))
                    .unwrap_or('/'),
                clock,
            })
        }
        "MM/DD/YYYY" | "M/D/YYYY" => Some(TimeFormat::UsDate {
            zero_padded: date.starts_with("MM"),
            clock,
        }),
        "YYYY/MM/DD" => Some(TimeFormat::YmdSlash { clock }),
        "YYYY-MM-DD" if clock == Clock::None => Some(TimeFormat::IsoDate),
        "YYYY-MM-DD" => Some(TimeFormat::IsoDateTime {
            t_separator: false,
            seconds: clock == Clock::Seconds,
            zone: false,
        }),
        "YYYY-MM" => dated(TimeFormat::YearMonth),
        "YYYYMMDD" => dated(TimeFormat::CompactDate),
        "UNIX" => dated(TimeFormat::UnixSeconds),
        _ => None,
    }
}

/// The patterns [`format_from_pattern`] accepts, for messages.
pub const DATE_FORMAT_PATTERNS: &str = "DD/MM/YYYY, DD.MM.YYYY, DD-MM-YYYY, MM/DD/YYYY, \
     YYYY-MM-DD, YYYY-MM, YYYY/MM/DD, YYYYMMDD, Mon YYYY, YYYY Mon or unix (a time such as \
     HH:MM may follow a date)";

/// For a column that [`detect_format`] rejects: the 0-based row and value of the first
/// cell that does not parse in the format of the first non-missing cell (or that first
/// cell itself when it is no time at all). `None` when the column has no values.
pub(crate) fn first_bad_cell<'a>(column_name: &str, cells: &'a Cells) -> Option<(usize, &'a str)> {
    let mut present = cells
        .iter()
        .enumerate()
        .filter_map(|(i, c)| c.map(|c| (i, c.trim())))
        .filter(|(_, c)| !is_missing(c));
    let (first_row, first_cell) = present.next()?;
    let Some(format) = detect_format(column_name, &Cells::from_iter([Some(first_cell)])) else {
        return Some((first_row, first_cell));
    };
    present.find(|(_, c)| parse_time(c, &format).is_none())
}

/// Writes a timestamp in the given format's style ("1961-01" after "1960-12").
pub fn format_time(ts: i64, format: &TimeFormat) -> String {
    let (y, m, d) = civil_from_days(ts.div_euclid(DAY));
    let secs = ts.rem_euclid(DAY);
    let (h, mi, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
    let clock = |c: Clock, pad_hour: bool| match (c, pad_hour) {
        (Clock::None, _) => String::new(),
        (Clock::Minutes, true) => format!(" {h:02}:{mi:02}"),
        (Clock::Minutes, false) => format!(" {h}:{mi:02}"),
        (Clock::Seconds, true) => format!(" {h:02}:{mi:02}:{s:02}"),
        (Clock::Seconds, false) => format!(" {h}:{mi:02}:{s:02}"),
    };
    match format {
        TimeFormat::IsoDateTime {
            t_separator,
            seconds,
            zone,
        } => {
            let sep = if *t_separator { 'T' } else { ' ' };
            let z = if *zone { "Z" } else { "" };
            if *seconds {
                format!("{y:04}-{m:02}-{d:02}{sep}{h:02}:{mi:02}:{s:02}{z}")
            } else {
                format!("{y:04}-{m:02}-{d:02}{sep}{h:02}:{mi:02}{z}")
            }
        }
        TimeFormat::IsoDate => format!("{y:04}-{m:02}-{d:02}"),
        TimeFormat::YearMonth => format!("{y:04}-{m:02}"),
        TimeFormat::MonthName { year_first } => {
            // `m` is 1–12 (a civil date), so the lookup always finds the name.
            let name = parse::MONTHS
                .get(usize::try_from(m - 1).unwrap_or(0))
                .map_or("Jan", |(short, _)| short);
            if *year_first {
                format!("{y:04} {name}")
            } else {
                format!("{name} {y:04}")
            }
        }
        TimeFormat::UsDate {
            zero_padded,
            clock: c,
        } => {
            if *zero_padded {
                format!("{m:02}/{d:02}/{y:04}{}", clock(*c, true))
            } else {
                format!("{m}/{d}/{y:04}{}", clock(*c, false))
            }
        }
        TimeFormat::DayFirst {
            zero_padded,
            separator: sep,
            clock: c,
        } => {
            if *zero_padded {
                format!("{d:02}{sep}{m:02}{sep}{y:04}{}", clock(*c, true))
            } else {
                format!("{d}{sep}{m}{sep}{y:04}{}", clock(*c, false))
            }
        }
        TimeFormat::YmdSlash { clock: c } => format!("{y:04}/{m:02}/{d:02}{}", clock(*c, true)),
        TimeFormat::CompactDate => format!("{y:04}{m:02}{d:02}"),
        TimeFormat::UnixSeconds => ts.to_string(),
    }
}

#[cfg(test)]
mod tests;
