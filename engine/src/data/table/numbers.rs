//! Numbers written for people: decimal commas (`1.234,5` in `;`-separated files) and
//! thousands separators (`"1,234.5"`). A column is rewritten to plain numbers only when
//! every value fits one style, so a single odd cell still gets its own error message.

use super::{Cells, is_missing};

/// How a column writes its numbers, when not plainly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum NumberStyle {
    /// `1.234,5` or `1 234,5`: a decimal comma, `.` or spaces between thousands.
    DecimalComma,
    /// `1,234.5`: a decimal point, commas between thousands.
    ThousandsComma,
}

impl NumberStyle {
    /// For the load report.
    pub(super) fn describe(self) -> &'static str {
        match self {
            Self::DecimalComma => "decimal commas (1.234,5 read as 1234.5)",
            Self::ThousandsComma => "thousands separators (1,234.5 read as 1234.5)",
        }
    }

    /// The cell as a plain number (`None` when it does not fit this style).
    fn plain(self, cell: &str) -> Option<String> {
        let (group, decimal): (&[char], char) = match self {
            Self::DecimalComma => (&['.', ' ', '\u{a0}', '\u{202f}'], ','),
            Self::ThousandsComma => (&[','], '.'),
        };
        let (sign, body) = match cell.strip_prefix(['-', '+']) {
            Some(rest) => (cell.get(..1).unwrap_or(""), rest),
            None => ("", cell),
        };
        let (int, frac) = match body.split_once(decimal) {
            Some((i, f)) => (i, Some(f)),
            None => (body, None),
        };
        if let Some(f) = frac
            && (f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()))
        {
            return None;
        }
        let digits = grouped_digits(int, group)?;
        let mut out = format!("{sign}{digits}");
        if let Some(f) = frac {
            out.push('.');
            out.push_str(f);
        }
        Some(out)
    }
}

/// `1234` or `1.234` / `1 234` (groups of exactly three after the first of 1–3) → `1234`.
fn grouped_digits(int: &str, group: &[char]) -> Option<String> {
    let mut parts = int.split(group);
    let first = parts.next()?;
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(first) {
        return None;
    }
    let mut out = first.to_string();
    let mut grouped = false;
    for part in parts {
        if part.len() != 3 || !all_digits(part) {
            return None;
        }
        grouped = true;
        out.push_str(part);
    }
    (!grouped || first.len() <= 3).then_some(out)
}

/// The style in which every non-missing cell of a column reads as a number, when the
/// cells are not plain numbers already. Ambiguous cells (`1,234`) follow the file's
/// delimiter: a `;` or tab file uses decimal commas, a `,` file (where such a cell
/// must have been quoted) thousands separators.
pub(super) fn detect(cells: &Cells, delimiter: u8) -> Option<NumberStyle> {
    let present = || cells.iter().flatten().filter(|c| !is_missing(c));
    if present().all(|c| c.parse::<f64>().is_ok()) {
        return None;
    }
    let order = if delimiter == b',' {
        [NumberStyle::ThousandsComma, NumberStyle::DecimalComma]
    } else {
        [NumberStyle::DecimalComma, NumberStyle::ThousandsComma]
    };
    order.into_iter().find(|style| {
        present().all(|c| {
            style
                .plain(c)
                .is_some_and(|p| p.parse::<f64>().is_ok_and(f64::is_finite))
        })
    })
}

/// The column with every non-missing cell rewritten to a plain number in `style`.
pub(super) fn rewrite(cells: &Cells, style: NumberStyle) -> Cells {
    let mut out = Cells::with_capacity(cells.len(), cells.len().saturating_mul(8));
    for cell in cells.iter() {
        match cell.filter(|c| !is_missing(c)).and_then(|c| style.plain(c)) {
            Some(plain) => out.push(Some(&plain)),
            None => out.push(cell),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(v: &[&str]) -> Cells {
        v.iter().map(|s| Some(*s)).collect()
    }

    #[test]
    fn styles_are_detected_and_rewritten() {
        let c = cells(&["1.234,5", "-2,25", "NA", "12", "1 000 000,0"]);
        assert_eq!(detect(&c, b';'), Some(NumberStyle::DecimalComma));
        assert_eq!(
            rewrite(&c, NumberStyle::DecimalComma),
            cells(&["1234.5", "-2.25", "NA", "12", "1000000.0"])
        );

        let c = cells(&["1,234.5", "12", "+3,000"]);
        assert_eq!(detect(&c, b','), Some(NumberStyle::ThousandsComma));
        assert_eq!(
            rewrite(&c, NumberStyle::ThousandsComma),
            cells(&["1234.5", "12", "+3000"])
        );
    }

    #[test]
    fn ambiguous_cells_follow_the_delimiter() {
        let c = cells(&["1,234", "2,500"]);
        assert_eq!(detect(&c, b';'), Some(NumberStyle::DecimalComma));
        assert_eq!(detect(&c, b','), Some(NumberStyle::ThousandsComma));
        assert_eq!(
            NumberStyle::DecimalComma.plain("1,234").as_deref(),
            Some("1.234")
        );
    }

    #[test]
    fn plain_mixed_or_malformed_columns_are_left_alone() {
        assert_eq!(detect(&cells(&["1.5", "2"]), b';'), None);
        // one odd cell: no style fits every cell, the cell keeps its own error
        assert_eq!(detect(&cells(&["1,5", "abc"]), b';'), None);
        assert_eq!(detect(&cells(&["1,5", "1.5"]), b';'), None);
        assert_eq!(detect(&cells(&["12,34,5"]), b','), None);
        assert_eq!(detect(&cells(&["1.23,5"]), b';'), None);
        assert_eq!(detect(&cells(&["1234.567,8"]), b';'), None);
        assert_eq!(detect(&cells(&["1,"]), b';'), None);
    }
}
