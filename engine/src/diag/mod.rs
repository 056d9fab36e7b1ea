//! Training diagnostics: rules that read the loss, gradient and validation history and
//! say what is going wrong and what to change, following the RNN playbook. Each alert is
//! tied to a measured signal and carries a concrete remedy; [`fixes`] turns a remedy
//! into a changed configuration and [`tools`] holds the "loss does not fall" checklist
//! tools (overfit one batch, learning-rate range test).

pub mod baseline;
pub mod doctor;
pub mod fixes;
pub mod tools;

use serde::{Deserialize, Serialize};

pub use crate::train::ValCheck;
pub use crate::train::grads::{EXPLODING_NORM, VANISHING_NORM};
pub use baseline::BaselineCheck;
pub use doctor::{Diagnosis, Doctor};

use crate::text::count;
use crate::train::{EpochRecord, StopReason};

/// What to do about a flat loss.
pub const FLAT_REMEDY: &str = "Raise the learning rate (x10), check that the target column is right, and try overfitting one small batch.";
/// What to do about a flat loss while gradients spike.
pub const FLAT_WHILE_EXPLODING: &str = "Tame the exploding gradients first (lower lr, clipping): steps that spike cannot lower the loss. Then try overfitting one small batch.";
/// Relative change treated as noise by the trend rules (1%).
const NOISE: f64 = 0.01;
/// Share of steps clipped above which clipping is doing the optimiser's job.
pub const CLIP_RATE_LIMIT: f64 = 0.5;
/// Oscillating without rising often: the training loss's epoch-to-epoch moves over the
/// last 5 epochs add up to more than this many times its net change...
const BOUNCE_TRAVEL: f64 = 3.0;
/// ... and its highest value is this much above its lowest (20 %).
const BOUNCE_SWING: f64 = 0.2;
/// Forecast spread (relative to the actual values') below which predictions collapsed.
pub const COLLAPSED_SPREAD: f64 = 0.1;
/// Distance from the last value (relative to the actual values') below which the model
/// is copying its last input.
pub const COPY_RATIO: f64 = 0.15;

/// What an alert is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// Gradient norms above 10, or clipping on most steps.
    Exploding,
    /// First-layer or earliest-time-step gradient norm below 1e-5.
    Vanishing,
    /// Loss, gradients or weights became NaN / infinite.
    NonFinite,
    /// Validation loss rising while training loss falls.
    Overfitting,
    /// Training loss hardly moved since the first epoch.
    Flat,
    /// Training loss going up and down.
    Oscillating,
    /// Validation forecasts are nearly constant.
    Collapsed,
    /// Validation forecasts repeat the last input value.
    CopiesLastValue,
    /// The model does not beat repeating the last value on validation (checked while
    /// training).
    WorseThanNaive,
    /// After training: the model is worse than the best baseline on validation.
    WorseThanBaseline,
    /// After training: no trained epoch forecast better on validation than the model's
    /// start (a linear skip fitted or set to a baseline), so the start was kept.
    StartKept,
}

impl AlertKind {
    /// A short title for lists.
    pub fn title(self) -> &'static str {
        match self {
            Self::Exploding => "Exploding gradients",
            Self::Vanishing => "Vanishing gradients",
            Self::NonFinite => "NaN / infinity",
            Self::Overfitting => "Overfitting",
            Self::Flat => "Loss not falling",
            Self::Oscillating => "Oscillating loss",
            Self::Collapsed => "Collapsed predictions",
            Self::CopiesLastValue => "Copies the last value",
            Self::WorseThanNaive => "Worse than naive",
            Self::WorseThanBaseline => "Worse than a baseline",
            Self::StartKept => "Training did not beat the start",
        }
    }
}

/// A diagnosis with its evidence and remedy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    /// The rule that fired.
    pub kind: AlertKind,
    /// Epoch at which it was detected.
    pub epoch: usize,
    /// What was measured.
    pub message: String,
    /// What to change.
    pub remedy: String,
}

