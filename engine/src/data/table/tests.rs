use super::*;

fn parse(text: &str) -> CsvTable {
    read_csv_bytes(text.as_bytes(), "t.csv").unwrap()
}

fn cell(t: &CsvTable, col: &str, row: usize) -> Option<String> {
    t.column(col).unwrap().cells.text(row).map(str::to_string)
}

fn sample(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../sample-data")
        .join(name)
}

#[test]
fn comma_file_with_header() {
    let t = parse("a,b\n1,2\n3,4.5\n");
    assert_eq!(t.delimiter, ',');
    assert!(t.has_header);
    assert_eq!(t.n_rows, 2);
    assert_eq!(t.column_names(), ["a", "b"]);
    assert_eq!(cell(&t, "b", 1).as_deref(), Some("4.5"));
    assert_eq!(t.numeric_columns(), ["a", "b"]);
    assert_eq!(t.encoding, "UTF-8");
    assert_eq!(t.row_lines, None);
    assert_eq!(t.file_line(1), 3);
}

#[test]
fn sha256_is_of_the_raw_bytes() {
    let t = parse("a,b\n1,2\n");
    // `printf 'a,b\n1,2\n' | sha256sum`
    assert_eq!(
        t.sha256,
        "492d5ea496056f1a6a6592241032fab764c321596317930b4fa0e1e8bc3b7470"
    );
}

#[test]
fn semicolon_and_tab_delimiters() {
    let t = parse("date;value;note\n2020-01-01;1.5;a,b\n2020-01-02;2.5;c\n");
    assert_eq!(t.delimiter, ';');
    assert_eq!(t.column_names(), ["date", "value", "note"]);
    assert_eq!(t.columns[0].kind, ColumnKind::Time(TimeFormat::IsoDate));
    assert_eq!(t.columns[1].kind, ColumnKind::Numeric);
    assert_eq!(cell(&t, "note", 0).as_deref(), Some("a,b"));

    let t = parse("x\ty\n1\t2\n3\t4\n");
    assert_eq!(t.delimiter, '\t');
    assert_eq!(t.column_names(), ["x", "y"]);
    assert_eq!(cell(&t, "y", 1).as_deref(), Some("4"));
}

#[test]
fn header_is_detected_or_named() {
    let t = parse("1,2\n3,4\n");
    assert!(!t.has_header);
    assert_eq!(t.n_rows, 2);
    assert_eq!(t.column_names(), ["column_1", "column_2"]);
    assert_eq!(cell(&t, "column_1", 0).as_deref(), Some("1"));
    assert_eq!(t.file_line(0), 1);

    let t = parse("\"1949-01\",112\n\"1949-02\",NA\n");
    assert!(!t.has_header);
    assert_eq!(t.columns[0].kind, ColumnKind::Time(TimeFormat::YearMonth));
    assert_eq!(t.columns[1].missing, 1);

    // One text field is enough for a header.
    let t = parse("date,1\n2020-01-01,5\n");
    assert!(t.has_header);
    assert_eq!(t.column_names(), ["date", "1"]);
}

#[test]
fn blank_and_repeated_header_names_are_made_unique() {
    let t = parse("a,,a\n1,2,3\n");
    assert_eq!(t.column_names(), ["a", "column_2", "a_2"]);
    // A name that is itself a suffixed one is skipped over, and suffixes never repeat.
    let t = parse("a_2,a,a,a_3,a\n1,2,3,4,5\n");
    assert_eq!(t.column_names(), ["a_2", "a", "a_3", "a_3_2", "a_4"]);
}

#[test]
fn a_header_of_thousands_of_equal_names_is_named_in_linear_time() {
    // Naming used to rescan every taken name for every candidate suffix: cubic in the
    // columns (a 20,000-column header of `a` took hours). 20,000 columns now load at
    // once; the names are exact.
    let n = 20_000;
    let header = vec!["a"; n].join(",");
    let row = vec!["1"; n].join(",");
    let t = parse(&format!("{header}\n{row}\n"));
    let names = t.column_names();
    assert_eq!(names.len(), n);
    assert_eq!((names[0], names[1], names[n - 1]), ("a", "a_2", "a_20000"));
    let distinct: std::collections::HashSet<&str> = names.iter().copied().collect();
    assert_eq!(distinct.len(), n);
}

