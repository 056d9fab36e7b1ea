use super::*;

fn cells(v: &[&str]) -> Cells {
    v.iter().map(|s| Some(*s)).collect()
}

const ISO_SECONDS: TimeFormat = TimeFormat::IsoDateTime {
    t_separator: false,
    seconds: true,
    zone: false,
};

// 2016-07-01 00:00:00 = 16983 days after the epoch (46 years, 11 leap days, + 182 days).
const JULY_2016: i64 = 1_467_331_200;
// 2020-02-29: 18262 days to 2020-01-01 (50 years, 12 leap days), + 31 + 28.
const LEAP_DAY_2020: i64 = 18_321 * 86_400;

#[test]
fn civil_conversion_round_trips() {
    assert_eq!(days_from_civil(1970, 1, 1), 0);
    assert_eq!(days_from_civil(2000, 1, 1), 10_957);
    assert_eq!(civil_from_days(-1), (1969, 12, 31));
    for z in (-800_000..800_000).step_by(997) {
        let (y, m, d) = civil_from_days(z);
        assert_eq!(days_from_civil(y, m, d), z);
    }
}

#[test]
fn iso_datetime_variants() {
    let iso = |s| parse_time(s, &ISO_SECONDS);
    assert_eq!(iso("2016-07-01 00:00:00"), Some(JULY_2016));
    assert_eq!(iso("2016-07-01 01:00"), Some(JULY_2016 + 3600));
    assert_eq!(iso("2016-07-01T01:00:00"), Some(JULY_2016 + 3600));
    assert_eq!(iso("2016-07-01T01:00:00Z"), Some(JULY_2016 + 3600));
    assert_eq!(iso("2016-07-01T03:00:00+02:00"), Some(JULY_2016 + 3600));
    assert_eq!(iso("2016-07-01T00:00:00-0100"), Some(JULY_2016 + 3600));
    assert_eq!(iso("2016-07-01 01:00:00.750"), Some(JULY_2016 + 3600));
    assert_eq!(iso("2016-07-01"), Some(JULY_2016));
    assert_eq!(iso("2016-07-01 24:00:00"), None);
    assert_eq!(iso("2016-07-01 01:00:00 junk"), None);
    assert_eq!(iso("2016-13-01"), None);
}

#[test]
fn each_format_parses() {
    assert_eq!(
        parse_time("2020-02-29", &TimeFormat::IsoDate),
        Some(LEAP_DAY_2020)
    );
    assert_eq!(parse_time("2019-02-29", &TimeFormat::IsoDate), None);
    // 1949-01-01: 21 years before 1970 with 5 leap days = 7670 days.
    assert_eq!(
        parse_time("1949-01", &TimeFormat::YearMonth),
        Some(-7670 * 86_400)
    );
    assert_eq!(parse_time("1949-13", &TimeFormat::YearMonth), None);
    let us = TimeFormat::UsDate {
        zero_padded: false,
        clock: Clock::Minutes,
    };
    assert_eq!(
        parse_time("2/29/2020 12:30", &us),
        Some(LEAP_DAY_2020 + 45_000)
    );
    assert_eq!(parse_time("02/29/2020", &us), Some(LEAP_DAY_2020));
    assert_eq!(parse_time("13/1/2020", &us), None);
    let slash = TimeFormat::YmdSlash { clock: Clock::None };
    assert_eq!(parse_time("2020/02/29", &slash), Some(LEAP_DAY_2020));
    assert_eq!(parse_time("2020/02/30", &slash), None);
    assert_eq!(
        parse_time("1467331200", &TimeFormat::UnixSeconds),
        Some(JULY_2016)
    );
    assert_eq!(parse_time("4102444801", &TimeFormat::UnixSeconds), None);
    assert_eq!(parse_time("-5", &TimeFormat::UnixSeconds), None);
}

#[test]
fn detection_finds_one_format_for_all_cells() {
    let d = |name, v: &[&str]| detect_format(name, &cells(v));
    assert_eq!(
        d("date", &["2016-07-01 00:00:00", "2016-07-01 01:00:00"]),
        Some(ISO_SECONDS)
    );
    assert_eq!(
        d("t", &["2016-07-01T00:00Z", "2016-07-01T01:00Z"]),
        Some(TimeFormat::IsoDateTime {
            t_separator: true,
            seconds: false,
            zone: true
        })
    );
    assert_eq!(
        d("Date", &["1981-01-01", "NA", "1981-01-02"]),
        Some(TimeFormat::IsoDate)
    );
    assert_eq!(
        d("Month", &["1949-01", "1949-02"]),
        Some(TimeFormat::YearMonth)
    );
    assert_eq!(
        d("when", &["01/05/2020 1:00:00", "1/6/2020"]),
        Some(TimeFormat::UsDate {
            zero_padded: true,
            clock: Clock::Seconds
        })
    );
    assert_eq!(
        d("when", &["2020/01/05"]),
        Some(TimeFormat::YmdSlash { clock: Clock::None })
    );
    // Mixed formats, text, no values.
    assert_eq!(d("date", &["2020-01-01", "1/2/2020"]), None);
    assert_eq!(d("date", &["2020-01-01", "soon"]), None);
    assert_eq!(d("date", &["NA", "-"]), None);
    assert_eq!(
        detect_format("date", &Cells::from_iter([None::<&str>, None])),
        None
    );
}

