//! The bad-input catalogue: every kind of file people open, each with the exact message
//! (row, line, value, column, encoding) or the exact result, and never a panic.
//!
//! Files are built in memory (or in a temp folder where the path matters); the 1 GB
//! case is tested with a small configurable limit, and was measured by hand once. The
//! time-axis items (order, duplicates, gaps, daylight saving, date formats) are in
//! `bad_input_time.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic: a panic is a test failure

mod common;

use std::path::Path;
use std::sync::Arc;

use common::catalogue::{daily, load_err, series, small, strs, table, train, values, wave};
use seqcast_engine::EngineError;
use seqcast_engine::config::{RunConfig, ScaleKind, WindowNorm};
use seqcast_engine::data::series::TimeAxis;

use seqcast_engine::data::table::{LoadLimits, read_csv_limited};
use seqcast_engine::pipeline::{self, Prepared};
use seqcast_engine::train::StopReason;

#[test]
fn empty_file() {
    assert_eq!(load_err(b"", "empty.csv"), "empty.csv is empty");
    assert_eq!(load_err(b"\n\r\n  \n", "blank.csv"), "blank.csv is empty");
}

#[test]
fn header_only() {
    assert_eq!(
        load_err(b"date,value\r\n", "head.csv"),
        "head.csv has a header (date, value) but no data rows"
    );
}

#[test]
fn one_column() {
    // one numeric column: the rows are numbered and it is the target
    let (s, r) = series(b"value\n1\n2\n3\n", &small()).unwrap();
    assert_eq!(s.time, TimeAxis::Index);
    assert_eq!(r.targets, ["value"]);
    assert_eq!(values(&s), [1.0, 2.0, 3.0]);
    // one date column: nothing to forecast, and the message says what there is
    let err = series(b"date\n2024-01-01\n2024-01-02\n", &small()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "t.csv has no numeric column to forecast; its columns are: date (used as time)"
    );
}

#[test]
fn no_numeric_column() {
    let err = series(b"date,city\n2024-01-01,Lyon\n2024-01-02,Nice\n", &small()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "t.csv has no numeric column to forecast; its columns are: date (used as time), city (text)"
    );
}

#[test]
fn target_with_text_cells_names_row_line_and_value() {
    let mut c = small();
    c.data.targets = vec!["value".into()];
    let err = series(daily(&["1", "2", "n/d", "4"]).as_bytes(), &c).unwrap_err();
    assert!(matches!(
        err,
        EngineError::NotNumeric {
            row: 3,
            line: 4,
            ..
        }
    ));
    assert_eq!(
        err.to_string(),
        "column 'value', row 3 (line 4 of the file): 'n/d' is not a number"
    );
}

#[test]
fn all_missing_target() {
    let mut c = small();
    c.data.targets = vec!["value".into()];
    let err = series(daily(&["NA", "", "null", "NaN"]).as_bytes(), &c).unwrap_err();
    assert_eq!(
        err.to_string(),
        "column 'value' has no values: all 4 cells are missing"
    );
}

#[test]
fn na_null_empty_and_nan_cells_are_missing_and_filled() {
    let (s, r) = series(
        daily(&["1", "NA", "3", "null", "5", "", "7", "NaN", "9"]).as_bytes(),
        &small(),
    )
    .unwrap();
    // interpolated (the default policy), reported with their rows
    assert_eq!(values(&s), [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]);
    assert_eq!(r.missing[0].count, 4);
    assert_eq!(r.missing[0].first_rows, [2, 4, 6, 8]);
    assert_eq!(r.cells_filled, 4);
    // refused when the policy says so, naming the column, the count and the rows
    let mut c = small();
    c.data.missing = seqcast_engine::config::MissingPolicy::Refuse;
    let err = series(daily(&["1", "NA", "3"]).as_bytes(), &c).unwrap_err();
    assert_eq!(
        err.to_string(),
        "'value' has 1 missing values (first at rows 2); the missing-value policy is refuse: \
         choose drop, forward_fill or interpolate"
    );
}

#[test]
fn infinity_is_refused_with_row_and_value() {
    for cell in ["inf", "-Infinity", "1e999"] {
        let err = series(daily(&["1", "2", cell]).as_bytes(), &small()).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "column 'value', row 3 (line 4 of the file): '{cell}' is infinite or too large; \
                 only finite numbers can be used"
            )
        );
    }
}

