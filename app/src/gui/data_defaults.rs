//! The data-dependent defaults (`seqcast_engine::config::auto`) applied when a file
//! loads, to the settings the user has left at their defaults.

use seqcast_engine::RunConfig;
use seqcast_engine::config::auto::{apply_data_defaults, describe};

/// Applies the data-dependent defaults for a series of `rows` rows to `config`, for
/// every setting still at its plain default; returns a note for the status line
/// (empty when nothing changed).
pub fn apply(config: &mut RunConfig, rows: usize) -> String {
    let defaults = RunConfig::default();
    let (epochs, refit) = (config.train.epochs, config.train.refit);
    let is_set = |field: &str| match field {
        "epochs" => epochs != defaults.train.epochs,
        "refit" => refit != defaults.train.refit,
        _ => true,
    };
    let changes = apply_data_defaults(config, rows, &is_set);
    describe(&changes).map_or(String::new(), |d| format!("; defaults for this data: {d}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_series_raises_epochs_and_refits_unless_the_user_changed_them() {
        let mut config = RunConfig::default();
        let note = apply(&mut config, 144);
        assert_eq!(
            note,
            "; defaults for this data: epochs 1000, refit true (short series: 66 training windows)"
        );
        assert!(config.train.refit);

        let mut config = RunConfig::default();
        config.train.epochs = 40;
        let note = apply(&mut config, 144);
        assert_eq!(config.train.epochs, 40, "the user's choice stays");
        assert!(note.contains("refit true") && !note.contains("epochs"));

        let mut config = RunConfig::default();
        assert_eq!(apply(&mut config, 20_000), "");
        assert_eq!(config, RunConfig::default());
    }
}
