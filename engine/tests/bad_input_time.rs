//! The bad-input catalogue, time axis: unsorted rows, duplicate timestamps, irregular
//! spacing, daylight-saving jumps, several date formats in one column.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic: a panic is a test failure

mod common;

use std::fmt::Write as _;

use common::catalogue::{series, small, values};
use seqcast_engine::config::DuplicatePolicy;
use seqcast_engine::data::series::TimeAxis;

#[test]
fn unsorted_rows_are_sorted_and_reported() {
    let (s, r) = series(
        b"date,value\n2024-01-03,3\n2024-01-01,1\n2024-01-02,2\n",
        &small(),
    )
    .unwrap();
    assert!(r.reordered);
    assert_eq!(values(&s), [1.0, 2.0, 3.0]);
    assert_eq!(s.time_label(0), "2024-01-01");
}

#[test]
fn duplicate_timestamps() {
    let text = b"date,value\n2024-01-01,1\n2024-01-02,2\n2024-01-02,4\n2024-01-03,5\n";
    let (s, r) = series(text, &small()).unwrap();
    assert_eq!(values(&s), [1.0, 2.0, 5.0]);
    assert_eq!(r.duplicates.count, 1);
    assert_eq!(r.duplicates.examples, ["2024-01-02 (2 rows)"]);
    let mut c = small();
    c.data.duplicates = DuplicatePolicy::Mean;
    assert_eq!(values(&series(text, &c).unwrap().0), [1.0, 3.0, 5.0]);
    c.data.duplicates = DuplicatePolicy::Refuse;
    let err = series(text, &c).unwrap_err();
    assert!(err.to_string().contains("2024-01-02"), "{err}");
}

#[test]
fn irregular_timestamps_are_reported_not_filled() {
    let (s, r) = series(
        b"date,value\n2024-01-01,1\n2024-01-02,2\n2024-01-05,3\n2024-01-06,4\n2024-01-07,5\n",
        &small(),
    )
    .unwrap();
    assert_eq!(s.len(), 5);
    assert_eq!(r.frequency.as_deref(), Some("daily"));
    assert_eq!(r.gaps.count, 1);
    assert_eq!(r.gaps.missing_steps, 2);
    // a step off the grid: said so
    let (s, r) = series(
        b"date,value\n2024-01-01 00:00,5\n2024-01-01 01:00,2\n2024-01-01 02:00,3\n2024-01-01 02:30,4\n",
        &small(),
    )
    .unwrap();
    assert_eq!(s.len(), 4);
    assert_eq!(
        r.notes,
        ["1 interval is not a whole number of hourly steps (irregular spacing)"]
    );
}

/// Hourly local times across a day, skipping or repeating hours.
fn hourly(day: &str, hours: &[u32]) -> String {
    let mut out = String::from("time,value\n");
    for d in ["prev", day, "next"] {
        let hs: Vec<u32> = if d == day {
            hours.to_vec()
        } else {
            (0..24).collect()
        };
        for h in hs {
            let date = match d {
                "prev" => "2024-03-30".to_string(),
                "next" => "2024-04-01".to_string(),
                _ => day.to_string(),
            };
            writeln!(out, "{date} {h:02}:00,{h}").unwrap();
        }
    }
    out
}

#[test]
fn daylight_saving_jumps() {
    // spring forward: 02:00 does not exist in local time; one missing hour, reported
    let spring: Vec<u32> = (0..24).filter(|h| *h != 2).collect();
    let (s, r) = series(hourly("2024-03-31", &spring).as_bytes(), &small()).unwrap();
    assert_eq!(r.frequency.as_deref(), Some("hourly"));
    assert_eq!(r.gaps.count, 1);
    assert_eq!(
        r.gaps.examples,
        ["2024-03-31 01:00 -> 2024-03-31 03:00 (1 step missing)"]
    );
    assert_eq!(s.len(), 71);
    // fall back: 02:00 happens twice; the repeat is a duplicate, merged and reported
    let autumn: Vec<u32> = [0, 1, 2, 2].into_iter().chain(3..24).collect();
    let (s, r) = series(hourly("2024-03-31", &autumn).as_bytes(), &small()).unwrap();
    assert_eq!(r.duplicates.count, 1);
    assert_eq!(r.duplicates.examples, ["2024-03-31 02:00 (2 rows)"]);
    assert_eq!(r.gaps.count, 0);
    assert_eq!(s.len(), 72);
}

