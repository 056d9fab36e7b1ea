//! Looking at raw bytes before parsing: text encoding, line endings, delimiter, header,
//! and the file line on which each record starts.

use std::borrow::Cow;

use crate::data::time::looks_like_time;

use super::is_missing;

/// Delimiters considered, in order of preference on a tie.
const CANDIDATES: [u8; 3] = [b',', b';', b'\t'];
/// Records examined to choose the delimiter.
const SNIFF_RECORDS: usize = 20;

/// Decodes the raw file to UTF-8 and names the encoding found.
///
/// A UTF-8 BOM is stripped; UTF-16 LE/BE with a BOM is decoded (unpaired surrogates
/// become U+FFFD), and so is UTF-16 without a BOM when its first bytes show the
/// telltale zero byte beside each ASCII character; anything else that is not valid
/// UTF-8 is read as Latin-1, byte by byte.
pub(super) fn decode(bytes: &[u8]) -> (Cow<'_, str>, &'static str) {
    match bytes {
        [0xEF, 0xBB, 0xBF, rest @ ..] => match std::str::from_utf8(rest) {
            Ok(text) => (Cow::Borrowed(text), "UTF-8 (BOM)"),
            Err(_) => (Cow::Owned(latin1(rest)), "Latin-1 (after a UTF-8 BOM)"),
        },
        [0xFF, 0xFE, rest @ ..] => (Cow::Owned(utf16(rest, u16::from_le_bytes)), "UTF-16LE"),
        [0xFE, 0xFF, rest @ ..] => (Cow::Owned(utf16(rest, u16::from_be_bytes)), "UTF-16BE"),
        _ => match (utf16_without_bom(bytes), std::str::from_utf8(bytes)) {
            (Some(true), _) => (
                Cow::Owned(utf16(bytes, u16::from_le_bytes)),
                "UTF-16LE (no BOM)",
            ),
            (Some(false), _) => (
                Cow::Owned(utf16(bytes, u16::from_be_bytes)),
                "UTF-16BE (no BOM)",
            ),
            (None, Ok(text)) => (Cow::Borrowed(text), "UTF-8"),
            (None, Err(_)) => (Cow::Owned(latin1(bytes)), "Latin-1"),
        },
    }
}

/// Bytes examined to recognise UTF-16 without a BOM.
const UTF16_SNIFF_BYTES: usize = 4096;

/// `Some(little_endian)` when the start of the file reads as UTF-16 text without a BOM:
/// an even length, and at least 90% of the two-byte units are an ASCII character
/// beside a zero byte, always on the same side (CSV text is mostly ASCII).
fn utf16_without_bom(bytes: &[u8]) -> Option<bool> {
    let head = bytes.get(..bytes.len().min(UTF16_SNIFF_BYTES))?;
    if !bytes.len().is_multiple_of(2) || head.len() < 4 {
        return None;
    }
    let units = head.len() / 2;
    let (mut le, mut be) = (0usize, 0usize);
    for pair in head.chunks_exact(2) {
        match *pair {
            [a, 0] if a != 0 && a.is_ascii() => le += 1,
            [0, b] if b != 0 && b.is_ascii() => be += 1,
            _ => {}
        }
    }
    let enough = |n: usize| n * 10 >= units * 9;
    if enough(le) {
        Some(true)
    } else if enough(be) {
        Some(false)
    } else {
        None
    }
}

/// What a binary file probably is, from its first bytes (for the error message).
pub(super) fn binary_kind(bytes: &[u8]) -> Option<&'static str> {
    let kinds: [(&[u8], &str); 5] = [
        (b"PK\x03\x04", "a ZIP archive or an Excel .xlsx workbook"),
        (b"\xD0\xCF\x11\xE0", "an old Excel .xls workbook"),
        (b"%PDF", "a PDF document"),
        (b"\x1F\x8B", "a gzip-compressed file"),
        (b"PAR1", "a Parquet file"),
    ];
    kinds
        .iter()
        .find(|(magic, _)| bytes.starts_with(magic))
        .map(|(_, kind)| *kind)
}

fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

fn utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> String {
    let units = bytes.chunks_exact(2).map(|pair| match pair {
        [a, b] => unit([*a, *b]),
        _ => 0xFFFD,
    });
    char::decode_utf16(units)
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect()
}