#[test]
fn decimal_commas_and_thousands_separators_with_semicolons() {
    let text =
        "date;value;other\n2024-01-01;1.234,5;0,5\n2024-01-02;-2,25;1\n2024-01-03;1 000 000,0;2\n";
    let t = table(text.as_bytes());
    assert_eq!(t.delimiter, ';');
    assert_eq!(t.numeric_columns(), ["value", "other"]);
    let mut c = small();
    c.data.targets = vec!["value".into()];
    let (s, r) = series(text.as_bytes(), &c).unwrap();
    assert_eq!(values(&s), [1234.5, -2.25, 1_000_000.0]);
    assert!(
        r.notes.contains(
            &"column 'value' is written with decimal commas (1.234,5 read as 1234.5)".into()
        ),
        "{:?}",
        r.notes
    );
    // quoted thousands separators in a comma file
    let text = "date,value\n2024-01-01,\"1,234.5\"\n2024-01-02,\"12,000\"\n2024-01-03,7\n";
    let (s, r) = series(text.as_bytes(), &small()).unwrap();
    assert_eq!(values(&s), [1234.5, 12000.0, 7.0]);
    assert!(
        r.notes.iter().any(|n| n.contains("thousands separators")),
        "{:?}",
        r.notes
    );
    // one cell in another style is named, not guessed
    let err = series(b"date;value\n2024-01-01;1,5\n2024-01-02;2.5\n", &c).unwrap_err();
    assert_eq!(
        err.to_string(),
        "column 'value', row 1 (line 2 of the file): '1,5' is not a number"
    );
}

#[test]
fn quoted_fields_with_embedded_delimiters_and_newlines() {
    let text = "date,note,value\n2024-01-01,\"a, b\",1\n2024-01-02,\"two\nlines\",2\n2024-01-03,\"x\"\"y\",3\n2024-01-04,z,oops\n";
    let t = table(text.as_bytes());
    assert_eq!(t.n_rows, 4);
    assert_eq!(t.column("note").unwrap().cells.text(1), Some("two\nlines"));
    assert_eq!(t.column("note").unwrap().cells.text(2), Some("x\"y"));
    // the bad cell's file line counts the quoted newline
    let mut c = small();
    c.data.targets = vec!["value".into()];
    let err = series(text.as_bytes(), &c).unwrap_err();
    assert_eq!(
        err.to_string(),
        "column 'value', row 4 (line 6 of the file): 'oops' is not a number"
    );
}

#[test]
fn byte_order_mark() {
    let t = table(b"\xEF\xBB\xBFdate,value\n2024-01-01,1\n2024-01-02,2\n");
    assert_eq!(t.encoding, "UTF-8 (BOM)");
    assert_eq!(t.column_names(), ["date", "value"]);
    let (_, r) = series(
        b"\xEF\xBB\xBFdate,value\n2024-01-01,1\n2024-01-02,2\n",
        &small(),
    )
    .unwrap();
    assert_eq!(r.time_column.as_deref(), Some("date"));
}

#[test]
fn latin1_file() {
    let t = table(b"date,Temp\xE9rature\n2024-01-01,1\n2024-01-02,2\n");
    assert_eq!(t.encoding, "Latin-1");
    assert_eq!(t.numeric_columns(), ["Température"]);
}

fn utf16(text: &str, big_endian: bool, bom: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let units = if bom { vec![0xFEFF] } else { vec![] };
    for unit in units.into_iter().chain(text.encode_utf16()) {
        out.extend(if big_endian {
            unit.to_be_bytes()
        } else {
            unit.to_le_bytes()
        });
    }
    out
}

#[test]
fn utf16_files_with_and_without_bom() {
    let text = "date,Température\r\n2024-01-01,1.5\r\n2024-01-02,2\r\n";
    for (big_endian, bom, name) in [
        (false, true, "UTF-16LE"),
        (true, true, "UTF-16BE"),
        (false, false, "UTF-16LE (no BOM)"),
        (true, false, "UTF-16BE (no BOM)"),
    ] {
        let t = table(&utf16(text, big_endian, bom));
        assert_eq!(t.encoding, name);
        assert_eq!(t.column_names(), ["date", "Température"]);
        assert_eq!(t.column("Température").unwrap().cells.text(1), Some("2"));
    }
}

#[test]
fn binary_files_are_named_not_parsed() {
    assert_eq!(
        load_err(b"PK\x03\x04\x14\x00\x06\x00", "sales.xlsx"),
        "sales.xlsx is not a CSV text file: it holds NUL characters (the first is \
         character 6); it looks like a ZIP archive or an Excel .xlsx workbook; save it as \
         CSV (UTF-8, UTF-16 or Latin-1 text) and open that"
    );
}

#[test]
fn crlf_and_lone_cr_line_ends() {
    for text in [
        "date,value\r\n2024-01-01,1\r\n2024-01-02,2\r\n",
        "date,value\r2024-01-01,1\r2024-01-02,2\r",
    ] {
        let (s, r) = series(text.as_bytes(), &small()).unwrap();
        assert_eq!(values(&s), [1.0, 2.0]);
        assert_eq!(r.time_column.as_deref(), Some("date"));
    }
}