#[test]
fn unix_seconds_need_a_time_like_name() {
    let v = cells(&["1467331200", "1467334800"]);
    assert_eq!(
        detect_format("timestamp", &v),
        Some(TimeFormat::UnixSeconds)
    );
    assert_eq!(detect_format("Epoch_s", &v), Some(TimeFormat::UnixSeconds));
    assert_eq!(detect_format("value", &v), None);
    // Plain numbers are never years or times.
    assert_eq!(detect_format("year", &cells(&["2010", "2011"])), None);
    assert_eq!(detect_format("time", &cells(&["1.5", "2"])), None);
    assert_eq!(detect_format("time", &cells(&["4102444801"])), None);
}

#[test]
fn first_bad_cell_names_the_culprit() {
    let v = cells(&["NA", "2020-01-01", "2020-01-02", "yesterday"]);
    assert_eq!(first_bad_cell("when", &v), Some((3, "yesterday")));
    assert_eq!(first_bad_cell("when", &cells(&["5.3"])), Some((0, "5.3")));
    assert_eq!(first_bad_cell("when", &cells(&["NA"])), None);
}

#[test]
fn formatting_follows_the_input_style() {
    let ts = LEAP_DAY_2020 + 45_000 + 7; // 2020-02-29 12:30:07
    assert_eq!(format_time(ts, &ISO_SECONDS), "2020-02-29 12:30:07");
    let t_zone = TimeFormat::IsoDateTime {
        t_separator: true,
        seconds: false,
        zone: true,
    };
    assert_eq!(format_time(ts, &t_zone), "2020-02-29T12:30Z");
    assert_eq!(format_time(ts, &TimeFormat::IsoDate), "2020-02-29");
    assert_eq!(format_time(ts, &TimeFormat::YearMonth), "2020-02");
    let us = TimeFormat::UsDate {
        zero_padded: false,
        clock: Clock::Minutes,
    };
    assert_eq!(format_time(ts, &us), "2/29/2020 12:30");
    let us_padded = TimeFormat::UsDate {
        zero_padded: true,
        clock: Clock::None,
    };
    assert_eq!(
        format_time(LEAP_DAY_2020 - 86_400 * 28, &us_padded),
        "02/01/2020"
    );
    let slash = TimeFormat::YmdSlash {
        clock: Clock::Seconds,
    };
    assert_eq!(format_time(ts, &slash), "2020/02/29 12:30:07");
    assert_eq!(
        format_time(JULY_2016, &TimeFormat::UnixSeconds),
        "1467331200"
    );
    assert_eq!(format_time(-86_400, &TimeFormat::IsoDate), "1969-12-31");
    // Never panics, even far outside the calendar.
    let _ = format_time(i64::MIN, &ISO_SECONDS);
    let _ = format_time(i64::MAX, &us);
}

#[test]
fn patterns_describe_formats() {
    assert_eq!(ISO_SECONDS.pattern(), "YYYY-MM-DD HH:MM:SS");
    assert_eq!(TimeFormat::YearMonth.pattern(), "YYYY-MM");
    let us = TimeFormat::UsDate {
        zero_padded: false,
        clock: Clock::Minutes,
    };
    assert_eq!(us.pattern(), "M/D/YYYY HH:MM");
}

fn ymd(y: i64, m: i64, d: i64) -> i64 {
    days_from_civil(y, m, d) * 86_400
}

