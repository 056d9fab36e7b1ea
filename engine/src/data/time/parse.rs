//! Hand-written, allocation-free parsers for each timestamp family, and the style
//! (separator, clock, zone, padding) each cell shows.

use super::{Clock, TimeFormat, to_ts};

/// Largest Unix timestamp accepted by detection (2100-01-01).
const UNIX_MAX: i64 = 4_102_444_800;

/// What one cell showed about its style while parsing.
#[derive(Clone, Copy, Default)]
pub(super) struct Style {
    pub(super) t_separator: bool,
    /// 0: no time, 1: hours and minutes, 2: with seconds.
    pub(super) clock: u8,
    pub(super) zone: bool,
    pub(super) padded: bool,
    /// The date separator of a day-first date (`/`, `.` or `-`); 0 otherwise.
    pub(super) sep: u8,
    /// A month-name date wrote the year first (`1974 Jan`).
    pub(super) year_first: bool,
}

/// English month names, abbreviated and in full.
pub(super) const MONTHS: [(&str, &str); 12] = [
    ("Jan", "January"),
    ("Feb", "February"),
    ("Mar", "March"),
    ("Apr", "April"),
    ("May", "May"),
    ("Jun", "June"),
    ("Jul", "July"),
    ("Aug", "August"),
    ("Sep", "September"),
    ("Oct", "October"),
    ("Nov", "November"),
    ("Dec", "December"),
];

/// The month (1–12) a name gives, abbreviated (`Sept` too) or in full, any case.
fn month_of(name: &str) -> Option<i64> {
    let is = |a: &str| a.eq_ignore_ascii_case(name);
    let i = MONTHS
        .iter()
        .position(|(short, full)| is(short) || is(full))
        .or_else(|| is("Sept").then_some(8))?;
    i64::try_from(i + 1).ok()
}

/// `Jan 1974` or `1974 Jan` (one space; the name abbreviated or in full).
fn parse_month_name(s: &str, st: &mut Style) -> Option<i64> {
    let (a, b) = s.split_once(' ')?;
    let year = |t: &str| {
        let mut sc = Scan::new(t);
        let (y, _) = sc.digits(4, 4)?;
        sc.done().then_some(y)
    };
    let (y, m, year_first) = match (year(a), year(b)) {
        (Some(y), None) => (y, month_of(b)?, true),
        (None, Some(y)) => (y, month_of(a)?, false),
        _ => return None,
    };
    st.year_first = year_first;
    to_ts(y, m, 1, 0, 0, 0)
}

/// A tiny byte cursor for the hand-written parsers (no allocation, no panics).
struct Scan<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Scan<'a> {
    fn new(s: &'a str) -> Self {
        Self {
            b: s.as_bytes(),
            i: 0,
        }
    }
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }
    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn done(&self) -> bool {
        self.i >= self.b.len()
    }
    /// Reads `min..=max` ASCII digits; returns the value and how many were read.
    fn digits(&mut self, min: usize, max: usize) -> Option<(i64, usize)> {
        let mut v: i64 = 0;
        let mut n = 0;
        while n < max {
            match self.peek() {
                Some(c @ b'0'..=b'9') => {
                    v = v * 10 + i64::from(c - b'0');
                    self.i += 1;
                    n += 1;
                }
                _ => break,
            }
        }
        (n >= min).then_some((v, n))
    }
}

/// `H:MM[:SS[.fff]]`; returns seconds of the day.
fn clock(sc: &mut Scan, st: &mut Style) -> Option<i64> {
    let (h, _) = sc.digits(1, 2)?;
    if !sc.eat(b':') {
        return None;
    }
    let (mi, _) = sc.digits(2, 2)?;
    let mut s = 0;
    st.clock = 1;
    if sc.eat(b':') {
        s = sc.digits(2, 2)?.0;
        st.clock = 2;
        if sc.eat(b'.') || sc.eat(b',') {
            sc.digits(1, 9)?;
        }
    }
    if h > 23 || mi > 59 || s > 59 {
        return None;
    }
    Some(h * 3600 + mi * 60 + s)
}

