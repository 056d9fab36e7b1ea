//! The linear skip's starting weights (`model.skip_init`): a map `[lookback × horizon]`
//! that reproduces a baseline's forecast exactly, so a fresh model forecasts at least as
//! well as that baseline and training learns a correction from there.
//!
//! The skip maps each forecast column's window `x₀ … x_{L−1}` (after the window
//! normalisation, which subtracts a level `c`) to the horizon, and the level is added
//! back. Weights whose rows sum to 1 commute with that shift (`Σ w·(x−c) + c = Σ w·x`),
//! so each map below gives the same forecast under every `window_norm`:
//! - naive: `ŷ_{T+h} = x_{L−1}`;
//! - seasonal naive with period `m`: `ŷ_{T+h} = x_{L−1−(m⌈h/m⌉−h)}` (needs `L ≥ m`);
//! - drift: `ŷ_{T+h} = x_{L−1} + h·(x_{L−1} − x₀)/(L−1)`.
//!
//! When the skip starts from a baseline, the head starts at zero too, so the fresh model
//! forecasts exactly that baseline and the recurrent layers learn a correction that
//! starts at zero (their gradient flows as soon as the head's first step moves it).

use burn::module::Param;
use burn::tensor::{Device, TensorData};

use super::TrainData;
use crate::config::SkipInit;
use crate::model::Forecaster;

/// A baseline the skip can start from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SkipStart {
    /// Repeat the last value.
    Naive,
    /// Repeat the value one season back.
    SeasonalNaive(usize),
    /// Extend the line through the window's first and last values.
    Drift,
}

impl SkipStart {
    /// The weights, row-major `[lookback × horizon]`; `None` when the window cannot
    /// express it (seasonal naive with a lookback shorter than the season or a season
    /// of 1, drift with a one-step lookback).
    pub fn weights(self, lookback: usize, horizon: usize) -> Option<Vec<f32>> {
        let mut w = vec![0.0f32; lookback * horizon];
        let last = lookback.checked_sub(1)?;
        for h in 1..=horizon {
            let col = h - 1;
            match self {
                Self::Naive => w[last * horizon + col] = 1.0,
                Self::SeasonalNaive(m) => {
                    if m < 2 || lookback < m {
                        return None;
                    }
                    let back = m * h.div_ceil(m) - h;
                    w[(last - back) * horizon + col] = 1.0;
                }
                Self::Drift => {
                    if lookback < 2 {
                        return None;
                    }
                    let slope = h as f32 / last as f32;
                    w[last * horizon + col] += 1.0 + slope;
                    w[col] -= slope;
                }
            }
        }
        Some(w)
    }

    /// A name for logs and tests.
    pub fn name(self) -> &'static str {
        match self {
            Self::Naive => "naive",
            Self::SeasonalNaive(_) => "seasonal naive",
            Self::Drift => "drift",
        }
    }
}

/// The starting weights `kind` asks for on `data` (`None`: keep the zero start), and the
/// baseline they reproduce (for `fitted`: the one the fit is shrunk toward).
pub fn initial_skip(kind: SkipInit, data: &TrainData<'_>) -> Option<(SkipStart, Vec<f32>)> {
    let (l, h) = (data.lookback, data.horizon);
    let with = |s: SkipStart| s.weights(l, h).map(|w| (s, w));
    match kind {
        SkipInit::Zero => None,
        SkipInit::Naive => with(SkipStart::Naive),
        SkipInit::SeasonalNaive => {
            with(SkipStart::SeasonalNaive(data.season)).or_else(|| with(SkipStart::Naive))
        }
        SkipInit::Fitted => {
            let (start, w0) = initial_skip(SkipInit::Best, data)?;
            let w = super::skip_fit::fitted(data, &w0).unwrap_or(w0);
            Some((start, w))
        }
        SkipInit::Best => {
            let (x, y) = data.gather(data.train);
            [
                SkipStart::Naive,
                SkipStart::SeasonalNaive(data.season),
                SkipStart::Drift,
            ]
            .into_iter()
            .filter_map(with)
            .map(|(s, w)| {
                let err = mean_abs_error(&x, &y, &w, data);
                (s, w, err)
            })
            // A tie keeps the earlier, simpler start.
            .min_by(|a, b| a.2.total_cmp(&b.2))
            .map(|(s, w, _)| (s, w))
        }
    }
}

