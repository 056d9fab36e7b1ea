//! The recursive strategy's forecasts: a one-step model rolled forward over the horizon.
//! At each step the window moves one row: its oldest row is dropped, and the new row holds
//! the step's point forecast for each target and the covariates' values, which are known
//! in advance (a recursive run refuses any other covariate, `Prepared`).

use super::TrainData;
use super::blocks::{point_of, sorted_blocks};
use crate::data::window::gather_inputs;
use crate::error::{EngineError, Result};
use crate::model::Forecaster;

/// The model's forecasts of `data.rollout` steps for the windows at `origins`, with each
/// window's level added back: `[windows, quantiles·rollout·targets]`, laid out as a
/// direct model's outputs (one block per quantile level, step-major within it).
pub(super) fn forecast(
    model: &Forecaster,
    data: &TrainData<'_>,
    origins: &[usize],
) -> Result<Vec<f32>> {
    let steps = data.rollout;
    check(model, data)?;
    let (n, targets) = (origins.len(), data.targets);
    let blocks = model.quantiles.max(1);
    let mut rolling = Rolling::new(data, origins);
    let mut out = vec![0.0f32; n * blocks * steps * targets];
    for k in 0..steps {
        let (step, point) = rolling.predict(model)?;
        for w in 0..n {
            for b in 0..blocks {
                for t in 0..targets {
                    let (Some(slot), Some(v)) = (
                        out.get_mut(w * blocks * steps * targets + (b * steps + k) * targets + t),
                        step.get((w * blocks + b) * targets + t),
                    ) else {
                        continue;
                    };
                    *slot = *v;
                }
            }
        }
        rolling.advance(&point);
    }
    Ok(out)
}

/// A recursive training batch unrolled over the horizon (`train.unroll`): for each
/// window at `origins` and each step `k` of `data.rollout`, the window `k` rows on whose
/// last `k` target values are the model's own forecasts (made without dropout and not
/// differentiated: the gradient does not flow back through them), with the true value
/// one step after it as the target. A step enters only while `origin + k` is at most the
/// last training origin, so the targets never reach past the training rows. This is
/// "data as demonstrator"
/// (Venkatraman et al., 2015): the model learns to correct the drift of its own
/// rolled-forward inputs, which one-step training never shows it (exposure bias).
pub(super) fn unrolled_batch(
    model: &Forecaster,
    data: &TrainData<'_>,
    origins: &[usize],
) -> Result<Unrolled> {
    check(model, data)?;
    let (features, targets) = (data.features, data.targets);
    // The last training origin: its one-step target is the last training row reached.
    let last_train = data.train.iter().copied().max().unwrap_or(0);
    let mut rolling = Rolling::new(data, origins);
    let (mut xs, mut ys, mut futures, mut count) = (Vec::new(), Vec::new(), Vec::new(), 0);
    for k in 0..data.rollout {
        // A window whose target has left the training rows is done (and stays done).
        rolling.retain(|o| o <= last_train);
        if rolling.shifted.is_empty() {
            break;
        }
        let rows = rolling.shifted.clone();
        let mut x = rolling.x.clone();
        let levels = data.normalise(&mut x, rows.len());
        let mut y = crate::data::window::gather_targets(data.matrix, features, targets, &rows, 1);
        if let Some(levels) = &levels {
            for (v, level) in y.iter_mut().zip(levels) {
                *v -= level;
            }
        }
        xs.extend(x);
        ys.extend(y);
        futures.extend(data.future(&rows));
        count += rows.len();
        if k + 1 < data.rollout {
            let (_, point) = rolling.predict(model)?;
            rolling.advance(&point);
        }
    }
    Ok(Unrolled {
        x: xs,
        y: ys,
        future: futures,
        windows: count,
    })
}

/// A training batch unrolled over the horizon ([`unrolled_batch`]).
pub(super) struct Unrolled {
    /// Inputs as the model sees them, `[windows × lookback × features]`.
    pub x: Vec<f32>,
    /// Targets relative to each window's level, `[windows × targets]`.
    pub y: Vec<f32>,
    /// The known-ahead block, `[windows × known]`.
    pub future: Vec<f32>,
    /// Windows in the batch.
    pub windows: usize,
}

/// An error unless `model` is a one-step model and `data` has a length to roll.
fn check(model: &Forecaster, data: &TrainData<'_>) -> Result<()> {
    if model.horizon != 1 || data.horizon != 1 || data.rollout == 0 {
        return Err(EngineError::FastPath(format!(
            "a recursive forecast needs a one-step model (it forecasts {} steps) and a \
             length to roll ({})",
            model.horizon, data.rollout
        )));
    }
    Ok(())
}

