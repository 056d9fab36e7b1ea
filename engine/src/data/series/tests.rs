use super::*;
use crate::config::{DuplicatePolicy, MissingPolicy};
use crate::data::table::read_csv_bytes;
use crate::data::time::Clock;

fn table(text: &str) -> CsvTable {
    read_csv_bytes(text.as_bytes(), "t.csv").unwrap()
}

fn build(text: &str, config: &DataConfig) -> Result<(Series, LoadReport)> {
    build_series(&table(text), config)
}

fn sample(name: &str) -> CsvTable {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../sample-data")
        .join(name);
    crate::data::table::read_csv(&path).unwrap()
}

fn values(s: &Series, i: usize) -> Vec<f64> {
    s.columns[i].values.clone()
}

fn labels(s: &Series) -> Vec<String> {
    (0..s.len()).map(|i| s.time_label(i)).collect()
}

/// The bundled real files.
mod samples;

#[test]
fn unsorted_rows_are_sorted_and_reported() {
    let (s, r) = build(
        "date,v\n2020-01-03,3\n2020-01-01,1\n2020-01-02,2\n",
        &DataConfig::default(),
    )
    .unwrap();
    assert!(r.reordered);
    assert_eq!(values(&s, 0), [1.0, 2.0, 3.0]);
    assert_eq!(labels(&s), ["2020-01-01", "2020-01-02", "2020-01-03"]);
    assert!(
        r.summary_lines()
            .contains(&"rows were not in time order: sorted by time".to_string())
    );
}

const DUPS: &str = "date,v\n2020-01-01,1\n2020-01-02,2\n2020-01-02,4\n2020-01-03,3\n\
                    2020-01-03,5\n2020-01-03,9\n2020-01-04,7\n";

#[test]
fn duplicate_policies() {
    let with = |duplicates| DataConfig {
        duplicates,
        ..DataConfig::default()
    };
    let expect = [
        (DuplicatePolicy::First, vec![1.0, 2.0, 3.0, 7.0]),
        (DuplicatePolicy::Last, vec![1.0, 4.0, 9.0, 7.0]),
        (DuplicatePolicy::Mean, vec![1.0, 3.0, 17.0 / 3.0, 7.0]),
    ];
    for (policy, want) in expect {
        let (s, r) = build(DUPS, &with(policy)).unwrap();
        assert_eq!(values(&s, 0), want, "{policy:?}");
        assert_eq!(s.len(), 4);
        assert_eq!(r.rows_used, 4);
        assert_eq!(r.duplicates.count, 3);
        assert_eq!(r.duplicates.policy, policy);
        assert_eq!(
            r.duplicates.examples,
            ["2020-01-02 (2 rows)", "2020-01-03 (3 rows)"]
        );
        assert_eq!(s.frequency(), Some(Frequency::Seconds(86_400)));
        assert_eq!(r.gaps.count, 0);
    }
    let err = build(DUPS, &with(DuplicatePolicy::Refuse)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "3 rows repeat an earlier timestamp (e.g. 2020-01-02 (2 rows), 2020-01-03 (3 rows)); \
         choose a duplicate policy: first, last or mean"
    );
}

#[test]
fn mean_of_duplicates_skips_missing_cells() {
    let text = "date,v\n2020-01-01,1\n2020-01-01,NA\n2020-01-02,NA\n2020-01-02,NA\n2020-01-03,3\n";
    let config = DataConfig {
        duplicates: DuplicatePolicy::Mean,
        ..DataConfig::default()
    };
    let (s, r) = build(text, &config).unwrap();
    assert_eq!(values(&s, 0), [1.0, 2.0, 3.0]);
    assert_eq!(r.missing[0].count, 1);
    assert_eq!(r.missing[0].first_rows, [3]);
}

#[test]
fn gaps_are_counted_not_filled() {
    let mut text = String::from("date,v\n");
    for h in [0, 1, 2, 3, 4, 5, 9, 10, 12] {
        text.push_str(&format!("2016-07-02 {h:02}:00:00,{h}\n"));
    }
    let (s, r) = build(&text, &DataConfig::default()).unwrap();
    assert_eq!(s.len(), 9);
    assert_eq!(s.frequency(), Some(Frequency::Seconds(3600)));
    assert_eq!(r.gaps.count, 2);
    assert_eq!(r.gaps.missing_steps, 4);
    assert_eq!(
        r.gaps.examples,
        [
            "2016-07-02 05:00:00 -> 2016-07-02 09:00:00 (3 steps missing)",
            "2016-07-02 10:00:00 -> 2016-07-02 12:00:00 (1 step missing)",
        ]
    );
    assert!(r.notes.is_empty(), "{:?}", r.notes);
}