/// Turns `\r\n` and lone `\r` into `\n` (borrowing when there is no `\r`).
pub(super) fn normalize_newlines(text: Cow<'_, str>) -> Cow<'_, str> {
    if !text.as_bytes().contains(&b'\r') {
        return text;
    }
    let mut out = String::with_capacity(text.len());
    let mut rest: &str = &text;
    while let Some((line, after)) = rest.split_once('\r') {
        out.push_str(line);
        out.push('\n');
        rest = after.strip_prefix('\n').unwrap_or(after);
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// Quote-aware walk over the first records: calls `f` with each non-blank record's text.
fn for_records<'a>(text: &'a str, limit: usize, mut f: impl FnMut(&'a str)) {
    let bytes = text.as_bytes();
    let mut in_quotes = false;
    let mut start = 0;
    let mut seen = 0;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'"' => in_quotes = !in_quotes,
            b'\n' if !in_quotes => {
                let record = text.get(start..i).unwrap_or("");
                start = i + 1;
                if !record.trim().is_empty() {
                    f(record);
                    seen += 1;
                    if seen >= limit {
                        return;
                    }
                }
            }
            _ => {}
        }
    }
    let record = text.get(start..).unwrap_or("");
    if !record.trim().is_empty() {
        f(record);
    }
}

/// Counts `sep` outside quotes.
fn count_outside_quotes(record: &str, sep: u8) -> usize {
    let mut in_quotes = false;
    let mut n = 0;
    for &b in record.as_bytes() {
        if b == b'"' {
            in_quotes = !in_quotes;
        } else if b == sep && !in_quotes {
            n += 1;
        }
    }
    n
}

/// Chooses among `,` `;` and tab: the candidate found the same non-zero number of times
/// (outside quotes) on each of the first records wins; more occurrences break ties,
/// then the order above. Defaults to `,`.
pub(super) fn detect_delimiter(text: &str) -> u8 {
    let mut counts: Vec<[usize; 3]> = Vec::new();
    for_records(text, SNIFF_RECORDS, |record| {
        counts.push(CANDIDATES.map(|c| count_outside_quotes(record, c)));
    });
    let mut best: Option<(usize, u8)> = None;
    for (k, &candidate) in CANDIDATES.iter().enumerate() {
        let mut per_record = counts.iter().map(|c| c.get(k).copied().unwrap_or(0));
        let Some(first) = per_record.next() else {
            continue;
        };
        if first > 0 && per_record.all(|n| n == first) && best.is_none_or(|(n, _)| first > n) {
            best = Some((first, candidate));
        }
    }
    best.map_or(b',', |(_, c)| c)
}

/// The first record's fields, unquoted and trimmed.
pub(super) fn first_record_fields(text: &str, sep: u8) -> Vec<String> {
    let mut first = "";
    for_records(text, 1, |record| first = record);
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut in_quotes = false;
    let sep = char::from(sep);
    for c in first.chars() {
        if c == '"' {
            in_quotes = !in_quotes;
        } else if c == sep && !in_quotes {
            fields.push(field.trim().to_string());
            field.clear();
        } else {
            field.push(c);
        }
    }
    fields.push(field.trim().to_string());
    fields
}

/// The first line is a header unless every field looks like data (a number or a date),
/// ignoring missing markers; at least one field must look like data.
pub(super) fn is_header(fields: &[String]) -> bool {
    let looks_like_data = |f: &str| f.parse::<f64>().is_ok() || looks_like_time(f);
    let any_data = fields.iter().any(|f| looks_like_data(f));
    let all_data = fields.iter().all(|f| looks_like_data(f) || is_missing(f));
    !(any_data && all_data)
}

/// True for a record holding nothing but spaces and tabs.
fn is_blank(record: &[u8]) -> bool {
    record.iter().all(|&c| c == b' ' || c == b'\t')
}

/// The 1-based file line on which each non-blank record starts (quote-aware, so a
/// quoted field spanning lines moves later records down), and whether blank records
/// were seen (polars would read those as rows of nulls).
pub(super) fn record_lines(text: &str) -> (Vec<usize>, bool) {
    let mut lines = Vec::new();
    let mut has_blank = false;
    let mut in_quotes = false;
    let mut line = 1;
    let mut record_start_line = 1;
    let mut blank = true;
    for &b in text.as_bytes() {
        match b {
            b'\n' => {
                if !in_quotes {
                    if blank {
                        has_blank = true;
                    } else {
                        lines.push(record_start_line);
                    }
                    blank = true;
                    record_start_line = line + 1;
                }
                line += 1;
            }
            b'"' => {
                in_quotes = !in_quotes;
                blank = false;
            }
            b' ' | b'\t' => {}
            _ => blank = false,
        }
    }
    if !blank {
        lines.push(record_start_line);
    }
    (lines, has_blank)
}

/// `text` cut into pieces of about `size` bytes, each ending after a newline outside
/// quotes (the last may end without one), so every piece holds whole records.
pub(super) fn record_chunks(text: &str, size: usize) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut chunks = Vec::new();
    let mut start = 0;
    let mut in_quotes = false;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'"' => in_quotes = !in_quotes,
            b'\n' if !in_quotes && i + 1 - start >= size => {
                // A newline is ASCII: `i + 1` is a character boundary.
                chunks.extend(text.get(start..=i));
                start = i + 1;
            }
            _ => {}
        }
    }
    if start < bytes.len() {
        chunks.extend(text.get(start..));
    }
    chunks
}

/// The text without blank records (quote-aware: newlines inside quotes are kept).
pub(super) fn strip_blank_records(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut in_quotes = false;
    let mut start = 0;
    for i in 0..=bytes.len() {
        let b = bytes.get(i).copied();
        if b == Some(b'"') {
            in_quotes = !in_quotes;
        }
        if b.is_none() || (b == Some(b'\n') && !in_quotes) {
            // `start` and `i` sit next to ASCII bytes, so they are char boundaries.
            let record = text.get(start..i).unwrap_or("");
            if !is_blank(record.as_bytes()) {
                out.push_str(record);
                out.push('\n');
            }
            start = i + 1;
        }
    }
    out
}