/// `Z`, `±HH:MM`, `±HHMM` or `±HH` after a time; returns the offset east of UTC in seconds.
fn zone(sc: &mut Scan, st: &mut Style) -> Option<i64> {
    if sc.eat(b'Z') || sc.eat(b'z') {
        st.zone = true;
        return Some(0);
    }
    let sign = if sc.eat(b'+') {
        1
    } else if sc.eat(b'-') {
        -1
    } else {
        return Some(0);
    };
    let (h, _) = sc.digits(2, 2)?;
    sc.eat(b':');
    let mi = if sc.done() { 0 } else { sc.digits(2, 2)?.0 };
    if h > 18 || mi > 59 {
        return None;
    }
    st.zone = true;
    Some(sign * (h * 3600 + mi * 60))
}

/// ISO family: `YYYY-MM-DD` with an optional time (` ` or `T`) and zone.
fn parse_iso(s: &str, st: &mut Style) -> Option<i64> {
    let mut sc = Scan::new(s);
    let (y, _) = sc.digits(4, 4)?;
    if !sc.eat(b'-') {
        return None;
    }
    let (m, _) = sc.digits(1, 2)?;
    if !sc.eat(b'-') {
        return None;
    }
    let (d, _) = sc.digits(1, 2)?;
    let date = to_ts(y, m, d, 0, 0, 0)?;
    if sc.done() {
        return Some(date);
    }
    if sc.eat(b'T') {
        st.t_separator = true;
    } else if !sc.eat(b' ') {
        return None;
    }
    let secs = clock(&mut sc, st)?;
    let offset = zone(&mut sc, st)?;
    sc.done().then_some(date + secs - offset)
}

/// `YYYY-MM`.
fn parse_year_month(s: &str) -> Option<i64> {
    let mut sc = Scan::new(s);
    let (y, _) = sc.digits(4, 4)?;
    if !sc.eat(b'-') {
        return None;
    }
    let (m, _) = sc.digits(1, 2)?;
    if !sc.done() {
        return None;
    }
    to_ts(y, m, 1, 0, 0, 0)
}

/// Optional ` H:MM[:SS]` after a slash date.
fn slash_clock(sc: &mut Scan, st: &mut Style) -> Option<i64> {
    if sc.done() {
        return Some(0);
    }
    if !sc.eat(b' ') && !sc.eat(b'T') {
        return None;
    }
    let secs = clock(sc, st)?;
    sc.done().then_some(secs)
}

/// US `M/D/YYYY[ H:MM[:SS]]`.
fn parse_us(s: &str, st: &mut Style) -> Option<i64> {
    let mut sc = Scan::new(s);
    let (m, mn) = sc.digits(1, 2)?;
    if !sc.eat(b'/') {
        return None;
    }
    let (d, dn) = sc.digits(1, 2)?;
    if !sc.eat(b'/') {
        return None;
    }
    let (y, _) = sc.digits(4, 4)?;
    if (mn == 2 && m < 10) || (dn == 2 && d < 10) {
        st.padded = true;
    }
    let date = to_ts(y, m, d, 0, 0, 0)?;
    Some(date + slash_clock(&mut sc, st)?)
}

/// Day first `D/M/YYYY`, `D.M.YYYY` or `D-M-YYYY` `[ H:MM[:SS]]`, one separator per cell.
fn parse_day_first(s: &str, st: &mut Style) -> Option<i64> {
    let mut sc = Scan::new(s);
    let (d, dn) = sc.digits(1, 2)?;
    let sep = sc.peek().filter(|c| matches!(c, b'/' | b'.' | b'-'))?;
    sc.i += 1;
    let (m, mn) = sc.digits(1, 2)?;
    if !sc.eat(sep) {
        return None;
    }
    let (y, _) = sc.digits(4, 4)?;
    if (mn == 2 && m < 10) || (dn == 2 && d < 10) {
        st.padded = true;
    }
    st.sep = sep;
    let date = to_ts(y, m, d, 0, 0, 0)?;
    Some(date + slash_clock(&mut sc, st)?)
}

