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
    let (steps, lookback, features, targets) =
        (data.rollout, data.lookback, data.features, data.targets);
    let blocks = model.quantiles.max(1);
    if model.horizon != 1 || data.horizon != 1 || steps == 0 {
        return Err(EngineError::FastPath(format!(
            "a recursive forecast needs a one-step model (it forecasts {} steps) and a \
             length to roll ({steps})",
            model.horizon
        )));
    }
    let n = origins.len();
    let known = data.known.columns;
    let weights = model.levels.map(|l| l.point_weights());
    // The windows as they roll, in model space before normalisation.
    let mut x = gather_inputs(data.matrix, features, origins, lookback);
    let mut out = vec![0.0f32; n * blocks * steps * targets];
    let mut shifted: Vec<usize> = origins.to_vec();
    for k in 0..steps {
        let mut inputs = x.clone();
        let levels = data.normalise(&mut inputs, n);
        // Horizon 1: the known-ahead values of row origin + k + 1.
        let future = data.future(&shifted);
        let mut step = crate::model::path::predict(model, (inputs, future), n, lookback, features)?;
        data.restore(&mut step, levels.as_deref());
        let point = match &weights {
            Some(w) => point_of(&sorted_blocks(&step, blocks, targets), w),
            None => step.clone(),
        };
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
            // Move the window one row on: the forecast and the known covariates.
            let Some(window) = x.get_mut(w * lookback * features..(w + 1) * lookback * features)
            else {
                continue;
            };
            window.copy_within(features.., 0);
            let row = shifted.get(w).map_or(0, |o| o + 1);
            let Some(last) = window.get_mut((lookback - 1) * features..) else {
                continue;
            };
            for t in 0..targets {
                if let (Some(slot), Some(v)) = (last.get_mut(t), point.get(w * targets + t)) {
                    *slot = *v;
                }
            }
            for (j, &c) in known.iter().enumerate() {
                if let Some(slot) = last.get_mut(c) {
                    *slot = data.known_value(row, j);
                }
            }
        }
        for o in &mut shifted {
            *o += 1;
        }
    }
    Ok(out)
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
}