/// Sets `model`'s skip to `w` (`[lookback × horizon]`) and its head to zero.
pub fn start_from(model: &mut Forecaster, w: Vec<f32>, device: &Device) {
    let horizon = model.horizon;
    let lookback = w.len() / horizon.max(1);
    model.skip_w = Some(Param::from_data(
        TensorData::new(w, [lookback, horizon]),
        device,
    ));
    let [hidden, out] = model.head_w.val().dims();
    model.head_w = Param::from_data(
        TensorData::new(vec![0.0f32; hidden * out], [hidden, out]),
        device,
    );
    model.head_b = Param::from_data(TensorData::new(vec![0.0f32; out], [out]), device);
}

/// For a quantile `model` whose head is still at zero (every level forecasts the
/// skip's forecast), head biases that give each level that quantile of the model's
/// errors on the training windows (`actual − forecast`): the model then forecasts the
/// skip's forecast as its median, with bands as wide as its errors were, which is how
/// its start is judged against the trained epochs (`Trainer::judge_start`). A direct
/// model gets one offset per horizon step; a recursive one, rolled forward over the
/// horizon with one offset for every step, the quantiles of its errors over all of them
/// (from the origins whose whole horizon lies in the training rows) less their median,
/// since its point forecast is fed back. `None` when there is nothing to measure.
pub fn error_quantiles(
    model: &Forecaster,
    data: &TrainData<'_>,
    levels: &[f64],
) -> Option<Vec<f32>> {
    let steps = data.forecast_steps();
    let last_train = data.train.iter().copied().max()?;
    let origins: Vec<usize> = match data.rollout {
        0 => data.train.to_vec(),
        r => (data.train.iter().copied())
            .filter(|o| o + r <= last_train + 1)
            .collect(),
    };
    let all = super::predict::point_errors(model, data, &origins).ok()?;
    let targets = data.targets;
    // The model's own steps: one for a recursive model, the horizon for a direct one.
    let own = if data.rollout > 0 { 1 } else { steps };
    let out = model.head_b.val().dims()[0];
    if origins.is_empty()
        || all.len() != origins.len() * steps * targets
        || out != levels.len() * own * targets
    {
        return None;
    }
    let mut bias = vec![0.0f32; out];
    for target in 0..targets {
        for s in 0..own {
            let mut errors: Vec<f32> = (0..origins.len())
                .flat_map(|w| (0..steps).map(move |k| (w, k)))
                .filter(|&(_, k)| own == 1 || k == s)
                .map(|(w, k)| all[(w * steps + k) * targets + target])
                .collect();
            if errors.is_empty() || errors.iter().any(|e| !e.is_finite()) {
                return None;
            }
            errors.sort_by(f32::total_cmp);
            let centre = if data.rollout > 0 {
                sorted_quantile(&errors, 0.5)
            } else {
                0.0
            };
            for (q, level) in levels.iter().enumerate() {
                bias[(q * own + s) * targets + target] = sorted_quantile(&errors, *level) - centre;
            }
        }
    }
    Some(bias)
}

/// Sets `model`'s head bias to `bias` (its length must be the head's outputs).
pub fn set_head_bias(model: &mut Forecaster, bias: Vec<f32>, device: &Device) {
    let out = bias.len();
    model.head_b = Param::from_data(TensorData::new(bias, [out]), device);
}

/// The `level` quantile of increasing, non-empty `sorted` values, interpolated between
/// the two nearest order statistics.
fn sorted_quantile(sorted: &[f32], level: f64) -> f32 {
    let pos = level.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    let frac = (pos - lo as f64) as f32;
    sorted[lo] + frac * (sorted[hi] - sorted[lo])
}

