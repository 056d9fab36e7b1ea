//! Data-dependent defaults for a panel: the one-series rules applied to the median
//! series (lookback that fits, a year for daily data), and an epoch budget in windows
//! seen, since a panel of hundreds of series gives hundreds of times the windows of
//! one series per epoch.

use super::Panel;
use crate::config::RunConfig;
use crate::pipeline::defaults::{
    AutoDefaults, AutoField, DataDefault, Resolved, apply_data_defaults, training_windows,
};

/// Training windows seen over all epochs that the epoch default aims at: M4 Hourly's
/// 245k windows an epoch stop improving on validation after about four epochs and are
/// done at ten (BENCHMARKS.md, "Many series, one model").
pub const WINDOW_PASSES: usize = 2_500_000;
/// Never fewer epochs than this by default.
pub const MIN_EPOCHS: usize = 5;

/// `config` with the defaults `auto` allows for `panel`, and what changed.
pub fn resolve(panel: &Panel, config: &RunConfig, auto: AutoDefaults) -> Resolved {
    let mut config = config.clone();
    let mut lengths: Vec<usize> = panel.series.iter().map(|s| s.values.len()).collect();
    lengths.sort_unstable();
    let median = lengths.get(lengths.len() / 2).copied().unwrap_or(0);
    let frequency = panel.time.as_ref().map(|t| t.frequency);
    let one_series = AutoDefaults {
        // A panel's split is per series (`--split per-series-last=H`) or its own.
        split: false,
        lookback: auto.lookback,
        epochs: false,
        refit: false,
        // Not for panels: the fitted start made M4 Hourly worse (BENCHMARKS, "The
        // fitted start").
        skip_init: false,
        // Panels forecast directly.
        strategy: false,
    };
    let mut changes: Vec<DataDefault> =
        apply_data_defaults(&mut config, median, frequency, one_series)
            .into_iter()
            .map(|c| DataDefault {
                why: format!("the median series, {median} rows: {}", c.why),
                ..c
            })
            .collect();
    if auto.epochs {
        let windows: usize = lengths.iter().map(|&n| training_windows(n, &config)).sum();
        if windows > 0 {
            let ceiling = config.train.epochs.max(MIN_EPOCHS);
            let epochs = WINDOW_PASSES.div_ceil(windows).clamp(MIN_EPOCHS, ceiling);
            if epochs != config.train.epochs {
                config.train.epochs = epochs;
                changes.push(DataDefault {
                    field: AutoField::Epochs,
                    value: epochs.to_string(),
                    why: format!(
                        "{windows} training windows an epoch over {} series",
                        lengths.len()
                    ),
                });
            }
        }
    }
    Resolved { config, changes }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn panel(series: usize, rows: usize) -> Panel {
        let raw = (0..series)
            .map(|i| (format!("s{i}"), vec![Some(1.0); rows]))
            .collect();
        Panel::from_raw("p", raw)
    }

    #[test]
    fn epochs_follow_the_windows_of_all_series() {
        // 70/15/15 of 1000 rows: 700 training rows, lookback 24 + horizon 12 → 665
        // windows a series; 400 series → 266,000 windows → ⌈2.5M / 266k⌉ = 10 epochs.
        let r = resolve(&panel(400, 1000), &RunConfig::default(), AutoDefaults::ALL);
        assert_eq!(r.config.train.epochs, 10);
        assert!(
            r.changes[0]
                .why
                .contains("266000 training windows an epoch over 400 series")
        );
        // A small panel keeps the configured epochs (the ceiling).
        let r = resolve(&panel(3, 200), &RunConfig::default(), AutoDefaults::ALL);
        assert_eq!(r.config.train.epochs, RunConfig::default().train.epochs);
        assert!(r.changes.is_empty());
        // Not allowed: unchanged.
        let r = resolve(&panel(400, 1000), &RunConfig::default(), AutoDefaults::NONE);
        assert_eq!(r.config.train.epochs, RunConfig::default().train.epochs);
    }

    #[test]
    fn a_lookback_too_long_for_the_median_series_is_shortened() {
        // 40 rows: 28 training rows < 24 + 12.
        let r = resolve(&panel(5, 40), &RunConfig::default(), AutoDefaults::ALL);
        assert!(
            r.config.window.lookback < 24,
            "{}",
            r.config.window.lookback
        );
        let line = crate::pipeline::defaults::describe(&r.changes).unwrap();
        assert!(line.contains("the median series, 40 rows"), "{line}");
    }
}