#[test]
fn files_too_large_are_refused_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.csv");
    std::fs::write(&path, daily(&strs(&wave(10.0, 1.0)))).unwrap();
    let size = std::fs::metadata(&path).unwrap().len();
    let limits = LoadLimits {
        max_bytes: 1024,
        available_memory: None,
    };
    let err = read_csv_limited(&path, limits).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "big.csv is {}; seqcast reads CSV files of at most 1 KiB",
            seqcast_engine::data::table::human_bytes(size)
        )
    );
    // fits the size limit, not the memory: 3 bytes per file byte are needed
    let limits = LoadLimits {
        max_bytes: 1 << 30,
        available_memory: Some(2048),
    };
    let err = read_csv_limited(&path, limits).unwrap_err();
    assert!(size * 3 > 2048 && size < 2048, "{size}");
    assert!(
        err.to_string().ends_with(
            "of memory but only 2 KiB is available; close other programs or open a smaller \
             extract of the file"
        ),
        "{err}"
    );
    // with room enough it loads
    let limits = LoadLimits {
        max_bytes: 1 << 30,
        available_memory: Some(1 << 20),
    };
    assert_eq!(read_csv_limited(&path, limits).unwrap().n_rows, 60);
}

#[test]
fn devices_pipes_and_tiny_cells_cannot_outgrow_the_limits() {
    // A device is refused before anything is read (it used to be read until memory ran
    // out: its reported size is 0).
    #[cfg(unix)]
    {
        let err =
            read_csv_limited(Path::new("/dev/zero"), LoadLimits::for_this_machine()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "/dev/zero is a device, not a file: open a CSV file"
        );
        // A pipe reports no size either: what is read is bounded.
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("feed.csv");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            let writer = {
                let fifo = fifo.clone();
                std::thread::spawn(move || {
                    use std::io::Write;
                    let mut f = std::fs::OpenOptions::new().write(true).open(fifo).unwrap();
                    // Stops with an error once the reader has had enough.
                    for _ in 0..1000 {
                        if f.write_all(b"value\n1\n2\n3\n").is_err() {
                            break;
                        }
                    }
                })
            };
            let limits = LoadLimits {
                max_bytes: 1024,
                available_memory: None,
            };
            let err = read_csv_limited(&fifo, limits).unwrap_err();
            assert_eq!(
                err.to_string(),
                "feed.csv gave more than 1 KiB while it was read (it is growing, or is not a \
                 plain file); seqcast reads CSV files of at most 1 KiB"
            );
            writer.join().unwrap();
        }
    }
    // Lines of empty cells cost more per byte than the file's size says: counted.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("commas.csv");
    let text: String = std::iter::once("a,b,c,d,e\n")
        .chain(std::iter::repeat_n("1,,,,\n", 2000))
        .collect();
    std::fs::write(&path, &text).unwrap();
    let limits = LoadLimits {
        max_bytes: 1 << 30,
        available_memory: Some(100_000),
    };
    // 12,010 bytes × 3 = 36 KB would have passed; with 10,006 cells × 16 (196 KB) not.
    let err = read_csv_limited(&path, limits).unwrap_err().to_string();
    assert!(
        err.starts_with(
            "commas.csv holds about 10006 cells in 11.73 KiB; reading them needs about"
        ),
        "{err}"
    );
    assert!(err.contains("but only 97.66 KiB is available"), "{err}");
}

#[test]
fn series_shorter_than_lookback_plus_horizon() {
    let mut c = small();
    c.window.lookback = 8;
    c.window.horizon = 4;
    let text = daily(&["1", "2", "3", "4", "5", "6", "7", "8", "9", "10"]);
    let (s, _, c) = pipeline::load_series(&table(text.as_bytes()), &c).unwrap();
    let err = Prepared::fit(Arc::new(s), &c).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the series has 10 rows, but one window needs lookback 8 + horizon 4 = 12 rows"
    );
}

#[test]
fn intermittent_demand_under_the_robust_scaler_is_scaled_not_called_constant() {
    // Mostly zeros with a few sales: the interquartile range is 0, but the column varies
    // (it used to be reported as "does not vary" and only shifted).
    let mut c = small();
    c.data.scale = ScaleKind::Robust;
    let cells: Vec<String> = (0..60)
        .map(|t| {
            if t % 5 == 0 {
                (t % 7 + 1).to_string()
            } else {
                "0".into()
            }
        })
        .collect();
    let cells: Vec<&str> = cells.iter().map(String::as_str).collect();
    let out = train(daily(&cells).as_bytes(), &c).unwrap();
    let scaler = &out.model.scaling.columns[0];
    assert!(!scaler.degenerate && scaler.iqr_zero, "{scaler:?}");
    assert_eq!(scaler.center, 0.0);
    let notes = &out.summary.data.load.notes;
    assert!(
        !notes.iter().any(|n| n.contains("does not vary")),
        "{notes:?}"
    );
    assert!(
        notes.iter().any(|n| n.starts_with(
            "column 'value': half or more of its 42 training values are 0, so its \
             interquartile range is 0; the robust scaler divides by the mean absolute \
             deviation from the median instead ("
        )),
        "{notes:?}"
    );
}

