//! When a search stops a trial early: the median stopping rule and successive halving
//! (ASHA). Both judge a trial by its best validation loss so far against the earlier
//! trials' at the same epoch.

use super::{Method, Pruning, Trial, TuneSettings};

/// The rule a search applies: its settings' pruning, except that [`Method::Asha`]
/// always halves (with [`Pruning::ASHA`] unless the settings already name ASHA rungs).
pub fn rule(settings: &TuneSettings) -> Pruning {
    match (settings.method, settings.pruning) {
        (Method::Asha, Pruning::Asha { .. }) => settings.pruning,
        (Method::Asha, _) => Pruning::ASHA,
        (_, pruning) => pruning,
    }
}

/// The search's method and pruning for people: "random draws, successive halving at 3,
/// 9, 27 … epochs (1 in 3 go on)".
pub fn describe(settings: &TuneSettings) -> String {
    let method = match settings.method {
        Method::Random | Method::Asha => "random draws",
        Method::Grid => "grid",
        Method::Tpe => "TPE",
    };
    let pruning = match rule(settings) {
        Pruning::None => "no pruning".to_string(),
        Pruning::Median { warmup } => format!("median pruning from epoch {warmup}"),
        Pruning::Asha { min_epochs, eta } => format!(
            "successive halving at {min_epochs}, {}, {} … epochs (1 in {eta} go on)",
            min_epochs.saturating_mul(eta),
            min_epochs.saturating_mul(eta).saturating_mul(eta)
        ),
    };
    format!("{method}, {pruning}")
}

/// What is wrong with a rule's settings, for people; `None` when they are valid.
pub fn problem(pruning: Pruning) -> Option<String> {
    match pruning {
        Pruning::Asha { min_epochs, eta } if min_epochs == 0 || eta < 2 => Some(format!(
            "ASHA needs a first rung of at least 1 epoch and a reduction factor of at least \
             2, got {min_epochs} and {eta}"
        )),
        _ => None,
    }
}

/// Whether a trial whose best loss after each epoch so far is `best_by_epoch` stops
/// now, given the `earlier` trials.
pub fn should_prune(pruning: Pruning, best_by_epoch: &[f64], earlier: &[Trial]) -> bool {
    let epoch = best_by_epoch.len();
    let Some(&own) = best_by_epoch.last() else {
        return false;
    };
    // The earlier trials' best at this epoch, for those that reached it.
    let others = || {
        earlier
            .iter()
            .filter_map(move |t| t.best_by_epoch.get(epoch - 1).copied())
            .filter(|v| v.is_finite())
    };
    match pruning {
        Pruning::None => false,
        // After `warmup` epochs, stop when the best loss so far is worse than the median
        // of the earlier trials' best at the same epoch (needs two).
        Pruning::Median { warmup } => {
            if epoch < warmup.max(1) {
                return false;
            }
            let mut others: Vec<f64> = others().collect();
            if others.len() < 2 {
                return false;
            }
            others.sort_by(f64::total_cmp);
            let mid = others.len() / 2;
            let median = if others.len().is_multiple_of(2) {
                (others[mid - 1] + others[mid]) / 2.0
            } else {
                others[mid]
            };
            own > median
        }
        Pruning::Asha { min_epochs, eta } => {
            if !is_rung(epoch, min_epochs, eta) {
                return false;
            }
            if !own.is_finite() {
                return true;
            }
            // The trials at this rung, this one included: the best n / eta go on (at
            // least the best one, as Optuna does).
            let mut rung: Vec<f64> = others().collect();
            rung.push(own);
            rung.sort_by(f64::total_cmp);
            let promoted = (rung.len() / eta.max(2)).max(1);
            own > rung[promoted - 1]
        }
    }
}