/// `YYYYMMDD` written as a whole number (`20240131`), years 1000 to 9999.
fn parse_compact(s: &str) -> Option<i64> {
    let mut sc = Scan::new(s);
    let (y, _) = sc.digits(4, 4)?;
    let (m, _) = sc.digits(2, 2)?;
    let (d, _) = sc.digits(2, 2)?;
    if !sc.done() || y < 1000 {
        return None;
    }
    to_ts(y, m, d, 0, 0, 0)
}

/// `YYYY/MM/DD[ HH:MM[:SS]]`.
fn parse_ymd_slash(s: &str, st: &mut Style) -> Option<i64> {
    let mut sc = Scan::new(s);
    let (y, _) = sc.digits(4, 4)?;
    if !sc.eat(b'/') {
        return None;
    }
    let (m, _) = sc.digits(1, 2)?;
    if !sc.eat(b'/') {
        return None;
    }
    let (d, _) = sc.digits(1, 2)?;
    let date = to_ts(y, m, d, 0, 0, 0)?;
    Some(date + slash_clock(&mut sc, st)?)
}

/// Unix seconds: plain digits in [0, 2100-01-01].
fn parse_unix(s: &str) -> Option<i64> {
    let mut sc = Scan::new(s);
    let (v, _) = sc.digits(1, 10)?;
    (sc.done() && v <= UNIX_MAX).then_some(v)
}

/// The format families, in detection order.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Family {
    Iso,
    YearMonth,
    MonthName,
    Us,
    DayFirst,
    YmdSlash,
    Compact,
    Unix,
}

pub(super) fn parse_family(cell: &str, family: Family, st: &mut Style) -> Option<i64> {
    match family {
        Family::Iso => parse_iso(cell, st),
        Family::YearMonth => parse_year_month(cell),
        Family::MonthName => parse_month_name(cell, st),
        Family::Us => parse_us(cell, st),
        Family::DayFirst => parse_day_first(cell, st),
        Family::YmdSlash => parse_ymd_slash(cell, st),
        Family::Compact => parse_compact(cell),
        Family::Unix => parse_unix(cell),
    }
}

pub(super) fn family_of(format: &TimeFormat) -> Family {
    match format {
        TimeFormat::IsoDateTime { .. } | TimeFormat::IsoDate => Family::Iso,
        TimeFormat::YearMonth => Family::YearMonth,
        TimeFormat::MonthName { .. } => Family::MonthName,
        TimeFormat::UsDate { .. } => Family::Us,
        TimeFormat::DayFirst { .. } => Family::DayFirst,
        TimeFormat::YmdSlash { .. } => Family::YmdSlash,
        TimeFormat::CompactDate => Family::Compact,
        TimeFormat::UnixSeconds => Family::Unix,
    }
}

fn clock_of(code: u8) -> Clock {
    match code {
        0 => Clock::None,
        1 => Clock::Minutes,
        _ => Clock::Seconds,
    }
}

/// The concrete format of a family, given the style seen over a column.
pub(super) fn format_of(family: Family, first: Style, any: Style) -> TimeFormat {
    match family {
        Family::Iso if any.clock == 0 => TimeFormat::IsoDate,
        Family::Iso => TimeFormat::IsoDateTime {
            t_separator: first.t_separator,
            seconds: any.clock == 2,
            zone: any.zone,
        },
        Family::YearMonth => TimeFormat::YearMonth,
        Family::MonthName => TimeFormat::MonthName {
            year_first: first.year_first,
        },
        Family::Us => TimeFormat::UsDate {
            zero_padded: any.padded,
            clock: clock_of(any.clock),
        },
        Family::DayFirst => TimeFormat::DayFirst {
            zero_padded: any.padded,
            separator: char::from(first.sep),
            clock: clock_of(any.clock),
        },
        Family::YmdSlash => TimeFormat::YmdSlash {
            clock: clock_of(any.clock),
        },
        Family::Compact => TimeFormat::CompactDate,
        Family::Unix => TimeFormat::UnixSeconds,
    }
}