#[test]
fn dates_in_several_formats_in_one_column() {
    let text = "date,value\n2024-01-01,1\n2024-01-02,2\n01/03/2024,3\n2024/01/04,4\n";
    // chosen automatically: not silently a row index — the note names the odd row
    let (s, r) = series(text.as_bytes(), &small()).unwrap();
    assert_eq!(s.time, TimeAxis::Index);
    assert!(
        r.notes.contains(
            &"column 'date' looks like the time axis, but its dates are not all written the \
              same way: row 1 is '2024-01-01' (YYYY-MM-DD), but row 3 (line 4 of the file) is \
              '01/03/2024'; rows are numbered instead (name it as the time column to see \
              every error)"
                .into()
        ),
        "{:?}",
        r.notes
    );
    // named as the time column: an error with the row, line and value
    let mut c = small();
    c.data.time_column = Some("date".into());
    let err = series(text.as_bytes(), &c).unwrap_err();
    assert!(
        err.to_string().starts_with(
            "time column 'date', row 3 (line 4 of the file): '01/03/2024' is not a date"
        ),
        "{err}"
    );
    // a format that is not supported at all (year.month.day)
    let (_, r) = series(b"date,value\n2024.02.01,1\n2024.02.02,2\n", &small()).unwrap();
    assert!(
        r.notes[0].starts_with(
            "column 'date' looks like the time axis, but row 1 (line 2 of the file): \
             '2024.02.01' is not a date or time in a known format"
        ),
        "{:?}",
        r.notes
    );
}

/// `date,value` rows written by `label(i)` for i in 0..n.
fn rows(n: usize, label: impl Fn(usize) -> String) -> String {
    let mut out = String::from("date,value\n");
    for i in 0..n {
        writeln!(out, "{},{}", label(i), i).unwrap();
    }
    out
}

fn pattern(r: &seqcast_engine::data::series::LoadReport) -> String {
    r.time_format
        .as_ref()
        .map(|f| f.pattern())
        .unwrap_or_default()
}

#[test]
fn day_first_dates_are_decided_from_the_whole_column() {
    // One day above 12 anywhere settles day first (it used to make the column text).
    let text = rows(20, |i| format!("{:02}/01/2024", i + 1));
    let (s, r) = series(text.as_bytes(), &small()).unwrap();
    assert_eq!(pattern(&r), "DD/MM/YYYY");
    assert_eq!(r.frequency.as_deref(), Some("daily"));
    assert_eq!(r.gaps.count, 0);
    assert!(matches!(s.time, TimeAxis::Timestamps { .. }));
    assert!(
        r.notes.iter().all(|n| !n.contains("day above 12")),
        "{:?}",
        r.notes
    );
    // A second number above 12 settles month first.
    let text = rows(20, |i| format!("01/{:02}/2024", i + 1));
    let (_, r) = series(text.as_bytes(), &small()).unwrap();
    assert_eq!(pattern(&r), "MM/DD/YYYY");
    assert_eq!(r.frequency.as_deref(), Some("daily"));
    // Dots and dashes are day first.
    let (_, r) = series(
        b"date,value\n31.01.2024,1\n01.02.2024,2\n02.02.2024,3\n",
        &small(),
    )
    .unwrap();
    assert_eq!(pattern(&r), "DD.MM.YYYY");
    assert_eq!(r.frequency.as_deref(), Some("daily"));
}