#[test]
fn frequency_inference() {
    let hourly: Vec<i64> = (0..48).map(|h| JULY_2016 + h * 3600).collect();
    assert_eq!(infer_frequency(&hourly), Some(Frequency::Seconds(3600)));
    let quarter_hours: Vec<i64> = (0..10).map(|k| JULY_2016 + k * 900).collect();
    assert_eq!(
        infer_frequency(&quarter_hours),
        Some(Frequency::Seconds(900))
    );
    // Daily with one gap: the median ignores it.
    let daily = [
        ymd(2020, 1, 1),
        ymd(2020, 1, 2),
        ymd(2020, 1, 3),
        ymd(2020, 1, 7),
    ];
    assert_eq!(infer_frequency(&daily), Some(Frequency::Seconds(86_400)));
    let monthly: Vec<i64> = (1..=14)
        .map(|k| ymd(1949 + (k - 1) / 12, (k - 1) % 12 + 1, 1))
        .collect();
    assert_eq!(infer_frequency(&monthly), Some(Frequency::Months(1)));
    let month_ends = [
        ymd(2021, 1, 31),
        ymd(2021, 2, 28),
        ymd(2021, 3, 31),
        ymd(2021, 4, 30),
    ];
    assert_eq!(infer_frequency(&month_ends), Some(Frequency::Months(1)));
    let quarterly = [
        ymd(2020, 1, 1),
        ymd(2020, 4, 1),
        ymd(2020, 7, 1),
        ymd(2020, 10, 1),
    ];
    assert_eq!(infer_frequency(&quarterly), Some(Frequency::Months(3)));
    let yearly = [ymd(2019, 6, 1), ymd(2020, 6, 1), ymd(2021, 6, 1)];
    assert_eq!(infer_frequency(&yearly), Some(Frequency::Months(12)));
    // ~30 days apart but on drifting days: not calendar months.
    let drifting = [ymd(2020, 1, 1), ymd(2020, 1, 31), ymd(2020, 3, 1)];
    assert_eq!(
        infer_frequency(&drifting),
        Some(Frequency::Seconds(30 * 86_400))
    );
    assert_eq!(infer_frequency(&[JULY_2016]), None);
    assert_eq!(infer_frequency(&[]), None);
}

#[test]
fn advance_is_calendar_correct() {
    let month = Frequency::Months(1);
    assert_eq!(month.advance(ymd(2020, 1, 31), 1), ymd(2020, 2, 29));
    assert_eq!(month.advance(ymd(2021, 1, 31), 1), ymd(2021, 2, 28));
    assert_eq!(month.advance(ymd(2021, 1, 31), 2), ymd(2021, 3, 31));
    assert_eq!(month.advance(ymd(1960, 12, 1), 1), ymd(1961, 1, 1));
    assert_eq!(
        month.advance(ymd(2020, 12, 15) + 3600, 1),
        ymd(2021, 1, 15) + 3600
    );
    assert_eq!(month.advance(ymd(2020, 3, 31), -1), ymd(2020, 2, 29));
    assert_eq!(
        Frequency::Months(12).advance(ymd(2020, 2, 29), 1),
        ymd(2021, 2, 28)
    );
    assert_eq!(
        Frequency::Months(3).advance(ymd(2020, 11, 30), 1),
        ymd(2021, 2, 28)
    );
    assert_eq!(
        Frequency::Seconds(3600).advance(JULY_2016, -2),
        JULY_2016 - 7200
    );
    // Saturates instead of overflowing.
    assert_eq!(Frequency::Seconds(3600).advance(i64::MAX - 1, 5), i64::MAX);
    assert_eq!(month.advance(0, i64::MAX), i64::MAX);
    assert_eq!(month.advance(0, i64::MIN), i64::MIN);
}

#[test]
fn missing_steps_between_timestamps() {
    let hourly = Frequency::Seconds(3600);
    assert_eq!(hourly.missing_steps(JULY_2016, JULY_2016 + 3600), 0);
    assert_eq!(hourly.missing_steps(JULY_2016, JULY_2016 + 4 * 3600), 3);
    assert_eq!(hourly.missing_steps(JULY_2016, JULY_2016 + 5400), 1);
    let month = Frequency::Months(1);
    assert_eq!(month.missing_steps(ymd(2020, 1, 1), ymd(2020, 2, 1)), 0);
    assert_eq!(month.missing_steps(ymd(2020, 1, 1), ymd(2020, 4, 1)), 2);
    assert_eq!(month.missing_steps(ymd(2020, 1, 31), ymd(2020, 3, 31)), 1);
    assert_eq!(month.missing_steps(ymd(2020, 4, 1), ymd(2020, 1, 1)), 0);
}

#[test]
fn labels_and_seasons() {
    let cases = [
        (Frequency::Seconds(3600), "hourly", Some(24)),
        (Frequency::Seconds(1800), "every 30 minutes", Some(48)),
        (Frequency::Seconds(900), "every 15 minutes", Some(96)),
        (Frequency::Seconds(600), "every 10 minutes", Some(144)),
        (Frequency::Seconds(300), "every 5 minutes", Some(288)),
        (Frequency::Seconds(60), "minutely", Some(60)),
        (Frequency::Seconds(7200), "every 2 hours", None),
        (Frequency::Seconds(86_400), "daily", Some(7)),
        (Frequency::Seconds(172_800), "every 2 days", None),
        (Frequency::Seconds(604_800), "weekly", Some(52)),
        (Frequency::Seconds(45), "every 45 seconds", None),
        (Frequency::Months(1), "monthly", Some(12)),
        (Frequency::Months(3), "quarterly", Some(4)),
        (Frequency::Months(12), "yearly", None),
        (Frequency::Months(6), "every 6 months", None),
        (Frequency::Months(24), "every 2 years", None),
    ];
    for (freq, label, season) in cases {
        assert_eq!(freq.label(), label);
        assert_eq!(freq.season(), season, "{label}");
    }
}