/// Alerts raised by the history up to its last epoch.
pub fn epoch_alerts(history: &[EpochRecord]) -> Vec<Alert> {
    let Some(last) = history.last() else {
        return Vec::new();
    };
    let epoch = last.epoch;
    let mut alerts = Vec::new();
    let alert = |kind, message: String, remedy: &str| Alert {
        kind,
        epoch,
        message,
        remedy: remedy.to_string(),
    };
    if last.grad_norm_max > EXPLODING_NORM || last.clip_rate > CLIP_RATE_LIMIT {
        alerts.push(alert(
            AlertKind::Exploding,
            format!(
                "gradient norm reached {:.3} (threshold {EXPLODING_NORM}); clipping fired on {:.0}% of steps",
                last.grad_norm_max,
                100.0 * last.clip_rate
            ),
            "Lower the learning rate (try x0.3) and keep global-norm clipping at 1-5.",
        ));
    }
    if let Some(a) = vanishing(history) {
        alerts.push(alert(AlertKind::Vanishing, a.0, &a.1));
    }
    if history.len() >= 4 {
        let tail = &history[history.len() - 4..];
        let val: Vec<f64> = tail.iter().filter_map(|e| e.val_loss).collect();
        // Rising in every epoch and by more than noise (1% over the three epochs).
        let val_rising = val.len() == 4
            && val.windows(2).all(|w| w[1] > w[0])
            && val[3] > val[0] * (1.0 + NOISE);
        let train_falling = tail.windows(2).all(|w| w[1].train_loss < w[0].train_loss);
        if val_rising && train_falling {
            alerts.push(alert(
                AlertKind::Overfitting,
                "validation loss rose for 3 epochs while training loss fell".into(),
                "Add dropout (0.2-0.5; variational, the same mask at every step, 0.1-0.3 for the recurrent connections: --dropout-mode variational), weight decay (1e-5), or rely on early stopping (patience 5-10).",
            ));
        }
    }
    if history.len() >= 3
        && let Some(first) = history.first()
    {
        let change = (first.train_loss - last.train_loss) / first.train_loss.abs().max(1e-12);
        if change.abs() < 0.01 {
            let exploding = history
                .iter()
                .any(|e| e.grad_norm_max > EXPLODING_NORM || e.clip_rate > CLIP_RATE_LIMIT);
            alerts.push(alert(
                AlertKind::Flat,
                format!(
                    "training loss moved {:.2}% in {} epochs",
                    100.0 * change,
                    history.len()
                ),
                if exploding {
                    // Raising the lr would make the spikes worse.
                    FLAT_WHILE_EXPLODING
                } else {
                    FLAT_REMEDY
                },
            ));
        }
    }
    if history.len() >= 6 {
        let tail = &history[history.len() - 6..];
        let ups = tail
            .windows(2)
            .filter(|w| w[1].train_loss > w[0].train_loss)
            .count();
        // A converged loss wobbles too: only swings larger than noise count.
        let (lo, hi) = tail
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), e| {
                (lo.min(e.train_loss), hi.max(e.train_loss))
            });
        // Steps too large for a bounded-gradient loss (pinball, MAE) do not blow up: the
        // loss jumps up and down by a fifth or more and gets nowhere.
        let travel: f64 = tail
            .windows(2)
            .map(|w| (w[1].train_loss - w[0].train_loss).abs())
            .sum();
        let net = (tail[5].train_loss - tail[0].train_loss).abs();
        let bouncing = travel > BOUNCE_TRAVEL * net && hi > lo * (1.0 + BOUNCE_SWING);
        if (ups >= 3 && hi > lo * (1.0 + 5.0 * NOISE)) || bouncing {
            let message = if ups >= 3 {
                format!("training loss rose in {ups} of the last 5 epochs")
            } else {
                format!(
                    "training loss swings by up to {:.0}% between epochs and got nowhere \
                     over the last 5 (moved {:.3} in all, {:.3} net)",
                    100.0 * (hi / lo.max(1e-12) - 1.0),
                    travel,
                    net
                )
            };
            alerts.push(alert(
                AlertKind::Oscillating,
                message,
                "Lower the learning rate or add a schedule (reduce-on-plateau: factor 0.5, patience 5).",
            ));
        }
    }
    alerts.extend(
        forecast_alerts(history)
            .into_iter()
            .map(|(kind, message, remedy)| alert(kind, message, remedy)),
    );
    alerts
}

/// Vanishing gradients: the first layer's gradient, or the gradient reaching the oldest
/// time steps of the window (latest measurement), below 1e-5.
fn vanishing(history: &[EpochRecord]) -> Option<(String, String)> {
    let last = history.last()?;
    if let Some((name, norm)) = last.layer_grad_norms.first()
        && *norm < VANISHING_NORM
        && history.len() >= 2
    {
        return Some((
            format!(
                "{name} gradient norm is {norm:.2e}, below {VANISHING_NORM:e}: {}",
                fixes::FIRST_LAYER
            ),
            "Use an LSTM or GRU, keep orthogonal initialisation, shorten the lookback, or use \
             fewer layers; a stack of three or more layers can keep its depth with residual \
             connections (Model > Residual, --residual true) or layer normalisation inside \
             the cells (Model > Layer norm, --layer-norm true)."
                .into(),
        ));
    }
    let t = history.iter().rev().find_map(|e| e.time_grad)?;
    if t.early >= VANISHING_NORM {
        return None;
    }
    let message = if t.late < VANISHING_NORM {
        format!(
            "gradient reaching the {}-step window is below {VANISHING_NORM:e} at every step \
             (oldest tenth {:.1e}, newest {:.1e}): the recurrent layer barely trains",
            t.lookback, t.early, t.late
        )
    } else {
        format!(
            "gradient reaching the oldest tenth of the {}-step window is {:.1e} (newest steps: {:.1e}), \
             below {VANISHING_NORM:e}: only the last {} train the model",
            t.lookback,
            t.early,
            t.late,
            count(t.reach, "step")
        )
    };
    let shorten = if t.reach >= MIN_USEFUL_REACH && t.late >= VANISHING_NORM {
        format!(
            ", or shorten the lookback (with the linear skip: the recurrent steps) to about {} steps",
            t.reach
        )
    } else {
        String::new()
    };
    Some((
        message,
        format!(
            "Use a GRU or LSTM instead of a vanilla RNN, keep orthogonal initialisation, \
             lower the learning rate if the gradients also spike{shorten}."
        ),
    ))
}