/// Windows as they roll forward, in model space before normalisation.
struct Rolling<'d> {
    data: &'d TrainData<'d>,
    /// `[windows × lookback × features]`.
    x: Vec<f32>,
    /// The row each window now ends on.
    shifted: Vec<usize>,
}

impl<'d> Rolling<'d> {
    fn new(data: &'d TrainData<'d>, origins: &[usize]) -> Self {
        Self {
            data,
            x: gather_inputs(data.matrix, data.features, origins, data.lookback),
            shifted: origins.to_vec(),
        }
    }

    /// Keeps only the windows whose current end row passes `keep`.
    fn retain(&mut self, keep: impl Fn(usize) -> bool) {
        let window_len = self.data.lookback * self.data.features;
        let mut at = 0;
        for w in 0..self.shifted.len() {
            let Some(&end) = self.shifted.get(w) else {
                continue;
            };
            if !keep(end) {
                continue;
            }
            // `at < w < len`, and `x` holds `len` windows: both stay in range.
            if at != w {
                self.shifted[at] = end;
                self.x
                    .copy_within(w * window_len..(w + 1) * window_len, at * window_len);
            }
            at += 1;
        }
        self.shifted.truncate(at);
        self.x.truncate(at * window_len);
    }

    /// The next step's forecast of every window with its level added back (`[windows ×
    /// blocks·targets]`), and its point forecast (`[windows × targets]`).
    fn predict(&self, model: &Forecaster) -> Result<(Vec<f32>, Vec<f32>)> {
        let data = self.data;
        let n = self.shifted.len();
        let mut inputs = self.x.clone();
        let levels = data.normalise(&mut inputs, n);
        // Horizon 1: the known-ahead values of the row after each window.
        let future = data.future(&self.shifted);
        let mut step =
            crate::model::path::predict(model, (inputs, future), n, data.lookback, data.features)?;
        data.restore(&mut step, levels.as_deref());
        let point = match model.levels.map(|l| l.point_weights()) {
            Some(w) => point_of(
                &sorted_blocks(&step, model.quantiles.max(1), data.targets),
                &w,
            ),
            None => step.clone(),
        };
        Ok((step, point))
    }

    /// Moves every window one row on: its oldest row drops out, and the new row holds
    /// `point` for the targets and the known covariates' values of that row.
    fn advance(&mut self, point: &[f32]) {
        let data = self.data;
        let (lookback, features, targets) = (data.lookback, data.features, data.targets);
        for (w, o) in self.shifted.iter_mut().enumerate() {
            *o += 1;
            let Some(window) = self
                .x
                .get_mut(w * lookback * features..(w + 1) * lookback * features)
            else {
                continue;
            };
            window.copy_within(features.., 0);
            let Some(last) = window.get_mut((lookback - 1) * features..) else {
                continue;
            };
            for t in 0..targets {
                if let (Some(slot), Some(v)) = (last.get_mut(t), point.get(w * targets + t)) {
                    *slot = *v;
                }
            }
            for (j, &c) in data.known.columns.iter().enumerate() {
                if let Some(slot) = last.get_mut(c) {
                    *slot = data.known_value(*o, j);
                }
            }
        }
    }
}