#[test]
fn cells_are_trimmed() {
    let t = parse("a , b\n 1 ,  x y \n");
    assert_eq!(t.column_names(), ["a", "b"]);
    assert_eq!(cell(&t, "a", 0).as_deref(), Some("1"));
    assert_eq!(cell(&t, "b", 0).as_deref(), Some("x y"));
    assert_eq!(t.columns[1].kind, ColumnKind::Text);
}

#[test]
fn utf8_bom_is_stripped() {
    let t = parse("\u{feff}a,b\n1,2\n");
    assert_eq!(t.encoding, "UTF-8 (BOM)");
    assert_eq!(t.column_names(), ["a", "b"]);
}

#[test]
fn latin1_header_loads() {
    let t = read_csv_bytes(b"Temp\xe9rature;x\n1;2\n", "latin.csv").unwrap();
    assert_eq!(t.encoding, "Latin-1");
    assert_eq!(t.column_names(), ["Température", "x"]);
    assert_eq!(t.numeric_columns(), ["Température", "x"]);
}

fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
    let mut out = if big_endian {
        vec![0xFE, 0xFF]
    } else {
        vec![0xFF, 0xFE]
    };
    for unit in text.encode_utf16() {
        out.extend(if big_endian {
            unit.to_be_bytes()
        } else {
            unit.to_le_bytes()
        });
    }
    out
}

#[test]
fn utf16_files_decode() {
    let text = "date,Température\r\n2020-01-01,1.5\r\n2020-01-02,2\r\n";
    for (big_endian, name) in [(false, "UTF-16LE"), (true, "UTF-16BE")] {
        let t = read_csv_bytes(&utf16(text, big_endian), "u16.csv").unwrap();
        assert_eq!(t.encoding, name);
        assert_eq!(t.column_names(), ["date", "Température"]);
        assert_eq!(t.n_rows, 2);
        assert_eq!(cell(&t, "Température", 1).as_deref(), Some("2"));
    }
}

#[test]
fn crlf_line_endings() {
    let t = parse("\"a\",\"b\"\r\n\"x\",\"1\"\r\n\"y\",\"2\"\r\n");
    assert_eq!(t.column_names(), ["a", "b"]);
    assert_eq!(cell(&t, "a", 1).as_deref(), Some("y"));
    assert_eq!(cell(&t, "b", 1).as_deref(), Some("2"));
    assert_eq!(t.columns[1].kind, ColumnKind::Numeric);
    // Old Mac line endings (lone CR) too.
    let t = parse("a,b\r1,2\r3,4\r");
    assert_eq!(t.n_rows, 2);
    assert_eq!(cell(&t, "b", 1).as_deref(), Some("4"));
}

#[test]
fn quoted_fields_with_delimiter_and_newline() {
    let t = parse("id,text,v\n1,\"hello, world\",3\n2,\"line one\nline two\",4\n3,plain,5\n");
    assert_eq!(t.n_rows, 3);
    assert_eq!(cell(&t, "text", 0).as_deref(), Some("hello, world"));
    assert_eq!(cell(&t, "text", 1).as_deref(), Some("line one\nline two"));
    assert_eq!(cell(&t, "v", 2).as_deref(), Some("5"));
    // The third row starts on line 5 of the file.
    assert_eq!(t.row_lines, Some(vec![2, 3, 5]));
    assert_eq!(t.file_line(2), 5);
}

#[test]
fn missing_markers() {
    for m in [
        "", "NA", "N/A", "n/a", "NaN", "nan", "null", "NULL", "None", "-", "?", "#N/A",
    ] {
        assert!(is_missing(m), "{m}");
    }
    for v in ["0", "na", "x", "-1", "none"] {
        assert!(!is_missing(v), "{v}");
    }
    let t = parse("a,b\n1,\n NA ,x\n3,y\n");
    assert_eq!(t.columns[0].missing, 1);
    assert_eq!(t.columns[0].kind, ColumnKind::Numeric);
    assert_eq!(t.columns[1].missing, 1);
    assert_eq!(cell(&t, "b", 0), None);
}