/// Mean absolute error of the skip `w` alone on gathered windows (`x: [W × L × F]`,
/// `y: [W × H × T]`, both after the window normalisation).
fn mean_abs_error(x: &[f32], y: &[f32], w: &[f32], data: &TrainData<'_>) -> f64 {
    let (l, h, f, t) = (data.lookback, data.horizon, data.features, data.targets);
    let windows = x.len() / (l * f).max(1);
    let mut sum = 0.0f64;
    let mut n = 0usize;
    for k in 0..windows {
        for target in 0..t {
            for step in 0..h {
                let mut pred = 0.0f32;
                for i in 0..l {
                    pred += x[(k * l + i) * f + target] * w[i * h + step];
                }
                let actual = y[(k * h + step) * t + target];
                sum += f64::from((pred - actual).abs());
                n += 1;
            }
        }
    }
    if n == 0 {
        f64::INFINITY
    } else {
        sum / n as f64
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::config::WindowNorm;

    /// `w` applied to one window (`x` of length L) for each step.
    fn apply(w: &[f32], x: &[f32], horizon: usize) -> Vec<f32> {
        (0..horizon)
            .map(|s| {
                x.iter()
                    .enumerate()
                    .map(|(i, v)| v * w[i * horizon + s])
                    .sum()
            })
            .collect()
    }

    #[test]
    fn each_start_reproduces_its_baseline_by_hand() {
        let x = [3.0, 5.0, 4.0, 8.0, 6.0, 7.0]; // L = 6, origin value 7
        let naive = SkipStart::Naive.weights(6, 3).unwrap();
        assert_eq!(apply(&naive, &x, 3), [7.0, 7.0, 7.0]);
        // season 4: steps 1..5 repeat x[2], x[3], x[4], x[5], then x[2] again
        let seasonal = SkipStart::SeasonalNaive(4).weights(6, 5).unwrap();
        assert_eq!(apply(&seasonal, &x, 5), [4.0, 8.0, 6.0, 7.0, 4.0]);
        // drift: slope (7 − 3) / 5 = 0.8 per step
        let drift = SkipStart::Drift.weights(6, 2).unwrap();
        let d = apply(&drift, &x, 2);
        assert!(
            (d[0] - 7.8).abs() < 1e-5 && (d[1] - 8.6).abs() < 1e-5,
            "{d:?}"
        );
        // the level shift of a window normalisation commutes with each map
        let shifted: Vec<f32> = x.iter().map(|v| v - 7.0).collect();
        let a = apply(&seasonal, &x, 5);
        let b: Vec<f32> = apply(&seasonal, &shifted, 5)
            .iter()
            .map(|v| v + 7.0)
            .collect();
        assert_eq!(a, b);
        let a = apply(&drift, &shifted, 2);
        assert!((a[0] + 7.0 - 7.8).abs() < 1e-5);
        // what a window cannot express
        assert_eq!(SkipStart::SeasonalNaive(12).weights(6, 3), None);
        assert_eq!(SkipStart::SeasonalNaive(1).weights(6, 3), None);
        assert_eq!(SkipStart::Drift.weights(1, 3), None);
    }

    #[test]
    fn best_picks_the_start_that_fits_the_training_windows() {
        // A period-4 pattern: seasonal naive is exact, naive and drift are not.
        let matrix: Vec<f32> = (0..60).map(|i| [1.0, 5.0, 2.0, 8.0][i % 4]).collect();
        let train: Vec<usize> = (7..50).collect();
        let data = TrainData {
            matrix: &matrix,
            features: 1,
            targets: 1,
            lookback: 8,
            horizon: 3,
            train: &train,
            val: &[],
            window_norm: WindowNorm::Last,
            season: 4,
            known: crate::train::KnownAhead::default(),
            rollout: 0,
        };
        let (start, w) = initial_skip(SkipInit::Best, &data).unwrap();
        assert_eq!(start, SkipStart::SeasonalNaive(4));
        let (x, y) = data.gather(&train);
        assert_eq!(mean_abs_error(&x, &y, &w, &data), 0.0);
        // a trend: drift is exact
        let matrix: Vec<f32> = (0..60).map(|i| 2.0 * i as f32).collect();
        let data = TrainData {
            matrix: &matrix,
            ..data
        };
        assert_eq!(
            initial_skip(SkipInit::Best, &data).unwrap().0,
            SkipStart::Drift
        );
        // seasonal naive without a season to repeat falls back to naive
        let data = TrainData { season: 1, ..data };
        assert_eq!(
            initial_skip(SkipInit::SeasonalNaive, &data).unwrap().0,
            SkipStart::Naive
        );
        assert!(initial_skip(SkipInit::Zero, &data).is_none());
    }

    /// A quantile model with horizon `horizon` whose skip repeats the last value and
    /// whose head is at zero.
    fn naive_quantile_model(lookback: usize, horizon: usize, levels: &[f64]) -> Forecaster {
        let config = crate::config::ModelConfig {
            hidden: 4,
            layers: 1,
            window_norm: WindowNorm::Last,
            ..crate::config::ModelConfig::default()
        };
        let shape = crate::model::ModelShape {
            features: 1,
            lookback,
            horizon,
            targets: 1,
            quantiles: Some(crate::config::QuantileLevels::new(levels).unwrap()),
            known: 0,
        };
        let device = crate::model::cpu_device();
        let mut model = Forecaster::new(&config, shape, &mut crate::rng::Rng::new(1), &device);
        let w = SkipStart::Naive.weights(lookback, horizon).unwrap();
        start_from(&mut model, w, &device);
        model
    }

    #[test]
    fn error_quantiles_are_the_starts_errors_by_hand() {
        // Differences d[i] = m[i+1] − m[i]: naive's one-step error at origin o is d[o].
        let d = [5.0f32, 3.0, 0.0, 4.0, 1.0, 2.0, 6.0, 1.0, 1.0, 1.0, 1.0];
        let mut matrix = vec![10.0f32];
        for step in d {
            matrix.push(matrix[matrix.len() - 1] + step);
        }
        let train = [1usize, 2, 3, 4, 5];
        let data = TrainData {
            matrix: &matrix,
            features: 1,
            targets: 1,
            lookback: 2,
            horizon: 1,
            train: &train,
            val: &[],
            window_norm: WindowNorm::Last,
            season: 1,
            known: crate::train::KnownAhead::default(),
            rollout: 0,
        };
        let close = |got: Vec<f32>, want: &[f32]| {
            assert_eq!(got.len(), want.len(), "{got:?}");
            assert!(
                got.iter().zip(want).all(|(g, w)| (g - w).abs() < 1e-5),
                "{got:?} against {want:?}"
            );
        };
        // One step: errors 3, 0, 4, 1, 2; the 0.1 quantile 0.4 of the way from 0 to 1.
        let model = naive_quantile_model(2, 1, &[0.1, 0.5, 0.9]);
        close(
            error_quantiles(&model, &data, &[0.1, 0.5, 0.9]).unwrap(),
            &[0.4, 2.0, 3.6],
        );
        // Two steps, one offset each (level-major): step 2's errors d[o] + d[o+1] are
        // 3, 4, 5, 3, 8.
        let data2 = TrainData { horizon: 2, ..data };
        let model = naive_quantile_model(2, 2, &[0.1, 0.9]);
        close(
            error_quantiles(&model, &data2, &[0.1, 0.9]).unwrap(),
            &[0.4, 3.0, 3.6, 6.8],
        );
        // Recursive over two steps: origins 1–4 (their horizon stays in the training
        // rows), errors pooled over both steps (3, 0, 4, 1 and 3, 4, 5, 3), less their
        // median 3, since the point forecast is fed back.
        let rolled = TrainData { rollout: 2, ..data };
        let model = naive_quantile_model(2, 1, &[0.1, 0.5, 0.9]);
        close(
            error_quantiles(&model, &rolled, &[0.1, 0.5, 0.9]).unwrap(),
            &[-2.3, 0.0, 1.3],
        );
    }
}