#[test]
fn date_format_patterns_name_formats_that_write_and_read_back() {
    let ts = LEAP_DAY_2020 + 45_000; // 2020-02-29 12:30
    for (pattern, written) in [
        ("DD/MM/YYYY", "29/02/2020"),
        ("d.m.yyyy", "29.2.2020"),
        ("DD-MM-YYYY", "29-02-2020"),
        ("MM/DD/YYYY", "02/29/2020"),
        ("YYYY-MM-DD", "2020-02-29"),
        ("YYYY/MM/DD", "2020/02/29"),
        ("YYYYMMDD", "20200229"),
        ("DD/MM/YYYY HH:MM", "29/02/2020 12:30"),
    ] {
        let format = format_from_pattern(pattern).unwrap();
        assert_eq!(format.pattern(), pattern.to_ascii_uppercase(), "{pattern}");
        let text = format_time(ts, &format);
        assert_eq!(text, written, "{pattern}");
        let back = parse_time(&text, &format).unwrap();
        let day = ts - ts.rem_euclid(86_400);
        assert!(back == ts || back == day, "{pattern}: {back}");
    }
    assert_eq!(format_from_pattern("YY/MM/DD"), None);
    assert_eq!(format_from_pattern("YYYYMMDD HH:MM"), None);
    assert_eq!(format_from_pattern(" unix "), Some(TimeFormat::UnixSeconds));
}

#[test]
fn slash_dates_take_the_order_the_whole_column_allows() {
    let d = |v: &[&str]| detect_format("date", &cells(v)).map(|f| f.pattern());
    // The 13 in the last row settles day first, however many rows read both ways.
    assert_eq!(
        d(&["01/02/2024", "02/02/2024", "13/02/2024"]).as_deref(),
        Some("DD/MM/YYYY")
    );
    assert_eq!(
        d(&["02/01/2024", "02/02/2024", "02/13/2024"]).as_deref(),
        Some("MM/DD/YYYY")
    );
    // Day first with one separator per column; mixing them is no format.
    assert_eq!(
        d(&["13.01.2024", "14.01.2024"]).as_deref(),
        Some("DD.MM.YYYY")
    );
    assert_eq!(d(&["13.01.2024", "14-01-2024"]), None);
    // YYYYMMDD integers need a name that says date, like Unix seconds.
    assert_eq!(d(&["20240131", "20240201"]).as_deref(), Some("YYYYMMDD"));
    assert_eq!(
        detect_format("value", &cells(&["20240131", "20240201"])),
        None
    );
    // Not a valid date as YYYYMMDD: Unix seconds, as before.
    assert_eq!(d(&["12345678"]).as_deref(), Some("Unix seconds"));
}

#[test]
fn month_names_with_the_year_read_either_way_and_write_back_alike() {
    let before = TimeFormat::MonthName { year_first: false };
    let after = TimeFormat::MonthName { year_first: true };
    // 1974-01-01: 1461 · 1 + 365 · 0 … = 1461 days to 1974 (1970–1973, one leap year)
    let jan_1974 = 1_461 * 86_400;
    for cell in [
        "Jan 1974",
        "jan 1974",
        "JANUARY 1974",
        "1974 Jan",
        "1974 january",
    ] {
        assert_eq!(parse_time(cell, &before), Some(jan_1974), "{cell}");
    }
    // September as Sep, Sept and in full
    let sep = parse_time("Sep 1974", &before);
    assert!(sep.is_some());
    assert_eq!(parse_time("Sept 1974", &before), sep);
    assert_eq!(parse_time("September 1974", &after), sep);
    for bad in ["Foo 1974", "Jan 74", "Jan  1974", "Jan-1974", "1974", "Jan"] {
        assert_eq!(parse_time(bad, &before), None, "{bad}");
    }
    // detection, and the style it keeps
    let d = |v: &[&str]| detect_format("date", &cells(v));
    assert_eq!(
        d(&["Jan 1974", "Feb 1974", "NA", "Apr 1974"]),
        Some(before.clone())
    );
    assert_eq!(
        d(&["1974 Nov", "1974 Dec", "1975 Jan"]),
        Some(after.clone())
    );
    assert_eq!(d(&["Jan 1974", "Smarch 1974"]), None);
    assert_eq!(format_time(jan_1974, &before), "Jan 1974");
    assert_eq!(format_time(sep.unwrap(), &after), "1974 Sep");
    assert_eq!(before.pattern(), "Mon YYYY");
    assert_eq!(format_from_pattern("mon yyyy"), Some(before));
    assert_eq!(format_from_pattern("YYYY Mon"), Some(after));
}