#[test]
fn column_kinds() {
    let t = parse(
        "when,v,inf,empty,epoch\n2020-01-01,1,inf,NA,1467331200\n2020-01-02,2e3,1,,1467334800\n",
    );
    assert_eq!(t.columns[0].kind, ColumnKind::Time(TimeFormat::IsoDate));
    assert_eq!(t.columns[1].kind, ColumnKind::Numeric);
    assert_eq!(
        t.columns[2].kind,
        ColumnKind::Text,
        "infinite is not numeric"
    );
    assert_eq!(t.columns[3].kind, ColumnKind::Text, "no values at all");
    assert_eq!(t.columns[4].kind, ColumnKind::Time(TimeFormat::UnixSeconds));
    assert_eq!(t.numeric_columns(), ["v"]);
}

#[test]
fn empty_and_header_only_files() {
    let err = read_csv_bytes(b"", "nothing.csv").unwrap_err();
    assert_eq!(err.to_string(), "nothing.csv is empty");
    let err = read_csv_bytes(b"\xef\xbb\xbf\r\n \n", "blank.csv").unwrap_err();
    assert_eq!(err.to_string(), "blank.csv is empty");
    let err = read_csv_bytes(b"date,value\n", "head.csv").unwrap_err();
    assert_eq!(
        err.to_string(),
        "head.csv has a header (date, value) but no data rows"
    );
}

#[test]
fn ragged_rows_are_a_csv_error_naming_the_file() {
    let err = read_csv_bytes(b"a,b\n1,2\n3,4,5,6\n", "ragged.csv").unwrap_err();
    assert!(matches!(err, EngineError::Csv(_)), "{err:?}");
    assert!(err.to_string().contains("ragged.csv"), "{err}");
}

#[test]
fn unknown_column_lists_the_available_ones() {
    let t = parse("a,b\n1,2\n");
    let err = t.column("c").unwrap_err();
    assert_eq!(err.to_string(), "column 'c' not found; the file has: a, b");
}

#[test]
fn preview_shows_the_first_rows() {
    let t = parse("a,b\n1,\n3,4\n5,6\n");
    assert_eq!(t.preview(2), [["1", ""], ["3", "4"]]);
    assert_eq!(t.preview(10).len(), 3);
}

#[test]
fn size_limit_and_io_errors() {
    let err = check_size(MAX_FILE_BYTES + (1 << 29), "big.csv").unwrap_err();
    assert_eq!(
        err.to_string(),
        "big.csv is 1.50 GiB; seqcast reads CSV files of at most 1 GiB"
    );
    assert!(check_size(MAX_FILE_BYTES, "ok.csv").is_ok());
    let err = read_csv(Path::new("/nonexistent/seqcast/x.csv")).unwrap_err();
    assert!(matches!(err, EngineError::Io { .. }), "{err:?}");
}

#[test]
fn reads_from_disk_with_file_name_as_source() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("small.csv");
    std::fs::write(&path, "t,v\n2020-01-01,1\n").unwrap();
    let t = read_csv(&path).unwrap();
    assert_eq!(t.source, "small.csv");
    assert_eq!(t.n_rows, 1);
}

#[test]
fn airline_passengers() {
    let t = read_csv(&sample("airline-passengers.csv")).unwrap();
    assert_eq!(t.n_rows, 144);
    assert_eq!(t.column_names(), ["Month", "Passengers"]);
    assert_eq!(t.columns[0].kind, ColumnKind::Time(TimeFormat::YearMonth));
    assert_eq!(t.numeric_columns(), ["Passengers"]);
    assert_eq!(cell(&t, "Passengers", 143).as_deref(), Some("432"));
}

#[test]
fn daily_min_temperatures() {
    let t = read_csv(&sample("daily-min-temperatures.csv")).unwrap();
    assert_eq!(t.n_rows, 3650);
    assert_eq!(t.columns[0].kind, ColumnKind::Time(TimeFormat::IsoDate));
    assert_eq!(t.numeric_columns(), ["Temp"]);
}

#[test]
fn etth1() {
    let t = read_csv(&sample("ETTh1.csv")).unwrap();
    assert_eq!(t.n_rows, 17_420);
    assert_eq!(
        t.columns[0].kind,
        ColumnKind::Time(TimeFormat::IsoDateTime {
            t_separator: false,
            seconds: true,
            zone: false
        })
    );
    assert_eq!(
        t.numeric_columns(),
        ["HUFL", "HULL", "MUFL", "MULL", "LUFL", "LULL", "OT"]
    );
    assert_eq!(cell(&t, "OT", 17_419).as_deref(), Some("9.56700038909912"));
}