#[test]
fn monthly_dates_on_the_first_with_no_day_above_12_read_day_first_and_say_so() {
    // 36 months of 01/MM/YYYY: month first they were read as days 1..12 of January
    // ("daily", season 7, hundreds of missing days); day first they are regular months.
    let text = rows(36, |i| format!("01/{:02}/{}", i % 12 + 1, 2020 + i / 12));
    let (s, r) = series(text.as_bytes(), &small()).unwrap();
    assert_eq!(pattern(&r), "DD/MM/YYYY");
    assert_eq!(r.frequency.as_deref(), Some("monthly"));
    assert_eq!(r.gaps.count, 0);
    assert_eq!(s.len(), 36);
    let note = r
        .notes
        .iter()
        .find(|n| n.contains("no day above 12"))
        .expect("the ambiguity is reported");
    assert_eq!(
        note,
        "column 'date' has no day above 12, so its dates read both day first and month \
         first; read day first (DD/MM/YYYY): which leaves 0 missing steps in the time axis \
         where the other reading leaves 707; if that is wrong, set the date format to \
         MM/DD/YYYY (--date-format, or Dates in the Data view)"
    );
    // Overridden: month first, as asked (days 1..12 of each January, with gaps).
    let mut c = small();
    c.data.date_format = Some("MM/DD/YYYY".into());
    let (_, r) = series(text.as_bytes(), &c).unwrap();
    assert_eq!(pattern(&r), "MM/DD/YYYY");
    assert_eq!(r.frequency.as_deref(), Some("daily"));
    assert!(r.gaps.count > 0);
    // Two readings equally regular: month first, said to be a guess.
    let (_, r) = series(b"date,value\n01/02/2024,1\n02/03/2024,2\n", &small()).unwrap();
    assert_eq!(pattern(&r), "MM/DD/YYYY");
    assert!(
        r.notes.iter().any(|n| n.contains(
            "read month first (MM/DD/YYYY): both readings give an equally regular axis, so \
             this is a guess; if that is wrong, set the date format to DD/MM/YYYY"
        )),
        "{:?}",
        r.notes
    );
}

#[test]
fn a_date_format_that_does_not_fit_is_an_error_naming_the_cell() {
    let text = "date,value\n12/01/2024,1\n13/01/2024,2\n";
    let mut c = small();
    c.data.date_format = Some("MM/DD/YYYY".into());
    let err = series(text.as_bytes(), &c).unwrap_err().to_string();
    assert_eq!(
        err,
        "time column 'date', row 2 (line 3 of the file): '13/01/2024' is not a date written as \
         MM/DD/YYYY (data.date_format)"
    );
    c.data.date_format = Some("YY/MM".into());
    let err = series(text.as_bytes(), &c).unwrap_err().to_string();
    assert!(
        err.starts_with(
            "invalid configuration: data.date_format 'YY/MM' is not a date format seqcast \
             reads; use one of DD/MM/YYYY"
        ),
        "{err}"
    );
}

#[test]
fn yyyymmdd_integers_are_dates_not_unix_seconds() {
    // 20240101 used to be taken as Unix seconds (1970-08-23, "every second").
    let text = rows(10, |i| format!("202401{:02}", i + 1));
    let (s, r) = series(text.as_bytes(), &small()).unwrap();
    assert_eq!(pattern(&r), "YYYYMMDD");
    assert_eq!(r.frequency.as_deref(), Some("daily"));
    let TimeAxis::Timestamps { values, .. } = &s.time else {
        panic!("{:?}", s.time)
    };
    assert_eq!(values[0], 1_704_067_200, "2024-01-01 00:00 UTC");
    // Without a name that says date, numbers stay numbers unless the format is given.
    let text = text.replace("date,value", "period,value");
    let (_, r) = series(text.as_bytes(), &small()).unwrap();
    assert_eq!(r.time_format, None);
    let mut c = small();
    c.data.date_format = Some("yyyymmdd".into());
    let (_, r) = series(text.as_bytes(), &c).unwrap();
    assert_eq!(r.time_column.as_deref(), Some("period"));
    assert_eq!(r.targets, ["value"]);
}