#[test]
fn irregular_spacing_is_noted() {
    let text =
        "date,v\n2020-01-01 00:00,5\n2020-01-01 01:00,2\n2020-01-01 02:00,3\n2020-01-01 02:30,4\n";
    let (_, r) = build(text, &DataConfig::default()).unwrap();
    assert_eq!(
        r.notes,
        ["1 interval is not a whole number of hourly steps (irregular spacing)"]
    );
}

const HOLES: &str = "date,v,w\n2020-01-01,1,10\n2020-01-02,NA,20\n2020-01-03,,30\n\
                     2020-01-04,4,40\n2020-01-05,-,50\n";

#[test]
fn missing_value_policies() {
    let with = |missing| DataConfig {
        missing,
        targets: vec!["v".into()],
        covariates: vec!["w".into()],
        ..DataConfig::default()
    };
    let (s, r) = build(HOLES, &with(MissingPolicy::Interpolate)).unwrap();
    assert_eq!(values(&s, 0), [1.0, 2.0, 3.0, 4.0, 4.0]);
    assert_eq!(r.cells_filled, 3);
    assert_eq!(
        r.missing,
        [MissingReport {
            column: "v".into(),
            count: 3,
            first_rows: vec![2, 3, 5],
            filled: 3
        }]
    );

    let (s, r) = build(HOLES, &with(MissingPolicy::ForwardFill)).unwrap();
    assert_eq!(values(&s, 0), [1.0, 1.0, 1.0, 4.0, 4.0]);
    assert_eq!(r.cells_filled, 3);

    let (s, r) = build(HOLES, &with(MissingPolicy::Drop)).unwrap();
    assert_eq!(values(&s, 0), [1.0, 4.0]);
    assert_eq!(values(&s, 1), [10.0, 40.0]);
    assert_eq!(labels(&s), ["2020-01-01", "2020-01-04"]);
    assert_eq!(r.rows_dropped, 3);
    assert_eq!(r.rows_used, 2);
    assert_eq!(r.missing[0].filled, 0);

    let err = build(HOLES, &with(MissingPolicy::Refuse)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "'v' has 3 missing values (first at rows 2, 3, 5); the missing-value policy is \
         refuse: choose drop, forward_fill or interpolate"
    );
}

#[test]
fn leading_gaps_take_the_first_valid_value() {
    let text = "date,v\n2020-01-01,NA\n2020-01-02,2\n2020-01-03,NA\n2020-01-04,6\n";
    let ff = DataConfig {
        missing: MissingPolicy::ForwardFill,
        ..DataConfig::default()
    };
    assert_eq!(
        values(&build(text, &ff).unwrap().0, 0),
        [2.0, 2.0, 2.0, 6.0]
    );
    let (s, _) = build(text, &DataConfig::default()).unwrap();
    assert_eq!(values(&s, 0), [2.0, 2.0, 4.0, 6.0]);
}

#[test]
fn dropping_every_row_is_an_error() {
    let text = "date,v,w\n2020-01-01,NA,1\n2020-01-02,2,NA\n";
    let config = DataConfig {
        missing: MissingPolicy::Drop,
        targets: vec!["v".into()],
        covariates: vec!["w".into()],
        ..DataConfig::default()
    };
    let err = build(text, &config).unwrap_err();
    assert!(matches!(err, EngineError::Missing(_)), "{err:?}");
}

#[test]
fn text_in_a_target_names_row_line_and_value() {
    let err = build(
        "date,v\n2020-01-01,1\n2020-01-02,abc\n",
        &DataConfig::default(),
    )
    .unwrap_err();
    let EngineError::NotNumeric {
        column,
        row,
        line,
        value,
    } = &err
    else {
        panic!("{err:?}");
    };
    assert_eq!(
        (column.as_str(), *row, *line, value.as_str()),
        ("v", 2, 3, "abc")
    );
    assert_eq!(
        err.to_string(),
        "column 'v', row 2 (line 3 of the file): 'abc' is not a number"
    );
    // A quoted newline earlier in the file moves the line, not the row.
    let text = "date,v,note\n2020-01-01,1,\"two\nlines\"\n2020-01-02,x1,ok\n";
    let config = DataConfig {
        targets: vec!["v".into()],
        ..DataConfig::default()
    };
    let err = build(text, &config).unwrap_err();
    assert_eq!(
        err.to_string(),
        "column 'v', row 2 (line 4 of the file): 'x1' is not a number"
    );
}

