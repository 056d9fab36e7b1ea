//! The data-dependent defaults (`seqcast_engine::config::auto`) applied when a file
//! loads, to the settings the user has left at their defaults. What they set is
//! remembered, so the next file starts again from the plain defaults wherever the user
//! left those values alone (a year of lookback from a daily file would not fit a
//! monthly one).

use seqcast_engine::RunConfig;
use seqcast_engine::config::auto::{DataDefault, apply_data_defaults, describe};
use seqcast_engine::data::time::Frequency;
use serde::{Deserialize, Serialize};

/// The values the data-dependent defaults gave the current file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AutoSet {
    /// `train.epochs`.
    pub epochs: Option<usize>,
    /// `train.refit`.
    pub refit: Option<bool>,
    /// `window.lookback`.
    pub lookback: Option<usize>,
}

impl AutoSet {
    /// A new file: every field that still holds the value the rules gave it goes back
    /// to the plain default; fields the user changed since stay.
    pub fn undo(&mut self, config: &mut RunConfig) {
        let plain = RunConfig::default();
        if self.epochs.is_some_and(|v| v == config.train.epochs) {
            config.train.epochs = plain.train.epochs;
        }
        if self.refit.is_some_and(|v| v == config.train.refit) {
            config.train.refit = plain.train.refit;
        }
        if self.lookback.is_some_and(|v| v == config.window.lookback) {
            config.window.lookback = plain.window.lookback;
        }
        *self = Self::default();
    }

    fn record(&mut self, config: &RunConfig, changes: &[DataDefault]) {
        for c in changes {
            match c.field {
                "epochs" => self.epochs = Some(config.train.epochs),
                "refit" => self.refit = Some(config.train.refit),
                "lookback" => self.lookback = Some(config.window.lookback),
                _ => {}
            }
        }
    }
}

/// Applies the data-dependent defaults for a series of `rows` rows at `frequency`
/// (`None` right after loading, before the time axis is known) to `config`, for every
/// setting still at its plain default, and records them in `auto`; returns a note for
/// the status line (empty when nothing changed).
pub fn apply(
    config: &mut RunConfig,
    rows: usize,
    frequency: Option<Frequency>,
    auto: &mut AutoSet,
) -> String {
    let defaults = RunConfig::default();
    let (epochs, refit, lookback) = (
        config.train.epochs,
        config.train.refit,
        config.window.lookback,
    );
    let is_set = |field: &str| match field {
        "epochs" => epochs != defaults.train.epochs,
        "refit" => refit != defaults.train.refit,
        "lookback" => lookback != defaults.window.lookback,
        _ => true,
    };
    let changes = apply_data_defaults(config, rows, frequency, &is_set);
    auto.record(config, &changes);
    describe(&changes).map_or(String::new(), |d| format!("; defaults for this data: {d}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAILY: Option<Frequency> = Some(Frequency::Seconds(86_400));

    #[test]
    fn a_short_series_raises_epochs_and_refits_unless_the_user_changed_them() {
        let mut auto = AutoSet::default();
        let mut config = RunConfig::default();
        let note = apply(&mut config, 144, None, &mut auto);
        assert_eq!(
            note,
            "; defaults for this data: epochs 1000, refit true (short series: 66 training windows)"
        );
        assert!(config.train.refit);

        let mut config = RunConfig::default();
        config.train.epochs = 40;
        let note = apply(&mut config, 144, None, &mut AutoSet::default());
        assert_eq!(config.train.epochs, 40, "the user's choice stays");
        assert!(note.contains("refit true") && !note.contains("epochs"));

        let mut config = RunConfig::default();
        assert_eq!(
            apply(&mut config, 20_000, None, &mut AutoSet::default()),
            ""
        );
        assert_eq!(config, RunConfig::default());
    }

    #[test]
    fn a_daily_series_with_years_of_history_looks_back_a_year_unless_the_user_chose() {
        let mut auto = AutoSet::default();
        let mut config = RunConfig::default();
        assert_eq!(
            apply(&mut config, 3650, DAILY, &mut auto),
            "; defaults for this data: lookback 365 (daily series with 7.0 years of training rows)"
        );
        assert_eq!(config.window.lookback, 365);
        assert_eq!(auto.lookback, Some(365));
        assert_eq!(
            apply(&mut config, 3650, DAILY, &mut auto),
            "",
            "applied once"
        );

        let mut config = RunConfig::default();
        config.window.lookback = 60;
        assert_eq!(apply(&mut config, 3650, DAILY, &mut AutoSet::default()), "");
        assert_eq!(config.window.lookback, 60, "the user's choice stays");
    }

    #[test]
    fn the_next_file_starts_from_the_plain_defaults_the_user_left_alone() {
        // Daily temperatures, then AirPassengers: the year of lookback must not follow.
        let mut auto = AutoSet::default();
        let mut config = RunConfig::default();
        apply(&mut config, 3650, DAILY, &mut auto);
        auto.undo(&mut config);
        assert_eq!(config, RunConfig::default());
        let note = apply(&mut config, 144, None, &mut auto);
        assert!(note.contains("epochs 1000"), "{note}");
        assert_eq!(config.window.lookback, 24);

        // AirPassengers with epochs the user then lowered, then a long file: the
        // user's epochs stay, the automatic refit goes.
        config.train.epochs = 300;
        auto.undo(&mut config);
        assert_eq!(config.train.epochs, 300);
        assert!(!config.train.refit);
        assert_eq!(auto, AutoSet::default());
    }
}
