//! One module per panel, each with a single `*_ui` entry point. Panels draw from a
//! [`PanelView`] (or their own slice of the state), edit only the remembered settings,
//! and push [`Intent`](super::intent::Intent)s that the app carries out after the
//! frame's panels. No panel imports the app.

use std::path::PathBuf;

use super::state::{Persisted, Session};

pub mod alerts;
pub mod compare;
pub mod config;
pub mod controls;
pub mod data;
pub mod data_ahead;
pub mod diagnostics;
pub mod knobs;
pub mod menu;
pub mod model;
pub mod panel_results;
pub mod results;
pub mod results_attention;
pub mod results_backtest;
pub mod results_plots;
pub mod runs;
pub mod runs_branch;
pub mod search;
pub mod search_pictures;
pub mod status;
pub mod training;

/// What the app knows that panels show, computed once per frame.
#[derive(Clone, Debug, Default)]
pub struct Facts {
    /// Training is paused.
    pub paused: bool,
    /// Why Train (and the tools) cannot run now, if they cannot.
    pub train_blocker: Option<String>,
    /// Where runs are recorded.
    pub runs_dir: PathBuf,
    /// Frame time median and p99 in ms, once measured.
    pub frame: Option<(f64, f64)>,
}

/// A panel's view of the app: the runtime state to read, the remembered settings to
/// edit in place, and the frame's facts.
pub struct PanelView<'a> {
    /// Runtime state (engine results, the live run, messages).
    pub session: &'a Session,
    /// Remembered settings (the run configuration, view options).
    pub persisted: &'a mut Persisted,
    /// Derived facts.
    pub facts: &'a Facts,
}

impl PanelView<'_> {
    /// Why Train cannot run now, if it cannot.
    pub fn train_blocker(&self) -> Option<String> {
        self.facts.train_blocker.clone()
    }

    /// Whether training is paused.
    pub fn is_paused(&self) -> bool {
        self.facts.paused
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    /// Panels see the app only through [`super::PanelView`] and intents: none names the
    /// app type or its module.
    #[test]
    fn no_panel_imports_the_app() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/gui/panels");
        let mut files = Vec::new();
        let mut stack = vec![dir];
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(d).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    files.push(path);
                }
            }
        }
        assert!(files.len() >= 13, "{files:?}");
        let offenders: Vec<String> = files
            .iter()
            .filter(|f| !f.ends_with("panels/mod.rs"))
            .filter(|f| {
                let text = std::fs::read_to_string(f).unwrap();
                text.contains("SeqcastApp") || text.contains("gui::app")
            })
            .map(|f| f.display().to_string())
            .collect();
        assert!(
            offenders.is_empty(),
            "panels importing the app: {offenders:?}"
        );
    }
}