/// Below this many steps of gradient reach, shortening the lookback is not a remedy.
const MIN_USEFUL_REACH: usize = 8;

/// Rules on the validation forecasts: collapsed, copying the last value, worse than
/// naive for the last three measured epochs.
fn forecast_alerts(history: &[EpochRecord]) -> Vec<(AlertKind, String, &'static str)> {
    let mut out = Vec::new();
    let Some(check) = history.last().and_then(|e| e.check) else {
        return out;
    };
    if history.len() < 2 {
        // The first epoch's forecasts are often still near the mean.
        return out;
    }
    if check.spread_ratio < COLLAPSED_SPREAD {
        out.push((
            AlertKind::Collapsed,
            format!(
                "validation forecasts vary {:.1}% as much as the actual values: the model predicts a near-constant",
                100.0 * check.spread_ratio
            ),
            "Raise the learning rate or train longer, keep scaling on (z-score), and check that the inputs carry the signal.",
        ));
    }
    if check.copy_ratio < COPY_RATIO {
        out.push((
            AlertKind::CopiesLastValue,
            format!(
                "validation forecasts stay within {:.0}% of the last input value's distance to the truth: the model copies the last value",
                100.0 * check.copy_ratio
            ),
            "Forecast changes instead of levels (differencing), add covariates or a longer lookback.",
        ));
    }
    let checks: Vec<ValCheck> = history
        .iter()
        .rev()
        .take(3)
        .filter_map(|e| e.check)
        .collect();
    if history.len() >= 3 && checks.len() == 3 && checks.iter().all(|c| c.model_mae >= c.naive_mae)
    {
        out.push((
            AlertKind::WorseThanNaive,
            format!(
                "validation MAE {:.4} has not beaten repeating the last value ({:.4}) for 3 epochs",
                check.model_mae, check.naive_mae
            ),
            "Try a GRU, a longer lookback, differencing for trending series, or more epochs with early stopping.",
        ));
    }
    out
}

/// Alerts about a finished run: how it stopped, whether training beat the model's
/// start (`best_epoch` 0: the start was kept), and whether the model beats every
/// baseline on validation (`val`: the validated model's out-of-sample scores).
pub fn final_alerts(
    history: &[EpochRecord],
    stop: &StopReason,
    best_epoch: Option<usize>,
    val: Option<&BaselineCheck>,
) -> Vec<Alert> {
    let epoch = history.last().map_or(0, |e| e.epoch);
    let mut alerts = epoch_alerts(history);
    if best_epoch == Some(0) && !history.is_empty() {
        alerts.push(Alert {
            kind: AlertKind::StartKept,
            epoch,
            message: format!(
                "none of the {} trained epochs forecast better on validation than the \
                 model's start (its linear skip, fitted to the training windows): the \
                 model forecasts with that start, and its recurrent layers add nothing",
                history.len()
            ),
            remedy: "The network learns noise faster than signal on this series: try a \
                     smaller model (hidden 32, one layer) and a lower learning rate (×0.3). \
                     The fitted start stays the forecast meanwhile, and the product \
                     forecast still compares it with the baselines."
                .into(),
        });
    }
    if let StopReason::NonFinite {
        what,
        step,
        last_loss,
        last_grad_norm,
        ..
    } = stop
    {
        let last = match (last_loss, last_grad_norm) {
            (Some(l), Some(g)) => {
                format!("; the step before had loss {l:.3e} and gradient norm {g:.3e}")
            }
            _ => String::new(),
        };
        alerts.push(Alert {
            kind: AlertKind::NonFinite,
            epoch,
            message: format!("the {what} became NaN or infinite at step {step}{last}"),
            remedy: "Lower the learning rate (×0.1), turn on global-norm clipping (max 1), and check the data for huge values."
                .into(),
        });
    }
    if let Some((message, remedy)) = val.and_then(BaselineCheck::verdict) {
        // The final verdict covers naive too, on the kept model rather than the last epochs.
        alerts.retain(|a| a.kind != AlertKind::WorseThanNaive);
        alerts.push(Alert {
            kind: AlertKind::WorseThanBaseline,
            epoch,
            message,
            remedy,
        });
    }
    alerts
}

#[cfg(test)]
mod tests;