#[test]
fn infinite_values_are_refused_precisely() {
    let config = DataConfig {
        targets: vec!["v".into()],
        ..DataConfig::default()
    };
    let err = build("date,v\n2020-01-01,1\n2020-01-02,1e400\n", &config).unwrap_err();
    assert_eq!(
        err.to_string(),
        "column 'v', row 2 (line 3 of the file): '1e400' is infinite or too large; only \
         finite numbers can be used"
    );
}

#[test]
fn all_missing_target_is_an_error() {
    let config = DataConfig {
        targets: vec!["v".into()],
        ..DataConfig::default()
    };
    let err = build("date,v,w\n2020-01-01,NA,1\n2020-01-02,,2\n", &config).unwrap_err();
    assert_eq!(
        err.to_string(),
        "column 'v' has no values: all 2 cells are missing"
    );
}

#[test]
fn unknown_and_twice_used_columns() {
    let text = "date,v,w\n2020-01-01,1,2\n2020-01-02,3,4\n";
    let config = DataConfig {
        targets: vec!["nope".into()],
        ..DataConfig::default()
    };
    let err = build(text, &config).unwrap_err();
    assert_eq!(
        err.to_string(),
        "column 'nope' not found; the file has: date, v, w"
    );
    let config = DataConfig {
        covariates: vec!["missing".into()],
        ..DataConfig::default()
    };
    assert!(matches!(
        build(text, &config),
        Err(EngineError::UnknownColumn { .. })
    ));

    let config = DataConfig {
        targets: vec!["v".into()],
        covariates: vec!["w".into(), "v".into()],
        ..DataConfig::default()
    };
    let err = build(text, &config).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid configuration: column 'v' is used twice: as target and as covariate"
    );
    let config = DataConfig {
        targets: vec!["date".into()],
        ..DataConfig::default()
    };
    let err = build(text, &config).unwrap_err();
    assert!(
        err.to_string()
            .contains("used twice: as time and as target"),
        "{err}"
    );
}

#[test]
fn no_numeric_column_lists_what_there_is() {
    let err = build(
        "date,name,e\n2020-01-01,a,\n2020-01-02,b,NA\n",
        &DataConfig::default(),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "t.csv has no numeric column to forecast; its columns are: date (used as time), \
         name (text), e (no values)"
    );
    // A row counter is the target only when nothing else is numeric, with a note.
    let (s, r) = build(
        "No,date,name\n1,2020-01-01,a\n2,2020-01-02,b\n",
        &DataConfig::default(),
    )
    .unwrap();
    assert_eq!(s.targets()[0].name, "No");
    assert!(r.notes[0].contains("like a row counter"), "{:?}", r.notes);
}

#[test]
fn row_counters_are_skipped_and_index_axis_counts_rows() {
    let (s, r) = build("No,x\n1,5\n2,8\n3,6\n", &DataConfig::default()).unwrap();
    assert_eq!(s.targets()[0].name, "x");
    assert_eq!(s.time, TimeAxis::Index);
    assert_eq!(labels(&s), ["0", "1", "2"]);
    assert_eq!(s.future_labels(2).unwrap(), ["3", "4"]);
    assert_eq!(s.season(), None);
    assert_eq!(r.time_column, None);
    assert!(
        r.summary_lines()
            .contains(&"time: none found, rows are numbered".to_string())
    );
}

#[test]
fn configured_time_column_must_parse() {
    let text = "when,v\n2020-01-01,1\nyesterday,2\n";
    let config = DataConfig {
        time_column: Some("when".into()),
        ..DataConfig::default()
    };
    let err = build(text, &config).unwrap_err();
    assert!(matches!(err, EngineError::Time(_)));
    assert!(
        err.to_string().starts_with(
            "time column 'when', row 2 (line 3 of the file): 'yesterday' is not a date or time"
        ),
        "{err}"
    );
    // Not configured: the text column is ignored and rows are numbered.
    let (s, _) = build(text, &DataConfig::default()).unwrap();
    assert_eq!(s.time, TimeAxis::Index);
    let config = DataConfig {
        time_column: Some("nope".into()),
        ..DataConfig::default()
    };
    assert!(matches!(
        build(text, &config),
        Err(EngineError::UnknownColumn { .. })
    ));
}

