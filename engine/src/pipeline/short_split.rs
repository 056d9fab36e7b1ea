//! The split of a series too short for the default fractions: a data-dependent default
//! (`pipeline::defaults`, [`super::defaults::AutoField::Split`]).
//!
//! At 0.7 / 0.15 / 0.15 a monthly series under about 80 rows has validation and test parts
//! shorter than a 12-step horizon, so neither holds a window: nothing checks the model
//! against the baselines (the product forecast is the model's, unjudged), early stopping
//! has no signal and no test score exists. Holding out the last horizon for test and the
//! horizon before it for validation (`--split last=H,H`, the M4 protocol) gives each part
//! exactly one window. Measured on the held-out short series (BENCHMARKS.md, "The split of
//! short series"), where the default split left nothing to score.
//!
//! Only the plain default split of one series changes, and only when the training rows
//! left still hold one window (the horizon and one input step; the lookback rule then
//! shortens the lookback to fit).

use crate::config::{RunConfig, Split};
use crate::data::split::split_rows;

/// The split `config` should have for a series of `rows` rows: `Last { h, h }` when the
/// default fractions leave the validation or the test part shorter than the horizon `h`
/// and `rows − 2h` rows still hold a window; `None` to keep the split.
pub fn short_split(rows: usize, config: &RunConfig) -> Option<Split> {
    reason(rows, config).map(|(split, _)| split)
}

/// [`short_split`] and why, in a few words.
pub fn reason(rows: usize, config: &RunConfig) -> Option<(Split, String)> {
    if config.data.split != Split::default() || config.data.series_column.is_some() {
        return None;
    }
    let h = config.window.horizon;
    let parts = split_rows(rows, &config.data.split).ok()?;
    if parts.val.len() >= h && parts.test.len() >= h {
        return None;
    }
    // The training part must hold a window with a one-step lookback: h + 1 rows.
    let needed = h.checked_mul(3)?.checked_add(1)?;
    if rows < needed {
        return None;
    }
    let why = format!(
        "{rows} rows: the 0.7/0.15/0.15 split leaves {} validation and {} test rows, fewer \
         than the horizon {h}",
        parts.val.len(),
        parts.test.len()
    );
    Some((Split::Last { val: h, test: h }, why))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_series_under_80_monthly_rows_holds_out_one_horizon_each() {
        let c = RunConfig::default(); // horizon 12
        // 77 rows: round(11.55) = 12 validation rows, 77 − 54 − 12 = 11 test rows.
        assert_eq!(short_split(77, &c), Some(Split::Last { val: 12, test: 12 }));
        // 78 rows: 55 + 12 leave 11 test rows; 79 rows: 55 + 12 + 12, both parts hold
        // a window.
        assert!(short_split(78, &c).is_some());
        assert_eq!(short_split(79, &c), None);
        // 37 rows: 13 training rows hold the horizon and one input step.
        assert_eq!(short_split(37, &c), Some(Split::Last { val: 12, test: 12 }));
        // 36 rows: 12 training rows cannot; the fractions stay.
        assert_eq!(short_split(36, &c), None);
    }

    #[test]
    fn a_split_the_user_chose_and_panels_keep_theirs() {
        let mut c = RunConfig::default();
        c.data.split = Split::Fractions {
            train: 0.8,
            val: 0.1,
            test: 0.1,
        };
        assert_eq!(short_split(60, &c), None);
        let mut c = RunConfig::default();
        c.data.series_column = Some("id".into());
        assert_eq!(short_split(60, &c), None);
        // a horizon of one: 15 % of 40 rows is 6 ≥ 1, nothing to change
        let mut c = RunConfig::default();
        c.window.horizon = 1;
        assert_eq!(short_split(40, &c), None);
    }
}
