//! What a cell of a CSV file means before any column is typed: shared by reading the
//! table and recognising times, so neither depends on the other.

/// True for the cells treated as missing: empty, `NA`, `N/A`, `n/a`, `NaN`, `nan`, `null`,
/// `NULL`, `None`, `-`, `?`, `#N/A`.
pub fn is_missing(cell: &str) -> bool {
    matches!(
        cell,
        "" | "NA" | "N/A" | "n/a" | "NaN" | "nan" | "null" | "NULL" | "None" | "-" | "?" | "#N/A"
    )
}

/// A column's cells, stored compactly: one text buffer with each cell's end, and which
/// cells the parser gave as null (an empty field). A cell costs its bytes plus 9: a
/// file of a hundred million cells loads without a hundred million allocations, and
/// dropping a half-loaded table (closing the window during a load) takes milliseconds.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Cells {
    text: String,
    ends: Vec<usize>,
    nulls: Vec<bool>,
}

impl Cells {
    /// No cells, with room for `cells` cells of `bytes` bytes in all.
    pub fn with_capacity(cells: usize, bytes: usize) -> Self {
        Self {
            text: String::with_capacity(bytes),
            ends: Vec::with_capacity(cells),
            nulls: Vec::with_capacity(cells),
        }
    }

    /// Adds a cell at the end (`None`: a null).
    pub fn push(&mut self, cell: Option<&str>) {
        if let Some(c) = cell {
            self.text.push_str(c);
        }
        self.ends.push(self.text.len());
        self.nulls.push(cell.is_none());
    }

    /// How many cells.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether there is no cell.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The cell at `row`: `None` past the end, `Some(None)` for a null.
    pub fn get(&self, row: usize) -> Option<Option<&str>> {
        let end = *self.ends.get(row)?;
        if self.nulls.get(row).copied().unwrap_or(true) {
            return Some(None);
        }
        let start = match row.checked_sub(1) {
            Some(prev) => self.ends.get(prev).copied().unwrap_or(0),
            None => 0,
        };
        Some(self.text.get(start..end))
    }

    /// The cell at `row` as text, `None` for a null or past the end.
    pub fn text(&self, row: usize) -> Option<&str> {
        self.get(row).flatten()
    }

    /// Every cell in order (`None`: a null).
    pub fn iter(&self) -> impl ExactSizeIterator<Item = Option<&str>> + Clone + '_ {
        (0..self.len()).map(|row| self.text(row))
    }
}

impl<S: AsRef<str>> FromIterator<Option<S>> for Cells {
    fn from_iter<I: IntoIterator<Item = Option<S>>>(iter: I) -> Self {
        let mut cells = Self::default();
        for cell in iter {
            cells.push(cell.as_ref().map(AsRef::as_ref));
        }
        cells
    }
}

impl std::fmt::Debug for Cells {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_keep_text_nulls_and_empty_strings_apart() {
        let cells: Cells = [Some("12.5"), None, Some(""), Some("x y")]
            .into_iter()
            .collect();
        assert_eq!(cells.len(), 4);
        assert_eq!(cells.get(0), Some(Some("12.5")));
        assert_eq!(cells.get(1), Some(None));
        assert_eq!(cells.get(2), Some(Some("")));
        assert_eq!(cells.text(3), Some("x y"));
        assert_eq!(cells.get(4), None);
        let back: Vec<Option<&str>> = cells.iter().collect();
        assert_eq!(back, [Some("12.5"), None, Some(""), Some("x y")]);
        assert_eq!(
            format!("{cells:?}"),
            r#"[Some("12.5"), None, Some(""), Some("x y")]"#
        );
    }
}
