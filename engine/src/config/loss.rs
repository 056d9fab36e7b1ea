//! The training loss, including the pinball loss of quantile models.

use serde::{Deserialize, Serialize};

/// Training loss.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum LossKind {
    /// Mean squared error.
    Mse,
    /// Mean absolute error.
    Mae,
    /// Huber loss: quadratic below `delta`, linear above.
    Huber {
        /// Transition point on the scaled target.
        delta: f64,
    },
    /// Pinball (quantile) loss: the head emits one forecast per level and horizon
    /// step, each trained to be that quantile of the target (`--loss quantile=0.1,0.5,0.9`).
    Quantile {
        /// The quantile levels, increasing, each in (0, 1).
        levels: QuantileLevels,
    },
}

impl LossKind {
    /// Forecasts the head emits per horizon step and target: the number of quantile
    /// levels, 1 for the point losses.
    pub fn outputs_per_step(&self) -> usize {
        match self {
            Self::Quantile { levels } => levels.len().max(1),
            _ => 1,
        }
    }

    /// The loss when every forecast is off by `error` (scaled units), over or under the
    /// truth equally often: `error²` for MSE, `error` for MAE, Huber's value at `error`,
    /// and `error / 2` for the pinball loss (each level weighs an error by τ on one side
    /// and 1 − τ on the other). Puts thresholds such as the overfit test's on one scale.
    pub fn at_error(&self, error: f64) -> f64 {
        let error = error.abs();
        match self {
            Self::Mse => error * error,
            Self::Mae => error,
            Self::Huber { delta } => {
                let c = error.min(*delta);
                0.5 * c * c + delta * (error - c)
            }
            Self::Quantile { .. } => 0.5 * error,
        }
    }

    /// The quantile levels of a quantile loss.
    pub fn quantiles(&self) -> Option<&QuantileLevels> {
        match self {
            Self::Quantile { levels } => Some(levels),
            _ => None,
        }
    }
}

impl Default for LossKind {
    /// The pinball loss at the default levels (0.025, 0.1, 0.5, 0.9, 0.975): the median is
    /// the point forecast and the outer pairs give the 80 % and 95 % intervals, which CQR
    /// calibrates. Chosen over MSE on the whole suite (BENCHMARKS, "The loss").
    fn default() -> Self {
        Self::Quantile {
            levels: QuantileLevels::default(),
        }
    }
}

/// At most this many quantile levels per model.
pub const MAX_QUANTILES: usize = 9;

/// Quantile levels (a fixed-size list, so the loss stays `Copy`); written as a plain
/// list in TOML and JSON (`levels = [0.1, 0.5, 0.9]`).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Vec<f64>", into = "Vec<f64>")]
pub struct QuantileLevels {
    values: [f64; MAX_QUANTILES],
    len: usize,
}

impl QuantileLevels {
    /// `levels` when there are 1 to [`MAX_QUANTILES`] of them, increasing, each
    /// strictly between 0 and 1; otherwise the reason.
    pub fn new(levels: &[f64]) -> Result<Self, String> {
        if levels.is_empty() || levels.len() > MAX_QUANTILES {
            return Err(format!(
                "quantile levels: 1 to {MAX_QUANTILES} of them, got {}",
                levels.len()
            ));
        }
        if let Some(bad) = levels
            .iter()
            .find(|l| !(l.is_finite() && **l > 0.0 && **l < 1.0))
        {
            return Err(format!(
                "quantile level {bad} is not strictly between 0 and 1"
            ));
        }
        if levels.windows(2).any(|w| w[0] >= w[1]) {
            return Err("quantile levels must be increasing, each once".into());
        }
        let mut values = [0.0; MAX_QUANTILES];
        values[..levels.len()].copy_from_slice(levels);
        Ok(Self {
            values,
            len: levels.len(),
        })
    }

    /// The levels, increasing.
    pub fn as_slice(&self) -> &[f64] {
        self.values.get(..self.len).unwrap_or(&[])
    }

    /// How many levels.
    pub fn len(&self) -> usize {
        self.as_slice().len()
    }