#[test]
fn unix_seconds_and_us_dates_make_axes() {
    let (s, r) = build(
        "timestamp,v\n1467331200,1\n1467334800,2\n",
        &DataConfig::default(),
    )
    .unwrap();
    assert_eq!(r.time_format, Some(TimeFormat::UnixSeconds));
    assert_eq!(s.frequency(), Some(Frequency::Seconds(3600)));
    assert_eq!(s.future_labels(1).unwrap(), ["1467338400"]);

    let (s, r) = build(
        "day;v\n1/30/2021;1\n1/31/2021;2\n2/1/2021;3\n",
        &DataConfig::default(),
    )
    .unwrap();
    assert_eq!(
        r.time_format,
        Some(TimeFormat::UsDate {
            zero_padded: false,
            clock: Clock::None
        })
    );
    assert_eq!(s.future_labels(2).unwrap(), ["2/2/2021", "2/3/2021"]);
}

#[test]
fn unknown_frequency_gives_no_future_labels() {
    let (s, r) = build("date,v\n2020-01-01,1\n", &DataConfig::default()).unwrap();
    assert_eq!(s.frequency(), None);
    assert_eq!(r.frequency, None);
    assert!(matches!(s.future_labels(3), Err(EngineError::Time(_))));
    assert_eq!(s.time_label(0), "2020-01-01");
    assert_eq!(s.time_label(5), "#5");
}

#[test]
fn rows_without_timestamp_are_left_out_with_a_note() {
    let (s, r) = build(
        "date,v\n2020-01-01,1\nNA,5\n2020-01-02,3\n",
        &DataConfig::default(),
    )
    .unwrap();
    assert_eq!(values(&s, 0), [1.0, 3.0]);
    assert_eq!(r.rows_read, 3);
    assert_eq!(r.rows_used, 2);
    assert_eq!(r.notes, ["1 row without a timestamp was left out (row 2)"]);
}

#[test]
fn composite_time_without_hour_and_invalid_parts() {
    let (s, r) = build(
        "Year,Month,Day,v\n2020,1,31,1\n2020,2,1,2\n",
        &DataConfig::default(),
    )
    .unwrap();
    assert_eq!(r.time_column.as_deref(), Some("Year+Month+Day"));
    assert_eq!(labels(&s), ["2020-01-31", "2020-02-01"]);
    let err = build("year,month,day,v\n2020,2,30,1\n", &DataConfig::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "row 1 (line 2 of the file): year 2020, month 2, day 30, hour 0 is not a valid date and hour"
    );
}

#[test]
fn report_round_trips_through_json() {
    let (_, r) = build(DUPS, &DataConfig::default()).unwrap();
    let json = serde_json::to_string(&r).unwrap();
    let back: LoadReport = serde_json::from_str(&json).unwrap();
    assert_eq!(back, r);
}

#[test]
fn odd_inputs_never_panic() {
    let inputs: [&[u8]; 14] = [
        b"\"abc",
        b"a,b\n\"1,2\n3,4\n",
        b",,,\n,,,\n",
        b"\0\0\0",
        b"\r\r\r1\r",
        b"\xff\xfe\x41",
        b"\xfe\xff\x00",
        b"a;b\n1;2\n3\n4;5;6\n",
        b"date,v\n9999-12-31,1\n0001-01-01,2\n",
        b"time,v\n0,1\n4102444800,2\n",
        b"year,month,day,hour,v\n2020,1,1,99,1\n",
        b"year,month,day,v\n1e300,1,1,1\n",
        b"date,v\n2020-01-01,1e308\n2020-01-02,-1e308\n",
        b"x\n\"\"\"\"\n",
    ];
    for bytes in inputs {
        if let Ok(table) = read_csv_bytes(bytes, "odd.csv") {
            let _ = table.preview(3);
            let _ = table.file_line(usize::MAX);
            for missing in [MissingPolicy::Drop, MissingPolicy::Interpolate] {
                let config = DataConfig {
                    missing,
                    ..DataConfig::default()
                };
                if let Ok((s, r)) = build_series(&table, &config) {
                    let _ = r.summary_lines();
                    let _ = s.time_label(usize::MAX);
                    let _ = s.future_labels(3);
                }
            }
        }
    }
}
