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
