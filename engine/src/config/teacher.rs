//! Teacher forcing for the seq2seq decoder (`train.teacher_forcing`): the share of
//! decoder steps that read the true previous value instead of the decoder's own
//! forecast while training, and how that share falls over the epochs (scheduled
//! sampling, Bengio et al. 2015). Forecasts always feed the decoder its own values, so a
//! ratio that reaches 0 trains the decoder the way it is used.

use serde::{Deserialize, Serialize};

/// How the teacher-forcing ratio falls over the epochs (`--sampling-schedule`).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum SamplingSchedule {
    /// The start ratio throughout.
    Constant,
    /// From the start ratio down to 0 in a straight line, reached after `epochs` epochs
    /// (`None`: the run's epoch budget).
    Linear {
        /// Epochs to reach 0.
        epochs: Option<usize>,
    },
    /// The start ratio times `k` to the power of the epoch (0 < k < 1).
    Exp {
        /// Decay per epoch.
        k: f64,
    },
    /// Inverse sigmoid: the start ratio times `k / (k + exp(epoch / k))` (k ≥ 1; the
    /// larger, the later it falls: half-way near epoch k·ln k).
    Sigmoid {
        /// Where it falls.
        k: f64,
    },
}

/// The decoder's teacher forcing while training.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TeacherForcing {
    /// The ratio at the first epoch, in [0, 1] (`--teacher-forcing`).
    pub start: f64,
    /// How it falls.
    pub schedule: SamplingSchedule,
}

/// The default: no teacher forcing (the decoder trains on its own forecasts, as it
/// forecasts), and, when a ratio is set, a fast exponential fall (halved each epoch).
/// Chosen by evidence on the suite, seeds 1–3 (BENCHMARKS.md, "Seq2seq"): starting at 1
/// with the inverse sigmoid (k = 10) left the decoder relying on true values over the
/// tens of epochs early stopping allows (model geometric-mean ratio 1.029; ETTh1 and taxi
/// stopped at their first epoch), halving from 1 gave 0.959 and no teacher forcing 0.951.
impl Default for TeacherForcing {
    fn default() -> Self {
        Self {
            start: 0.0,
            schedule: SamplingSchedule::Exp { k: 0.5 },
        }
    }
}

impl TeacherForcing {
    /// True for the default (left out of saved configurations).
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }

    /// The ratio at `epoch` (0-based) of a run of `budget` epochs, in [0, 1].
    pub fn ratio(&self, epoch: usize, budget: usize) -> f64 {
        let e = epoch as f64;
        let factor = match self.schedule {
            SamplingSchedule::Constant => 1.0,
            SamplingSchedule::Linear { epochs } => {
                let n = epochs.unwrap_or(budget).max(1) as f64;
                (1.0 - e / n).max(0.0)
            }
            SamplingSchedule::Exp { k } => k.powf(e),
            SamplingSchedule::Sigmoid { k } => k / (k + (e / k).exp()),
        };
        (self.start * factor).clamp(0.0, 1.0)
    }

    /// What is wrong with the settings, for people; `None` when they are valid.
    pub fn problem(&self) -> Option<String> {
        if !(0.0..=1.0).contains(&self.start) {
            return Some(format!(
                "train.teacher_forcing.start must be in [0, 1], got {}",
                self.start
            ));
        }
        match self.schedule {
            SamplingSchedule::Exp { k } if !(k > 0.0 && k < 1.0) => Some(format!(
                "the exponential sampling schedule needs 0 < k < 1, got {k}"
            )),
            SamplingSchedule::Sigmoid { k } if !(k >= 1.0 && k.is_finite()) => Some(format!(
                "the inverse-sigmoid sampling schedule needs k >= 1, got {k}"
            )),
            SamplingSchedule::Linear { epochs: Some(0) } => {
                Some("the linear sampling schedule needs at least 1 epoch".into())
            }
            _ => None,
        }
    }

    /// The schedule as the command line writes it: `sigmoid=10`.
    pub fn schedule_text(&self) -> String {
        match self.schedule {
            SamplingSchedule::Constant => "constant".into(),
            SamplingSchedule::Linear { epochs: None } => "linear".into(),
            SamplingSchedule::Linear { epochs: Some(n) } => format!("linear={n}"),
            SamplingSchedule::Exp { k } => format!("exp={k}"),
            SamplingSchedule::Sigmoid { k } => format!("sigmoid={k}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tf(start: f64, schedule: SamplingSchedule) -> TeacherForcing {
        TeacherForcing { start, schedule }
    }

    #[test]
    fn schedules_give_the_ratios_computed_by_hand() {
        let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
        // Linear over a budget of 10 epochs: 1, 0.9, …, 0 at epoch 10 and after.
        let linear = tf(1.0, SamplingSchedule::Linear { epochs: None });
        assert!(close(linear.ratio(0, 10), 1.0));
        assert!(close(linear.ratio(3, 10), 0.7));
        assert!(close(linear.ratio(10, 10), 0.0));
        assert!(close(linear.ratio(25, 10), 0.0));
        // Linear over 4 epochs from 0.8: 0.8, 0.6, 0.4, 0.2, 0.
        let short = tf(0.8, SamplingSchedule::Linear { epochs: Some(4) });
        assert!(close(short.ratio(1, 1000), 0.6));
        assert!(close(short.ratio(4, 1000), 0.0));
        // Exponential, k = 0.5: 1, 0.5, 0.25, 0.125.
        let exp = tf(1.0, SamplingSchedule::Exp { k: 0.5 });
        assert!(close(exp.ratio(3, 100), 0.125));
        // Inverse sigmoid, k = 10: 10 / (10 + e^0) = 10/11 at epoch 0; at epoch 23,
        // 10 / (10 + e^2.3) = 10 / 19.974… = 0.50065.
        let sig = tf(1.0, SamplingSchedule::Sigmoid { k: 10.0 });
        assert!(close(sig.ratio(0, 100), 10.0 / 11.0));
        assert!((sig.ratio(23, 100) - 0.50065).abs() < 1e-5);
        assert!(sig.ratio(100, 100) < 1e-3);
        // Constant stays; every ratio is in [0, 1].
        assert!(close(
            tf(0.3, SamplingSchedule::Constant).ratio(50, 100),
            0.3
        ));
        assert!(TeacherForcing::default().is_default());
    }

    #[test]
    fn invalid_settings_are_named() {
        assert!(tf(1.5, SamplingSchedule::Constant).problem().is_some());
        assert!(
            tf(1.0, SamplingSchedule::Exp { k: 1.0 })
                .problem()
                .is_some()
        );
        assert!(
            tf(1.0, SamplingSchedule::Sigmoid { k: 0.5 })
                .problem()
                .is_some()
        );
        assert!(
            tf(1.0, SamplingSchedule::Linear { epochs: Some(0) })
                .problem()
                .is_some()
        );
        assert_eq!(TeacherForcing::default().problem(), None);
    }
}