/// Whether `epoch` is one of the rungs `min_epochs · eta^k`.
fn is_rung(epoch: usize, min_epochs: usize, eta: usize) -> bool {
    let (mut rung, eta) = (min_epochs.max(1), eta.max(2));
    while rung < epoch {
        rung = rung.saturating_mul(eta);
    }
    rung == epoch
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trial(best: &[f64]) -> Trial {
        Trial::finished(Vec::new(), best)
    }

    #[test]
    fn the_median_rule_needs_warmup_and_two_earlier_trials() {
        let rule = Pruning::Median { warmup: 2 };
        let earlier = [trial(&[1.0, 0.5, 0.4]), trial(&[0.9, 0.6, 0.5])];
        // median at epoch 2 is 0.55
        assert!(!should_prune(rule, &[2.0], &earlier), "before the warm-up");
        assert!(should_prune(rule, &[2.0, 0.7], &earlier));
        assert!(!should_prune(rule, &[2.0, 0.5], &earlier));
        assert!(
            !should_prune(rule, &[2.0, 0.7], &earlier[..1]),
            "one trial is no median"
        );
        assert!(!should_prune(Pruning::None, &[2.0, 0.7], &earlier));
        // epochs the earlier trials never reached do not count
        assert!(!should_prune(rule, &[2.0, 0.7, 0.6, 0.6], &earlier));
    }

    #[test]
    fn asha_keeps_the_best_third_at_each_rung() {
        assert!(is_rung(2, 2, 3) && is_rung(6, 2, 3) && is_rung(18, 2, 3));
        assert!(!is_rung(1, 2, 3) && !is_rung(3, 2, 3) && !is_rung(12, 2, 3));
        let rule = Pruning::Asha {
            min_epochs: 2,
            eta: 3,
        };
        // Rung 2: the earlier trials' best after 2 epochs are 0.5, 0.6, 0.7, 0.8, 0.9.
        let earlier: Vec<Trial> = [0.5, 0.6, 0.7, 0.8, 0.9]
            .iter()
            .map(|&v| trial(&[1.0, v, v, v, v, v]))
            .collect();
        // With this one, 6 trials at the rung: the best 2 go on.
        assert!(!should_prune(rule, &[1.0, 0.4], &earlier), "the best");
        assert!(!should_prune(rule, &[1.0, 0.55], &earlier), "second best");
        assert!(should_prune(rule, &[1.0, 0.65], &earlier), "third of six");
        assert!(!should_prune(rule, &[0.1], &earlier), "epoch 1 is no rung");
        assert!(!should_prune(rule, &[1.0, 0.65, 0.6], &earlier), "nor is 3");
        // Rung 6: only the earlier trials that ran 6 epochs count.
        assert!(should_prune(rule, &[1.0; 6], &earlier));
        // The first trials: at least the best one goes on, the rest stop.
        assert!(
            !should_prune(rule, &[1.0, 0.9], &[]),
            "the first trial goes on"
        );
        assert!(!should_prune(rule, &[1.0, 0.4], &earlier[..1]));
        assert!(should_prune(rule, &[1.0, 0.55], &earlier[..1]));
        assert!(
            should_prune(rule, &[1.0, f64::NAN], &earlier),
            "a NaN loss stops"
        );
    }

    #[test]
    fn the_asha_method_always_halves() {
        let mut settings = TuneSettings {
            method: Method::Asha,
            ..TuneSettings::default()
        };
        assert_eq!(rule(&settings), Pruning::ASHA, "over the median default");
        settings.pruning = Pruning::Asha {
            min_epochs: 1,
            eta: 4,
        };
        assert_eq!(rule(&settings), settings.pruning);
        settings.method = Method::Tpe;
        assert_eq!(rule(&settings), settings.pruning, "TPE may halve too");
        assert!(
            problem(Pruning::Asha {
                min_epochs: 1,
                eta: 1
            })
            .is_some()
        );
        assert!(problem(Pruning::ASHA).is_none());
        settings.method = Method::Asha;
        assert_eq!(
            describe(&settings),
            "random draws, successive halving at 1, 4, 16 … epochs (1 in 4 go on)"
        );
    }
}
