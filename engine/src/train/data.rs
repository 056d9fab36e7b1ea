//! Batches of windows for the model: inputs and targets gathered from the matrix and,
//! with per-window normalisation, taken relative to each window's level (which is
//! added back to the model's outputs).

use super::TrainData;
use crate::config::WindowNorm;
use crate::data::window::{gather_inputs, gather_targets};

impl TrainData<'_> {
    /// Inputs `[windows × lookback × features]` and targets `[windows × horizon ×
    /// targets]` of the windows at `origins`, as the model sees them.
    pub fn gather(&self, origins: &[usize]) -> (Vec<f32>, Vec<f32>) {
        let (x, y, _) = self.gather_with_levels(origins);
        (x, y)
    }

    /// [`TrainData::gather`], plus each window's level for [`TrainData::restore`].
    pub fn gather_with_levels(&self, origins: &[usize]) -> (Vec<f32>, Vec<f32>, Option<Vec<f32>>) {
        let (x, levels) = self.inputs(origins);
        let mut y = gather_targets(
            self.matrix,
            self.features,
            self.targets,
            origins,
            self.horizon,
        );
        if let Some(levels) = &levels {
            shift_outputs(&mut y, levels, self.targets, -1.0);
        }
        (x, y, levels)
    }

    /// Inputs of the windows at `origins` as the model sees them, and each window's
    /// level per forecast column `[windows × targets]` when normalising (to pass to
    /// [`TrainData::restore`]).
    pub fn inputs(&self, origins: &[usize]) -> (Vec<f32>, Option<Vec<f32>>) {
        let mut x = gather_inputs(self.matrix, self.features, origins, self.lookback);
        let levels = self.normalise(&mut x, origins.len());
        (x, levels)
    }

    /// Takes the forecast columns of gathered inputs `x: [windows × lookback ×
    /// features]` relative to each window's level, and returns the levels (`None`
    /// without normalisation).
    pub fn normalise(&self, x: &mut [f32], windows: usize) -> Option<Vec<f32>> {
        let levels = window_levels(
            x,
            windows,
            self.lookback,
            self.features,
            self.targets,
            self.window_norm,
        );
        if let Some(levels) = &levels {
            let (lookback, features, targets) = (self.lookback, self.features, self.targets);
            for (w, window) in x.chunks_exact_mut(lookback * features).enumerate() {
                for row in window.chunks_exact_mut(features) {
                    for (v, level) in row[..targets].iter_mut().zip(&levels[w * targets..]) {
                        *v -= level;
                    }
                }
            }
        }
        levels
    }

    /// The covariates known in advance over the horizon of the windows at `origins`,
    /// row-major `[windows × horizon × known]` (empty without them): rows past the
    /// matrix's end come from [`KnownAhead::beyond`](super::KnownAhead::beyond), NaN
    /// where that runs out (the caller checks that the values exist first).
    pub fn future(&self, origins: &[usize]) -> Vec<f32> {
        let columns = self.known.columns;
        if columns.is_empty() {
            return Vec::new();
        }
        let mut out = Vec::with_capacity(origins.len() * self.horizon * columns.len());
        for &t in origins {
            for row in t + 1..=t + self.horizon {
                out.extend((0..columns.len()).map(|j| self.known_value(row, j)));
            }
        }
        out
    }

    /// The `j`-th known-in-advance column's value on `row`: from the matrix, or past its
    /// end from [`KnownAhead::beyond`](super::KnownAhead::beyond); NaN where neither has it.
    pub fn known_value(&self, row: usize, j: usize) -> f32 {
        let columns = self.known.columns;
        let rows = self.matrix.len() / self.features.max(1);
        let value = if row < rows {
            columns
                .get(j)
                .and_then(|c| self.matrix.get(row * self.features + c))
        } else {
            self.known.beyond.get((row - rows) * columns.len() + j)
        };
        value.copied().unwrap_or(f32::NAN)
    }

    /// Adds each window's level back to model outputs `[windows × horizon × targets]`.
    pub fn restore(&self, outputs: &mut [f32], levels: Option<&[f32]>) {
        if let Some(levels) = levels {
            shift_outputs(outputs, levels, self.targets, 1.0);
        }
    }
}