    /// Whether there are none (never, for levels built by [`new`](Self::new)).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The weights of each level in the point forecast: the level nearest 0.5 (the
    /// median when it is trained), or the mean of the two equally near.
    pub fn point_weights(&self) -> Vec<f64> {
        let levels = self.as_slice();
        let distance = |l: f64| (l - 0.5).abs();
        let nearest = levels
            .iter()
            .map(|&l| distance(l))
            .fold(f64::INFINITY, f64::min);
        let chosen: Vec<bool> = levels
            .iter()
            .map(|&l| (distance(l) - nearest).abs() < 1e-12)
            .collect();
        let n = chosen.iter().filter(|c| **c).count().max(1) as f64;
        chosen
            .iter()
            .map(|&c| if c { 1.0 / n } else { 0.0 })
            .collect()
    }

    /// The pair of levels `(lower, upper)` that make a central interval at `level`
    /// (e.g. 0.1 and 0.9 for 80 %), as indices, when both are trained.
    pub fn pair_for(&self, level: f64) -> Option<(usize, usize)> {
        let tail = (1.0 - level) / 2.0;
        let find = |target: f64| {
            self.as_slice()
                .iter()
                .position(|&l| (l - target).abs() < 1e-9)
        };
        Some((find(tail)?, find(1.0 - tail)?))
    }
}

impl Default for QuantileLevels {
    /// The median and the bounds of the default 80 % and 95 % intervals.
    fn default() -> Self {
        let mut values = [0.0; MAX_QUANTILES];
        let levels = [0.025, 0.1, 0.5, 0.9, 0.975];
        values[..levels.len()].copy_from_slice(&levels);
        Self {
            values,
            len: levels.len(),
        }
    }
}

impl TryFrom<Vec<f64>> for QuantileLevels {
    type Error = String;

    fn try_from(levels: Vec<f64>) -> Result<Self, String> {
        Self::new(&levels)
    }
}

impl From<QuantileLevels> for Vec<f64> {
    fn from(levels: QuantileLevels) -> Self {
        levels.as_slice().to_vec()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn levels_are_checked_and_round_trip_through_toml() {
        assert!(QuantileLevels::new(&[]).is_err());
        assert!(QuantileLevels::new(&[0.0, 0.5]).is_err());
        assert!(QuantileLevels::new(&[0.5, 0.1]).is_err());
        assert!(QuantileLevels::new(&[0.1; 10]).is_err());
        let levels = QuantileLevels::new(&[0.1, 0.5, 0.9]).unwrap();
        assert_eq!(levels.point_weights(), vec![0.0, 1.0, 0.0]);
        assert_eq!(levels.pair_for(0.8), Some((0, 2)));
        assert_eq!(levels.pair_for(0.95), None);
        let even = QuantileLevels::new(&[0.1, 0.9]).unwrap();
        assert_eq!(even.point_weights(), vec![0.5, 0.5]);

        #[derive(Serialize, Deserialize)]
        struct Holder {
            loss: LossKind,
        }
        let text = toml::to_string(&Holder {
            loss: LossKind::Quantile { levels },
        })
        .unwrap();
        assert!(text.contains("levels = [0.1, 0.5, 0.9]"), "{text}");
        let back: Holder = toml::from_str(&text).unwrap();
        assert_eq!(back.loss, LossKind::Quantile { levels });
        let bad: Result<Holder, _> =
            toml::from_str("[loss]\nkind = \"quantile\"\nlevels = [0.9, 0.1]\n");
        assert!(bad.is_err());
    }

    #[test]
    fn the_loss_at_an_error_follows_each_formula() {
        assert!((LossKind::Mse.at_error(0.1) - 0.01).abs() < 1e-15);
        assert!((LossKind::Mae.at_error(-0.1) - 0.1).abs() < 1e-15);
        let huber = LossKind::Huber { delta: 0.5 };
        assert!((huber.at_error(0.2) - 0.02).abs() < 1e-15);
        // 0.5·0.25 + 0.5·(1 − 0.5)
        assert!((huber.at_error(1.0) - 0.375).abs() < 1e-15);
        // Pinball at the default levels, 0.2 above the truth: the mean of 1 − τ over
        // (0.025, 0.1, 0.5, 0.9, 0.975) is 0.5, so 0.1.
        assert!((LossKind::default().at_error(0.2) - 0.1).abs() < 1e-15);
    }
}