/// The actual values of the targets over `data.rollout` steps after each origin, in
/// model space: `[windows, rollout·targets]`.
pub(super) fn targets(data: &TrainData<'_>, origins: &[usize]) -> Vec<f32> {
    crate::data::window::gather_targets(
        data.matrix,
        data.features,
        data.targets,
        origins,
        data.rollout,
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use burn::module::Param;
    use burn::tensor::TensorData;

    use super::*;
    use crate::config::{ModelConfig, WindowNorm};
    use crate::model::{ModelShape, cpu_device};
    use crate::rng::Rng;
    use crate::train::KnownAhead;

    /// A one-step model that forecasts "the last value + 1 + 2 × the known column":
    /// the linear skip copies the last input, the head adds its bias, the network's
    /// weights into the head are zero.
    fn last_plus_one(lookback: usize, norm: WindowNorm, known: usize) -> Forecaster {
        let config = ModelConfig {
            hidden: 4,
            layers: 1,
            window_norm: norm,
            ..ModelConfig::default()
        };
        let shape = ModelShape {
            features: 1 + known,
            lookback,
            horizon: 1,
            targets: 1,
            quantiles: None,
            known,
        };
        let device = cpu_device();
        let mut model = Forecaster::new(&config, shape, &mut Rng::new(1), &device);
        let mut skip = vec![0.0f32; lookback];
        skip[lookback - 1] = 1.0;
        model.skip_w = Some(Param::from_data(
            TensorData::new(skip, [lookback, 1]),
            &device,
        ));
        model.head_w = Param::from_data(TensorData::new(vec![0.0f32; 4], [4, 1]), &device);
        model.head_b = Param::from_data(TensorData::new(vec![1.0f32], [1]), &device);
        if known > 0 {
            model.known_w = Some(Param::from_data(
                TensorData::new(vec![2.0f32], [1, 1]),
                &device,
            ));
        }
        model
    }

    fn data<'a>(matrix: &'a [f32], features: usize, norm: WindowNorm) -> TrainData<'a> {
        TrainData {
            matrix,
            features,
            targets: 1,
            lookback: 3,
            horizon: 1,
            train: &[],
            val: &[],
            window_norm: norm,
            season: 1,
            known: KnownAhead::default(),
            rollout: 4,
        }
    }

    #[test]
    fn each_forecast_is_fed_back_as_the_next_input() {
        // Rows 0..8 hold 10, 11, …; the window ending at row 2 (value 12) rolls on to
        // 13, 14, 15, 16: each step adds one to the previous *forecast*, not to the data.
        let matrix: Vec<f32> = (0..8).map(|r| 10.0 + 3.0 * r as f32).collect();
        for norm in [WindowNorm::None, WindowNorm::Last, WindowNorm::Mean] {
            let model = last_plus_one(3, norm, 0);
            let out = forecast(&model, &data(&matrix, 1, norm), &[2, 4]).unwrap();
            let (a, b) = (16.0, 22.0); // rows 2 and 4
            let expected = [
                a + 1.0,
                a + 2.0,
                a + 3.0,
                a + 4.0,
                b + 1.0,
                b + 2.0,
                b + 3.0,
                b + 4.0,
            ];
            for (o, e) in out.iter().zip(expected) {
                assert!((o - e).abs() < 1e-4, "{norm:?}: {out:?}");
            }
        }
    }

    #[test]
    fn known_covariates_are_read_at_each_rolled_step_and_past_the_end() {
        // Column 1 is known ahead: 0 except row 4 (1.0) and the first row past the end.
        let mut matrix = Vec::new();
        for r in 0..6 {
            matrix.extend([10.0, if r == 4 { 1.0 } else { 0.0 }]);
        }
        let beyond = [5.0];
        let model = last_plus_one(3, WindowNorm::Last, 1);
        let d = TrainData {
            known: KnownAhead {
                columns: &[1],
                beyond: &beyond,
            },
            rollout: 3,
            ..data(&matrix, 2, WindowNorm::Last)
        };
        // Origin 3 reads rows 4, 5, 6 ahead: +2·1, +0, +2·5 on top of last + 1 per step.
        let out = forecast(&model, &d, &[3]).unwrap();
        let expected = [13.0, 14.0, 25.0];
        for (o, e) in out.iter().zip(expected) {
            assert!((o - e).abs() < 1e-4, "{out:?}");
        }
    }

    #[test]
    fn an_unrolled_batch_feeds_back_forecasts_and_stops_at_the_training_rows() {
        // Rows 10, 13, 16, …; the model forecasts last + 1. Training origins 2 and 4
        // (stride 2): the last training target is row 5.
        let matrix: Vec<f32> = (0..9).map(|r| 10.0 + 3.0 * r as f32).collect();
        let train = [2usize, 4];
        for norm in [WindowNorm::None, WindowNorm::Last] {
            let model = last_plus_one(3, norm, 0);
            let d = TrainData {
                train: &train,
                rollout: 3,
                ..data(&matrix, 1, norm)
            };
            let Unrolled {
                x,
                y,
                future,
                windows: n,
            } = unrolled_batch(&model, &d, &[2, 4]).unwrap();
            // Origin 2 rolls three steps (to origin 4); origin 4 only one (row 6 is past
            // the training rows). Step-major: [2@0, 4@0, 2@1, 2@2].
            assert_eq!(n, 4, "{norm:?}");
            assert!(future.is_empty());
            let raw_windows = [
                [10.0, 13.0, 16.0], // origin 2, true rows 0..=2
                [16.0, 19.0, 22.0], // origin 4, true rows 2..=4
                [13.0, 16.0, 17.0], // origin 2 one step on: its forecast 16 + 1
                [16.0, 17.0, 18.0], // two steps on: 17 + 1
            ];
            let raw_targets = [19.0, 25.0, 22.0, 25.0]; // the true rows 3, 5, 4, 5
            for w in 0..4 {
                let level = match norm {
                    WindowNorm::None => 0.0,
                    _ => raw_windows[w][2],
                };
                for i in 0..3 {
                    let got = x[w * 3 + i];
                    assert!(
                        (got - (raw_windows[w][i] - level)).abs() < 1e-4,
                        "{norm:?} {x:?}"
                    );
                }
                assert!(
                    (y[w] - (raw_targets[w] - level)).abs() < 1e-4,
                    "{norm:?} {y:?}"
                );
            }
        }
    }
}
