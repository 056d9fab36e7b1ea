//! What the data-dependent defaults chose for the current file, remembered so the next
//! file starts again from the plain defaults wherever the user left those values alone
//! (a year of lookback from a daily file would not fit a monthly one). The engine runs
//! the rules (`seqcast_engine::pipeline::defaults`); the GUI only says which settings
//! are left to the data and keeps what came back.

use seqcast_engine::RunConfig;
use seqcast_engine::config::{SkipInit, Split, Strategy};
use seqcast_engine::pipeline::defaults::{
    AutoDefaults, AutoField, Resolved, describe, recursive_allowed,
};
use serde::{Deserialize, Serialize};

/// The values the data-dependent defaults gave the current file.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AutoSet {
    /// `data.split`.
    pub split: Option<Split>,
    /// `train.epochs`.
    pub epochs: Option<usize>,
    /// `train.refit`.
    pub refit: Option<bool>,
    /// `window.lookback`.
    pub lookback: Option<usize>,
    /// `model.skip_init`.
    pub skip_init: Option<SkipInit>,
    /// `model.strategy`.
    pub strategy: Option<Strategy>,
}

impl AutoSet {
    /// A new file: every field that still holds the value the rules gave it goes back
    /// to the plain default; fields the user changed since stay. Returns the settings
    /// the new file's defaults may choose: those at their plain default.
    pub fn undo(&mut self, config: &mut RunConfig) -> AutoDefaults {
        let plain = RunConfig::default();
        if self.split.is_some_and(|v| v == config.data.split) {
            config.data.split = plain.data.split;
        }
        if self.epochs.is_some_and(|v| v == config.train.epochs) {
            config.train.epochs = plain.train.epochs;
        }
        if self.refit.is_some_and(|v| v == config.train.refit) {
            config.train.refit = plain.train.refit;
        }
        if self.lookback.is_some_and(|v| v == config.window.lookback) {
            config.window.lookback = plain.window.lookback;
        }
        if self.skip_init.is_some_and(|v| v == config.model.skip_init) {
            config.model.skip_init = plain.model.skip_init;
        }
        if self.strategy.is_some_and(|v| v == config.model.strategy) {
            config.model.strategy = plain.model.strategy;
        }
        *self = Self::default();
        still_free(AutoDefaults::ALL, config)
    }

    /// Takes the engine's choices into `config` and remembers them; returns the status
    /// note. Only the fields the engine changed, and only those the user has not set
    /// while the inspection was on its way (a field no longer at its plain default keeps
    /// the user's value).
    pub fn adopt(&mut self, config: &mut RunConfig, resolved: &Resolved) -> Option<String> {
        let chosen = &resolved.config;
        let free = still_free(AutoDefaults::ALL, config);
        let changes: Vec<_> = resolved
            .changes
            .iter()
            .filter(|c| free.allows(c.field))
            .cloned()
            .collect();
        for change in &changes {
            match change.field {
                AutoField::Split => {
                    config.data.split = chosen.data.split;
                    self.split = Some(chosen.data.split);
                }
                AutoField::Epochs => {
                    config.train.epochs = chosen.train.epochs;
                    self.epochs = Some(chosen.train.epochs);
                }
                AutoField::Refit => {
                    config.train.refit = chosen.train.refit;
                    self.refit = Some(chosen.train.refit);
                }
                AutoField::Lookback => {
                    config.window.lookback = chosen.window.lookback;
                    self.lookback = Some(chosen.window.lookback);
                }
                AutoField::SkipInit => {
                    config.model.skip_init = chosen.model.skip_init;
                    self.skip_init = Some(chosen.model.skip_init);
                }
                AutoField::Strategy => {
                    config.model.strategy = chosen.model.strategy;
                    self.strategy = Some(chosen.model.strategy);
                }
            }
        }
        describe(&changes).map(|d| format!("Defaults for this data: {d}"))
    }

    /// The recursive strategy the data chose goes back to direct once the user's roles
    /// no longer allow it (a covariate whose future is unknown, many series): the run
    /// would otherwise be refused for a setting the user never picked. Returns the
    /// status note when it did.
    pub fn keep_valid(&mut self, config: &mut RunConfig) -> Option<String> {
        let chosen = self.strategy == Some(Strategy::Recursive)
            && config.model.strategy == Strategy::Recursive;
        if !chosen || recursive_allowed(config) {
            return None;
        }
        config.model.strategy = Strategy::Direct;
        self.strategy = None;
        Some(
            "Strategy back to direct: the recursive default needs every covariate known \
             in advance and one series"
                .into(),
        )
    }
}

