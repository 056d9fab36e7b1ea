//! The doctor's running verdict on one training run: the alerts raised so far (one per
//! kind, with the latest evidence), each with the configuration change that answers it.
//! The worker keeps one per run and sends the list whenever it changes, so a front end
//! shows alerts and fixes without running any rule itself.

use super::fixes::{self, Fix};
use super::{Alert, AlertKind, epoch_alerts};
use crate::config::RunConfig;
use crate::train::EpochRecord;

/// An alert and the change that answers it, when one can be applied.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnosis {
    /// What was found.
    pub alert: Alert,
    /// The run's configuration with the remedy applied.
    pub fix: Option<Fix>,
    /// Whether its rule still fires at the latest check (the last epoch while training,
    /// the final verdict after it). An alert that no longer holds stays listed, as what
    /// happened earlier in training (a spike at epoch 3, a copy of the last value at
    /// epoch 5 that later epochs outgrew).
    pub current: bool,
}

/// Alerts of one run as it trains, then its final verdict.
#[derive(Debug)]
pub struct Doctor {
    config: RunConfig,
    history: Vec<EpochRecord>,
    list: Vec<Diagnosis>,
}

impl Doctor {
    /// A doctor for a run trained with `config` (the configuration the fixes start from).
    pub fn new(config: &RunConfig) -> Self {
        Self {
            config: config.clone(),
            history: Vec::new(),
            list: Vec::new(),
        }
    }

    /// Folds in a finished epoch; `true` when the list of alerts changed.
    pub fn epoch(&mut self, record: EpochRecord) -> bool {
        self.history.push(record);
        let now = epoch_alerts(&self.history);
        let mut changed = self.mark_current(&now);
        for alert in now {
            changed |= self.raise(alert);
        }
        changed
    }

    /// Marks which listed alerts fire in `now`; `true` when a mark changed.
    fn mark_current(&mut self, now: &[Alert]) -> bool {
        let mut changed = false;
        for d in &mut self.list {
            let current = now.iter().any(|a| a.kind == d.alert.kind);
            changed |= d.current != current;
            d.current = current;
        }
        changed
    }

    /// After training: the final alerts (how it stopped, the verdict against every
    /// baseline) join the list; the final verdict against every baseline replaces the
    /// in-training comparison with naive alone. `true` when the list changed.
    pub fn finish(&mut self, final_alerts: &[Alert]) -> bool {
        let mut changed = self.mark_current(final_alerts);
        for alert in final_alerts {
            changed |= self.raise(alert.clone());
        }
        if final_alerts
            .iter()
            .any(|a| a.kind == AlertKind::WorseThanBaseline)
        {
            let before = self.list.len();
            self.list
                .retain(|d| d.alert.kind != AlertKind::WorseThanNaive);
            changed |= self.list.len() != before;
        }
        changed
    }

    /// The alerts so far, in the order they were first raised, current or not.
    pub fn diagnoses(&self) -> &[Diagnosis] {
        &self.list
    }

    /// Adds or refreshes an alert (one per kind); `true` when something changed.
    fn raise(&mut self, alert: Alert) -> bool {
        if let Some(existing) = self.list.iter_mut().find(|d| d.alert.kind == alert.kind) {
            if existing.alert == alert {
                return false;
            }
            existing.fix = fixes::fix(&alert, &self.config);
            existing.alert = alert;
        } else {
            let fix = fixes::fix(&alert, &self.config);
            self.list.push(Diagnosis {
                alert,
                fix,
                current: true,
            });
        }
        true
    }
}
