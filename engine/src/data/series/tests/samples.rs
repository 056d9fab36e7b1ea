//! Loading the bundled files in `sample-data/` end to end.

use super::*;

#[test]
fn airline_is_monthly_with_future_labels() {
    let (s, r) = build_series(&sample("airline-passengers.csv"), &DataConfig::default()).unwrap();
    assert_eq!(s.len(), 144);
    assert_eq!(s.n_targets, 1);
    assert_eq!(s.targets()[0].name, "Passengers");
    assert_eq!(s.targets()[0].values[0], 112.0);
    assert_eq!(s.frequency(), Some(Frequency::Months(1)));
    assert_eq!(s.season(), Some(12));
    assert_eq!(s.time_label(0), "1949-01");
    assert_eq!(s.time_label(143), "1960-12");
    assert_eq!(s.future_labels(2).unwrap(), ["1961-01", "1961-02"]);
    assert_eq!(s.time_label(144), "1961-01");
    assert_eq!(r.rows_read, 144);
    assert_eq!(r.rows_used, 144);
    assert_eq!(r.time_column.as_deref(), Some("Month"));
    assert_eq!(r.time_format, Some(TimeFormat::YearMonth));
    assert_eq!(r.frequency.as_deref(), Some("monthly"));
    assert!(!r.reordered);
    assert_eq!(r.duplicates.count, 0);
    assert_eq!(r.gaps.count, 0);
    assert!(r.missing.is_empty());
    assert!(r.notes.is_empty(), "{:?}", r.notes);
    assert_eq!(
        r.summary_lines()[..3],
        [
            "airline-passengers.csv: 144 rows read, 144 used (UTF-8, delimiter ',', header)",
            "time: 'Month' (YYYY-MM), monthly",
            "targets: Passengers; covariates: none",
        ]
    );
}

#[test]
fn etth1_is_hourly_without_gaps_or_duplicates() {
    let (s, r) = build_series(&sample("ETTh1.csv"), &DataConfig::default()).unwrap();
    assert_eq!(s.len(), 17_420);
    assert_eq!(s.frequency(), Some(Frequency::Seconds(3600)));
    assert_eq!(s.season(), Some(24));
    assert_eq!(s.targets()[0].name, "HUFL");
    assert_eq!(s.time_label(0), "2016-07-01 00:00:00");
    assert_eq!(s.time_label(17_419), "2018-06-26 19:00:00");
    assert_eq!(s.future_labels(1).unwrap(), ["2018-06-26 20:00:00"]);
    assert_eq!(r.frequency.as_deref(), Some("hourly"));
    assert_eq!(r.gaps, GapReport::default());
    assert_eq!(r.duplicates.count, 0);
    assert!(r.missing.is_empty());

    let config = DataConfig {
        targets: vec!["OT".into()],
        covariates: ["HUFL", "HULL", "MUFL", "MULL", "LUFL", "LULL"]
            .map(String::from)
            .to_vec(),
        ..DataConfig::default()
    };
    let (s, r) = build_series(&sample("ETTh1.csv"), &config).unwrap();
    assert_eq!(s.columns.len(), 7);
    assert_eq!(s.targets().len(), 1);
    assert_eq!(s.targets()[0].name, "OT");
    assert_eq!(s.covariates()[0].name, "HUFL");
    assert_eq!(s.targets()[0].values[17_419], 9.56700038909912);
    assert_eq!(r.covariates.len(), 6);
}

#[test]
fn pollution_composite_time_and_missing_values() {
    let table = sample("pollution.csv");
    let (s, r) = build_series(&table, &DataConfig::default()).unwrap();
    assert_eq!(s.targets()[0].name, "pm2.5");
    assert_eq!(r.time_column.as_deref(), Some("year+month+day+hour"));
    assert_eq!(s.frequency(), Some(Frequency::Seconds(3600)));
    assert_eq!(s.time_label(0), "2010-01-01 00:00:00");
    assert_eq!(s.time_label(43_823), "2014-12-31 23:00:00");
    assert_eq!(s.len(), 43_824);
    assert_eq!(r.gaps.count, 0);
    assert_eq!(r.missing.len(), 1);
    assert_eq!(r.missing[0].column, "pm2.5");
    assert_eq!(r.missing[0].count, 2067);
    assert_eq!(r.missing[0].first_rows, [1, 2, 3, 4, 5]);
    assert_eq!(r.missing[0].filled, 2067);
    assert_eq!(r.cells_filled, 2067);
    let pm = &s.targets()[0].values;
    assert!(pm.iter().all(|v| v.is_finite()));
    // Rows 1-24 are missing: they take row 25's value.
    assert_eq!(pm[0], 129.0);
    assert_eq!(pm[23], 129.0);
    // Rows 546-612 are missing between 22 (row 545) and 88 (row 613).
    assert!((pm[545] - (22.0 + 66.0 / 68.0)).abs() < 1e-9);
    assert!((pm[611] - (22.0 + 66.0 * 67.0 / 68.0)).abs() < 1e-9);
    assert!(r.summary_lines().contains(
        &"missing: 'pm2.5' 2067 cells (first at rows 1, 2, 3, 4, 5); 2067 interpolated".to_string()
    ));

    let refuse = DataConfig {
        missing: MissingPolicy::Refuse,
        ..DataConfig::default()
    };
    let err = build_series(&table, &refuse).unwrap_err();
    assert!(matches!(err, EngineError::Missing(_)));
    let msg = err.to_string();
    assert!(
        msg.contains("'pm2.5' has 2067 missing values (first at rows 1, 2, 3, 4, 5)"),
        "{msg}"
    );
}

#[test]
fn daily_temperatures() {
    let (s, r) = build_series(
        &sample("daily-min-temperatures.csv"),
        &DataConfig::default(),
    )
    .unwrap();
    assert_eq!(s.targets()[0].name, "Temp");
    assert_eq!(r.frequency.as_deref(), Some("daily"));
    assert_eq!(s.season(), Some(7));
    assert_eq!(s.time_label(0), "1981-01-01");
}