/// The settings of `auto` that `config` still holds at their plain defaults (what the
/// user has not set since).
pub fn still_free(auto: AutoDefaults, config: &RunConfig) -> AutoDefaults {
    let plain = RunConfig::default();
    AutoDefaults {
        split: auto.split && config.data.split == plain.data.split,
        lookback: auto.lookback && config.window.lookback == plain.window.lookback,
        epochs: auto.epochs && config.train.epochs == plain.train.epochs,
        refit: auto.refit && config.train.refit == plain.train.refit,
        skip_init: auto.skip_init && config.model.skip_init == plain.model.skip_init,
        strategy: auto.strategy && config.model.strategy == plain.model.strategy,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use seqcast_engine::pipeline::defaults::DataDefault;

    fn resolved(config: &RunConfig, changes: &[(AutoField, &str)]) -> Resolved {
        Resolved {
            config: config.clone(),
            changes: changes
                .iter()
                .map(|(field, value)| DataDefault {
                    field: *field,
                    value: (*value).into(),
                    why: "short series: 66 training windows".into(),
                })
                .collect(),
        }
    }

    #[test]
    fn the_engine_choice_is_adopted_field_by_field_and_undone_for_the_next_file() {
        // The engine chose epochs 1000 and a refit for AirPassengers.
        let mut engine = RunConfig::default();
        engine.train.epochs = 1000;
        engine.train.refit = true;
        engine.train.lr = 0.5; // not a change the rules made: never adopted
        let mut auto = AutoSet::default();
        let mut config = RunConfig::default();
        let note = auto.adopt(
            &mut config,
            &resolved(
                &engine,
                &[(AutoField::Epochs, "1000"), (AutoField::Refit, "true")],
            ),
        );
        assert_eq!(
            note.unwrap(),
            "Defaults for this data: epochs 1000, refit true (short series: 66 training windows)"
        );
        assert_eq!((config.train.epochs, config.train.refit), (1000, true));
        assert_eq!(config.train.lr, RunConfig::default().train.lr);

        // The user then lowers the epochs and opens a long file: the user's epochs stay
        // (and are no longer left to the data), the automatic refit goes.
        config.train.epochs = 300;
        let free = auto.undo(&mut config);
        assert_eq!(config.train.epochs, 300);
        assert!(!config.train.refit);
        assert_eq!(auto, AutoSet::default());
        assert_eq!(
            free,
            AutoDefaults {
                split: true,
                lookback: true,
                epochs: false,
                refit: true,
                skip_init: true,
                strategy: true,
            }
        );
        // A lookback the user set while the engine was choosing stays.
        let mut engine = RunConfig::default();
        engine.window.lookback = 365;
        let mut mine = RunConfig::default();
        mine.window.lookback = 14;
        let note = auto.adopt(
            &mut mine,
            &resolved(&engine, &[(AutoField::Lookback, "365")]),
        );
        assert_eq!(
            (mine.window.lookback, note, auto.lookback),
            (14, None, None)
        );
        let unchanged = resolved(&config, &[]);
        assert_eq!(auto.adopt(&mut config, &unchanged), None);
    }

    #[test]
    fn the_fitted_start_of_a_short_series_is_adopted_and_undone_like_the_others() {
        let mut engine = RunConfig::default();
        engine.model.skip_init = SkipInit::Fitted;
        let mut auto = AutoSet::default();
        let mut config = RunConfig::default();
        auto.adopt(
            &mut config,
            &resolved(&engine, &[(AutoField::SkipInit, "fitted")]),
        );
        assert_eq!(config.model.skip_init, SkipInit::Fitted);
        // The next file starts from the plain default again, and may choose it anew.
        let free = auto.undo(&mut config);
        assert_eq!(config.model.skip_init, SkipInit::Zero);
        assert!(free.skip_init);
        // A start the user picks is theirs: not undone, not left to the data.
        auto.adopt(
            &mut config,
            &resolved(&engine, &[(AutoField::SkipInit, "fitted")]),
        );
        config.model.skip_init = SkipInit::SeasonalNaive;
        let free = auto.undo(&mut config);
        assert_eq!(config.model.skip_init, SkipInit::SeasonalNaive);
        assert!(!free.skip_init);
    }

    #[test]
    fn the_recursive_default_is_adopted_and_dropped_when_a_covariate_is_added() {
        let mut engine = RunConfig::default();
        engine.model.strategy = Strategy::Recursive;
        let mut auto = AutoSet::default();
        let mut config = RunConfig::default();
        auto.adopt(
            &mut config,
            &resolved(&engine, &[(AutoField::Strategy, "recursive")]),
        );
        assert_eq!(config.model.strategy, Strategy::Recursive);
        assert_eq!(auto.keep_valid(&mut config), None, "no covariates: kept");
        // A covariate known in advance keeps it too.
        config.data.covariates = vec!["promo".into()];
        config.data.future_covariates = vec!["promo".into()];
        assert_eq!(auto.keep_valid(&mut config), None);
        // One whose future is unknown does not: back to direct, with a note.
        config.data.future_covariates.clear();
        let note = auto.keep_valid(&mut config).unwrap();
        assert!(note.starts_with("Strategy back to direct"), "{note}");
        assert_eq!(config.model.strategy, Strategy::Direct);
        assert_eq!(auto.strategy, None);
        // A recursive strategy the user picked is theirs: the engine says what is wrong.
        config.model.strategy = Strategy::Recursive;
        assert_eq!(auto.keep_valid(&mut config), None);
        assert_eq!(config.model.strategy, Strategy::Recursive);
        // The next file starts from direct when the data chose recursive.
        let mut config = RunConfig::default();
        auto.adopt(
            &mut config,
            &resolved(&engine, &[(AutoField::Strategy, "recursive")]),
        );
        let free = auto.undo(&mut config);
        assert_eq!(config.model.strategy, Strategy::Direct);
        assert!(free.strategy);
    }
}
