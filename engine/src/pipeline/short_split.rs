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
//! When the training rows left cannot hold the horizon and a season of input, only the
//! last horizon is held out, for validation (`--split-rows N−H,H,0`): no test part, but
//! the forecast is still judged. Only the plain default split of one series changes, and
//! never into one whose training rows cannot hold a window (of one input step, or of the
//! lookback the user set).

use crate::config::{RunConfig, Split};
use crate::data::split::split_rows;

/// The split `config` should have for a series of `rows` rows when the default fractions
/// leave the validation or the test part shorter than the horizon `h`, without knowing
/// the season ([`reason`] does): `Last { h, h }` when `rows − 2h` rows still hold a
/// window (the horizon and one input step), else validation alone,
/// `Rows { rows − h, h, 0 }`, when `rows − h` do; `None` to keep the split.
pub fn short_split(rows: usize, config: &RunConfig) -> Option<Split> {
    reason(rows, config, true, None).map(|(split, _)| split)
}

/// [`short_split`] and why, in a few words. With `lookback_free` false (the user chose
/// the lookback) the training rows left must hold a window at that lookback, so the
/// split never refuses a configuration the default split would train. With a `season`,
/// a split whose training rows cannot hold a season of input and the horizon gives way
/// to the next (validation alone), and then to the plain rule: 42 monthly rows validate
/// on their last 12 and learn from 30 with a year of input, rather than test on 12 and
/// learn from 18 with three months (BENCHMARKS.md, "The split of short series").
pub fn reason(
    rows: usize,
    config: &RunConfig,
    lookback_free: bool,
    season: Option<usize>,
) -> Option<(Split, String)> {
    if config.data.split != Split::default() || config.data.series_column.is_some() {
        return None;
    }
    let h = config.window.horizon;
    let parts = split_rows(rows, &config.data.split).ok()?;
    if parts.val.len() >= h && parts.test.len() >= h {
        return None;
    }
    let why = format!(
        "{rows} rows: the 0.7/0.15/0.15 split leaves {} validation and {} test rows, fewer \
         than the horizon {h}",
        parts.val.len(),
        parts.test.len()
    );
    // The training part must hold a window: the horizon and a season of input, else one
    // step of it; or the user's lookback (and a row more when differencing).
    let inputs = match (lookback_free, season.filter(|&s| s > 1)) {
        (false, _) => vec![config.window.lookback],
        (true, Some(s)) => vec![s, 1],
        (true, None) => vec![1],
    };
    for input in inputs {
        let window = h
            .checked_add(input)?
            .checked_add(usize::from(config.data.diff))?;
        if rows >= window.checked_add(h.checked_mul(2)?)? {
            return Some((Split::Last { val: h, test: h }, why));
        }
        if rows >= window.checked_add(h)? {
            let split = Split::Rows {
                train: rows - h,
                val: h,
                test: 0,
            };
            return Some((split, format!("{why}; too few for both: validation only")));
        }
    }
    None
}

/// How the command line writes `split` (`--split last=12,12`, `--split-rows 24,12,0`).
pub fn spelling(split: &Split) -> String {
    match *split {
        Split::Last { val, test } => format!("last={val},{test}"),
        Split::Rows { train, val, test } => format!("rows {train},{val},{test}"),
        Split::Fractions { train, val, test } => format!("fractions {train},{val},{test}"),
    }
}

/// The lookback of a recursive model on a series split by [`short_split`]: at most half
/// of its `train` rows (so the one-step windows are at least as many
/// as the input steps) and short enough for one whole window of the horizon in them (the
/// fitted start and the window checks need one), in whole seasons when one fits, and
/// never above `base`.
pub fn held_out_lookback(
    train: usize,
    horizon: usize,
    base: usize,
    season: Option<usize>,
) -> usize {
    let cap = base
        .min(train / 2)
        .min(train.saturating_sub(horizon))
        .max(1);
    match season {
        Some(s) if s >= 1 && s <= cap => cap / s * s,
        _ => cap,
    }
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
        // 36 rows: 12 training rows cannot hold a window; validation alone leaves 24.
        assert_eq!(
            short_split(36, &c),
            Some(Split::Rows {
                train: 24,
                val: 12,
                test: 0
            })
        );
        // 25 rows: 13 training rows hold one window; 24 rows: not even that.
        assert!(short_split(25, &c).is_some());
        assert_eq!(short_split(24, &c), None);
        // A lookback the user set (30) must fit: 60 rows hold 36 + 12 + 12, and 36 <
        // 30 + 12; validation alone leaves 48 ≥ 42.
        let mut c = RunConfig::default();
        c.window.lookback = 30;
        let (split, _) = reason(60, &c, false, Some(12)).unwrap();
        assert_eq!(
            split,
            Split::Rows {
                train: 48,
                val: 12,
                test: 0
            }
        );
        // 50 rows: 38 < 42 either way, so the fractions stay
        assert_eq!(reason(50, &c, false, None), None);
        // Monthly (a season of 12): the test part needs 48 rows, so 42 validate only
        // (30 training rows, room for a year of input); 24 rows cannot hold a season
        // and the horizon after validation, so one step of input will do.
        let c = RunConfig::default();
        let split = |rows| reason(rows, &c, true, Some(12)).map(|(s, _)| s);
        assert_eq!(split(48), Some(Split::Last { val: 12, test: 12 }));
        assert_eq!(
            split(42),
            Some(Split::Rows {
                train: 30,
                val: 12,
                test: 0
            })
        );
        assert_eq!(
            split(30),
            Some(Split::Rows {
                train: 18,
                val: 12,
                test: 0
            })
        );
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

    #[test]
    fn the_held_out_lookback_is_half_the_training_rows_in_whole_seasons() {
        // monthly, horizon 12, training rows: 24 (48 rows, or 36 with validation only)
        // → 12; 36 → 18 → one season, 12; 48 → 24; never above the default 24
        assert_eq!(held_out_lookback(24, 12, 24, Some(12)), 12);
        assert_eq!(held_out_lookback(36, 12, 24, Some(12)), 12);
        assert_eq!(held_out_lookback(48, 12, 24, Some(12)), 24);
        assert_eq!(held_out_lookback(54, 12, 24, Some(12)), 24);
        // quarterly: 36 training rows → 18 → four seasons, 16; no season: 23 → 11
        assert_eq!(held_out_lookback(36, 12, 24, Some(4)), 16);
        assert_eq!(held_out_lookback(23, 12, 24, None), 11);
        // one window of the horizon must fit: 16 training rows → 16 − 12 = 4
        assert_eq!(held_out_lookback(16, 12, 24, Some(12)), 4);
        assert_eq!(held_out_lookback(13, 12, 24, None), 1);
        // a season longer than the cap: the cap (horizon 6, 18 training rows → 9)
        assert_eq!(held_out_lookback(18, 6, 24, Some(12)), 9);
    }
}