#[test]
fn constant_series_under_zscore_trains_without_nan() {
    let mut c = small();
    c.data.scale = ScaleKind::Zscore;
    c.model.window_norm = WindowNorm::None;
    let text = daily(&["5"; 60]);
    let out = train(text.as_bytes(), &c).unwrap();
    // zero variance: the scaler falls back to a scale of 1 and says so
    let scaler = &out.model.scaling.columns[0];
    assert!(scaler.degenerate);
    assert_eq!((scaler.center, scaler.scale), (5.0, 1.0));
    assert!(
        out.summary.data.load.notes.iter().any(|n| n
            == "column 'value' does not vary over the 42 training rows (always 5): it cannot \
                be scaled by its spread, so it is only shifted (scale 1), and a model can \
                learn nothing from it"),
        "{:?}",
        out.summary.data.load.notes
    );
    assert_eq!(out.summary.training.stop, StopReason::Completed);
    assert!(
        out.summary
            .training
            .history
            .iter()
            .all(|e| e.train_loss.is_finite())
    );
    let future = &out.summary.future.values[0];
    assert!(
        future
            .iter()
            .all(|v| v.is_finite() && (v - 5.0).abs() < 2.0),
        "{future:?}"
    );
}

#[test]
fn huge_magnitudes() {
    let text = daily(&strs(&wave(1e30, 1e29)));
    // scaled: trains on finite numbers and forecasts in the data's units
    let mut c = small();
    c.data.scale = ScaleKind::Zscore;
    let out = train(text.as_bytes(), &c).unwrap();
    assert_eq!(out.summary.training.stop, StopReason::Completed);
    let future = &out.summary.future.values[0];
    assert!(
        future
            .iter()
            .all(|v| v.is_finite() && *v > 5e29 && *v < 2e30),
        "{future:?}"
    );
    // unscaled: refused before training, naming the value and the remedy
    c.data.scale = ScaleKind::None;
    let err = train(text.as_bytes(), &c).unwrap_err();
    assert_eq!(
        err.to_string(),
        "column 'value', row 1: value 1e30 is 1e30 after scaling ('none'); training in 32-bit \
         floats overflows beyond about 1e15, so choose a scaling (zscore, minmax or robust) \
         or the log transform"
    );
    // beyond what even f64 statistics hold
    c.data.scale = ScaleKind::Zscore;
    let text = daily(&strs(&wave(1e307, 1e306)));
    let err = train(text.as_bytes(), &c).unwrap_err();
    assert_eq!(
        err.to_string(),
        "column 'value': its training values overflow when scaled (center inf)"
    );
}

/// `--lookback 70000 --horizon 70000` on a long series: the sizes multiply (a skip of
/// 4.9 billion weights, a batch of 70,000 steps) and used to end in an out-of-memory
/// kill; the run's estimate refuses it before anything is allocated.
#[test]
fn window_sizes_whose_product_exceeds_memory() {
    let mut text = String::from("value\n");
    for i in 0..220_000 {
        text.push_str(&format!("{}\n", (f64::from(i) / 7.0).sin()));
    }
    let mut c = RunConfig::default();
    c.window.lookback = 70_000;
    c.window.horizon = 70_000;
    c.train.epochs = 1;
    let err = train(text.as_bytes(), &c).unwrap_err();
    assert!(matches!(err, EngineError::Memory(_)), "{err:?}");
    let msg = err.to_string();
    assert!(msg.starts_with("this run needs about "), "{msg}");
    assert!(
        msg.contains(
            "most of it is the linear skip (window.lookback 70000 × window.horizon 70000 \
             weights, kept 7 times while training and 20 more in train.checkpoints 3 and the \
             best): 492.86 GiB; lower window.lookback or window.horizon, or set \
             model.linear_skip = false, or lower train.checkpoints"
        ),
        "{msg}"
    );
    // Without the skip the recurrent layers read all 70,000 steps of every window:
    // 64 windows × 70,000 steps × 2 layers × 64 units × 6 values, forward and back.
    c.model.linear_skip = false;
    c.train.batch = 64;
    let msg = train(text.as_bytes(), &c).unwrap_err().to_string();
    assert!(
        msg.contains("one batch's activations (train.batch"),
        "{msg}"
    );
    assert!(msg.contains("70000 recurrent steps"), "{msg}");
}