/// Each window's level per forecast column, `[windows × targets]`; `None` without
/// normalisation.
fn window_levels(
    x: &[f32],
    windows: usize,
    lookback: usize,
    features: usize,
    targets: usize,
    norm: WindowNorm,
) -> Option<Vec<f32>> {
    let mut levels = Vec::with_capacity(windows * targets);
    for window in x.chunks_exact(lookback * features).take(windows) {
        match norm {
            WindowNorm::None => return None,
            WindowNorm::Last => {
                let last = &window[(lookback - 1) * features..];
                levels.extend_from_slice(&last[..targets]);
            }
            WindowNorm::Mean => {
                for t in 0..targets {
                    let sum: f64 = window
                        .chunks_exact(features)
                        .map(|row| f64::from(row[t]))
                        .sum();
                    levels.push((sum / lookback as f64) as f32);
                }
            }
        }
    }
    Some(levels)
}

/// `values[w, h, t] += sign · levels[w, t]` over `[windows × horizon × targets]`.
fn shift_outputs(values: &mut [f32], levels: &[f32], targets: usize, sign: f32) {
    if targets == 0 {
        return;
    }
    let windows = levels.len() / targets;
    if windows == 0 {
        return;
    }
    let per_window = values.len() / windows;
    for (w, block) in values.chunks_exact_mut(per_window).enumerate() {
        for step in block.chunks_exact_mut(targets) {
            for (v, level) in step.iter_mut().zip(&levels[w * targets..]) {
                *v += sign * level;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::KnownAhead;

    /// Two features (target, covariate), rows r → (r, 100 + r).
    fn matrix() -> Vec<f32> {
        (0..10).flat_map(|r| [r as f32, 100.0 + r as f32]).collect()
    }

    fn data(matrix: &[f32], norm: WindowNorm) -> TrainData<'_> {
        TrainData {
            matrix,
            features: 2,
            targets: 1,
            lookback: 3,
            horizon: 2,
            train: &[],
            val: &[],
            window_norm: norm,
            season: 1,
            known: KnownAhead::default(),
            rollout: 0,
        }
    }

    #[test]
    fn last_value_normalisation_shifts_the_target_column_only() {
        let m = matrix();
        // Window with origin 4: inputs rows 2, 3, 4; targets rows 5, 6.
        let (x, y) = data(&m, WindowNorm::Last).gather(&[4]);
        assert_eq!(x, vec![-2.0, 102.0, -1.0, 103.0, 0.0, 104.0]);
        assert_eq!(y, vec![1.0, 2.0]);
        let (x, y) = data(&m, WindowNorm::None).gather(&[4]);
        assert_eq!(x, vec![2.0, 102.0, 3.0, 103.0, 4.0, 104.0]);
        assert_eq!(y, vec![5.0, 6.0]);
    }

    #[test]
    fn the_known_ahead_block_reads_the_horizon_rows_then_the_rows_beyond() {
        let m = matrix(); // 10 rows: (r, 100 + r)
        let beyond = [110.0, 111.0];
        let d = TrainData {
            known: KnownAhead {
                columns: &[1],
                beyond: &beyond,
            },
            ..data(&m, WindowNorm::Last)
        };
        // Origin 4: horizon rows 5, 6; origin 9 (the last row): rows 10, 11 are beyond.
        assert_eq!(d.future(&[4, 9]), vec![105.0, 106.0, 110.0, 111.0]);
        // Not normalised like the targets, and NaN where the values run out.
        let short = TrainData {
            known: KnownAhead {
                columns: &[1],
                beyond: &beyond[..1],
            },
            ..d
        };
        assert!(short.future(&[9])[1].is_nan());
        assert!(data(&m, WindowNorm::Last).future(&[4]).is_empty());
    }

    #[test]
    fn mean_normalisation_and_restore_invert_each_other() {
        let m = matrix();
        let d = data(&m, WindowNorm::Mean);
        // Origins 2 and 6: means of rows 0..=2 (1.0) and 4..=6 (5.0).
        let (x, levels) = d.inputs(&[2, 6]);
        assert_eq!(levels.as_deref(), Some(&[1.0, 5.0][..]));
        assert_eq!(x[0], -1.0);
        assert_eq!(x[6], -1.0);
        let (_, y) = d.gather(&[2, 6]);
        assert_eq!(y, vec![2.0, 3.0, 2.0, 3.0]);
        let mut out = y.clone();
        d.restore(&mut out, levels.as_deref());
        assert_eq!(out, vec![3.0, 4.0, 7.0, 8.0]);
    }
}
