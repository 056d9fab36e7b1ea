//! Chronological train / validation / test split. Rows are never shuffled across a
//! boundary: the three parts are consecutive ranges in time order.

use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::config::Split;
use crate::error::{EngineError, Result};

/// Row ranges of the three parts; `test.end` may be below the series length when the
/// split leaves rows unused (as the ETT protocol does).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SplitRanges {
    /// Training rows.
    pub train: Range<usize>,
    /// Validation rows (may be empty).
    pub val: Range<usize>,
    /// Test rows (may be empty).
    pub test: Range<usize>,
}

/// Splits `n` rows. Fractions are rounded to whole rows; explicit counts must fit.
pub fn split_rows(n: usize, split: &Split) -> Result<SplitRanges> {
    let (train, val, test) = match *split {
        Split::Fractions { train, val, test } => {
            let rows = |f: f64| (f * n as f64).round() as usize;
            let (tr, va) = (rows(train), rows(val));
            // Rounding may overshoot by a row: the test part absorbs it.
            let te = rows(test).min(n.saturating_sub(tr + va));
            (tr, va, te)
        }
        Split::Rows { train, val, test } => {
            let total = train.saturating_add(val).saturating_add(test);
            if total > n {
                return Err(EngineError::TooShort(format!(
                    "the split asks for {train} + {val} + {test} = {total} rows but the series has {n}"
                )));
            }
            (train, val, test)
        }
        Split::Last { val, test } => {
            let held = val.saturating_add(test);
            if held >= n {
                return Err(EngineError::TooShort(format!(
                    "the split holds out the last {val} + {test} = {held} rows but the series has {n}"
                )));
            }
            (n - held, val, test)
        }
    };
    if train == 0 {
        return Err(EngineError::TooShort(format!(
            "the split leaves no training rows out of {n}"
        )));
    }
    Ok(SplitRanges {
        train: 0..train,
        val: train..train + val,
        test: train + val..train + val + test,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_rows_are_test_and_the_ones_before_validation() {
        let s = split_rows(100, &Split::Last { val: 48, test: 48 }).unwrap();
        assert_eq!((s.train, s.val, s.test), (0..4, 4..52, 52..100));
        let e = split_rows(96, &Split::Last { val: 48, test: 48 }).unwrap_err();
        assert!(
            e.to_string()
                .contains("48 + 48 = 96 rows but the series has 96"),
            "{e}"
        );
    }

    #[test]
    fn fractions_round_to_rows() {
        // 144 × 0.7 = 100.8 → 101; 144 × 0.15 = 21.6 → 22; test takes the rest up to 22 → 21.
        let s = split_rows(
            144,
            &Split::Fractions {
                train: 0.7,
                val: 0.15,
                test: 0.15,
            },
        )
        .unwrap();
        assert_eq!((s.train, s.val, s.test), (0..101, 101..123, 123..144));
    }

    #[test]
    fn ett_rows_leave_the_tail_unused() {
        let s = split_rows(
            17_420,
            &Split::Rows {
                train: 8640,
                val: 2880,
                test: 2880,
            },
        )
        .unwrap();
        assert_eq!(
            (s.train, s.val, s.test),
            (0..8640, 8640..11520, 11520..14400)
        );
    }

    #[test]
    fn rows_beyond_the_series_are_refused_with_numbers() {
        let err = split_rows(
            100,
            &Split::Rows {
                train: 80,
                val: 20,
                test: 10,
            },
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "the split asks for 80 + 20 + 10 = 110 rows but the series has 100"
        );
    }
}