#[test]
fn pollution() {
    let t = read_csv(&sample("pollution.csv")).unwrap();
    assert_eq!(t.n_rows, 43_824);
    let pm = t.column("pm2.5").unwrap();
    assert_eq!(pm.kind, ColumnKind::Numeric);
    assert_eq!(pm.missing, 2067);
    assert_eq!(t.column("cbwd").unwrap().kind, ColumnKind::Text);
    assert_eq!(t.column("year").unwrap().kind, ColumnKind::Numeric);
}

#[test]
fn blank_lines_are_skipped_and_short_rows_padded() {
    let t = parse("a,b\n\n1,2\n  \n3,4\n\n\n");
    assert_eq!(t.n_rows, 2);
    assert_eq!(cell(&t, "a", 1).as_deref(), Some("3"));
    // Header on line 1, data on lines 3 and 5.
    assert_eq!(t.row_lines, Some(vec![3, 5]));
    assert_eq!(t.file_line(1), 5);
    let t = parse("a,b\n1,2\n3\n");
    assert_eq!(t.n_rows, 2);
    assert_eq!(cell(&t, "b", 1), None);
    assert_eq!(t.columns[1].missing, 1);
}

#[test]
fn records_are_cut_into_pieces_only_between_records() {
    let text = "a,b\n1,\"x\ny\"\n2,z\n3,\"q\"\"\nr\"\n4,w";
    let pieces = sniff::record_chunks(text, 5);
    assert_eq!(pieces.concat(), text);
    assert_eq!(
        pieces,
        ["a,b\n1,\"x\ny\"\n", "2,z\n3,\"q\"\"\nr\"\n", "4,w"]
    );
    assert_eq!(sniff::record_chunks(text, usize::MAX), [text]);
}

#[test]
fn parsing_in_pieces_gives_the_table_parsing_whole_gives() {
    // Quoted newlines, a short row, a header: cut every ~16 bytes or not at all.
    let mut text = String::from("date,value,note\n");
    for i in 0..200 {
        let note = if i % 7 == 0 {
            "\"two\nlines\""
        } else {
            "plain"
        };
        let value = if i % 13 == 0 {
            String::new()
        } else {
            format!("{i}.5")
        };
        text.push_str(&format!("2024-01-{:02},{value},{note}\n", i % 28 + 1));
    }
    text.push_str("2024-02-01,1\n");
    let no = || false;
    let whole = parse::columns(&text, b',', true, "t.csv", &no, usize::MAX).unwrap();
    let cut = parse::columns(&text, b',', true, "t.csv", &no, 16).unwrap();
    assert_eq!(whole.rows, 201);
    assert_eq!(cut.rows, 201);
    assert_eq!(cut.header, whole.header);
    assert_eq!(cut.columns, whole.columns);
    assert_eq!(cut.columns[2].get(0), Some(Some("two\nlines")));
    assert_eq!(
        cut.columns[2].get(200),
        Some(None),
        "the short last row is padded"
    );
    // A row with more fields than the first is an error either way.
    let ragged = format!("{text}1,2,3,4\n");
    assert!(parse::columns(&ragged, b',', true, "t.csv", &no, usize::MAX).is_err());
    assert!(parse::columns(&ragged, b',', true, "t.csv", &no, 16).is_err());
}

#[test]
fn loading_stops_between_pieces_when_cancelled() {
    // Cancelled from the start: nothing is parsed.
    let yes = || true;
    let err = read_csv_bytes_cancellable(b"a,b\n1,2\n", "t.csv", &yes).unwrap_err();
    assert!(matches!(err, EngineError::Cancelled), "{err:?}");
    // Cancelled after a few looks: a file of several pieces stops part-way, and a file
    // on disk stops while it is read.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.csv");
    let mut text = String::from("t,v\n");
    while text.len() < 3 * LOAD_CHUNK_BYTES {
        text.push_str("2024-01-01 00:00:00,123456.789\n");
    }
    std::fs::write(&path, &text).unwrap();
    let looks = std::cell::Cell::new(0);
    let after_two = || {
        looks.set(looks.get() + 1);
        looks.get() > 2
    };
    let limits = LoadLimits {
        max_bytes: MAX_FILE_BYTES,
        available_memory: None,
    };
    let err = read_csv_cancellable(&path, limits, &after_two).unwrap_err();
    assert!(matches!(err, EngineError::Cancelled), "{err:?}");
    assert_eq!(looks.get(), 3, "stopped at the first look that said so");
}
