//! Sliding windows, identified by their *origin*: the index of the last input row.
//!
//! A window with origin `T` reads inputs from rows `T+1−lookback ..= T` and forecasts
//! rows `T+1 ..= T+horizon`. Training windows lie wholly inside the training part.
//! Validation and test windows keep their targets inside their part but may read
//! inputs from before it, as the standard long-horizon protocol does.

use std::ops::Range;

use crate::error::{EngineError, Result};

/// Window geometry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WindowSpec {
    /// Input length.
    pub lookback: usize,
    /// Output length.
    pub horizon: usize,
    /// Distance between consecutive origins.
    pub stride: usize,
}

impl WindowSpec {
    /// Origins of windows whose inputs *and* targets lie inside `part` (training).
    pub fn inside(&self, part: Range<usize>) -> Vec<usize> {
        let first = part.start + self.lookback - 1;
        self.origins_between(first, part.end)
    }

    /// Origins of windows whose targets lie inside `part`; inputs may start before it,
    /// but not before row `earliest_input`.
    pub fn targets_inside(&self, part: Range<usize>, earliest_input: usize) -> Vec<usize> {
        let first = (part.start.max(1) - 1).max(earliest_input + self.lookback - 1);
        self.origins_between(first, part.end)
    }

    /// Origins from `first`, stepping by stride, whose last target row is below `end`.
    fn origins_between(&self, first: usize, end: usize) -> Vec<usize> {
        let Some(last) = end.checked_sub(self.horizon + 1) else {
            return Vec::new();
        };
        if first > last {
            return Vec::new();
        }
        (first..=last).step_by(self.stride.max(1)).collect()
    }

    /// Rows needed for at least one window: lookback + horizon.
    pub fn min_rows(&self) -> usize {
        self.lookback + self.horizon
    }

    /// Refuses a training part too short for one window, with the numbers.
    pub fn check_train(&self, train_rows: usize) -> Result<()> {
        if train_rows < self.min_rows() {
            return Err(EngineError::TooShort(format!(
                "the training part has {train_rows} rows, but one window needs lookback {} + horizon {} = {} rows; \
                 lower the lookback or horizon, or give training a larger share",
                self.lookback,
                self.horizon,
                self.min_rows()
            )));
        }
        Ok(())
    }
}

/// Copies the inputs of the windows at `origins` from a row-major `[rows × features]`
/// matrix into a row-major `[windows × lookback × features]` buffer.
pub fn gather_inputs(
    matrix: &[f32],
    features: usize,
    origins: &[usize],
    lookback: usize,
) -> Vec<f32> {
    let mut out = Vec::with_capacity(origins.len() * lookback * features);
    for &t in origins {
        let start = (t + 1 - lookback) * features;
        out.extend_from_slice(
            matrix
                .get(start..start + lookback * features)
                .unwrap_or(&[]),
        );
    }
    out
}

/// Copies the targets (the first `targets` features) of the windows at `origins`
/// into a row-major `[windows × horizon × targets]` buffer.
pub fn gather_targets(
    matrix: &[f32],
    features: usize,
    targets: usize,
    origins: &[usize],
    horizon: usize,
) -> Vec<f32> {
    let mut out = Vec::with_capacity(origins.len() * horizon * targets);
    for &t in origins {
        for row in t + 1..=t + horizon {
            let start = row * features;
            out.extend_from_slice(matrix.get(start..start + targets).unwrap_or(&[]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: WindowSpec = WindowSpec {
        lookback: 3,
        horizon: 2,
        stride: 1,
    };

    #[test]
    fn training_windows_stay_inside_their_part() {
        // rows 0..10: first origin 2 (inputs 0,1,2), last origin 7 (targets 8,9) → 6 windows
        assert_eq!(SPEC.inside(0..10), vec![2, 3, 4, 5, 6, 7]);
        let strided = WindowSpec { stride: 2, ..SPEC };
        assert_eq!(strided.inside(0..10), vec![2, 4, 6]);
        assert!(SPEC.inside(0..4).is_empty());
    }

    #[test]
    fn test_windows_read_inputs_from_before_but_targets_stay_inside() {
        // part 10..16: first origin 9 (targets 10,11; inputs 7,8,9), last 13 (targets 14,15)
        let origins = SPEC.targets_inside(10..16, 0);
        assert_eq!(origins, vec![9, 10, 11, 12, 13]);
        for t in origins {
            assert!(t + 1 >= 10 && t + 2 < 16);
        }
        // a part at the very start cannot borrow inputs from before row 0
        assert_eq!(SPEC.targets_inside(0..8, 0), vec![2, 3, 4, 5]);
        // with differencing, row 0 has no value and inputs start at row 1
        assert_eq!(SPEC.targets_inside(0..8, 1), vec![3, 4, 5]);
    }

    #[test]
    fn ett_protocol_counts() {
        // LTSF test part rows [11520, 14400), lookback 96, horizon 24 → 2857 windows
        let ett = WindowSpec {
            lookback: 96,
            horizon: 24,
            stride: 1,
        };
        let test = ett.targets_inside(11_520..14_400, 0);
        assert_eq!(test.len(), 2857);
        assert_eq!(test.first(), Some(&11_519));
        assert_eq!(ett.inside(0..8640).len(), 8640 - 96 - 24 + 1);
    }

    #[test]
    fn gather_copies_the_right_rows() {
        // 6 rows × 2 features: row r = [10r, 10r+1]
        let m: Vec<f32> = (0..6)
            .flat_map(|r| [10.0 * r as f32, 10.0 * r as f32 + 1.0])
            .collect();
        assert_eq!(
            gather_inputs(&m, 2, &[2], 3),
            vec![0., 1., 10., 11., 20., 21.]
        );
        assert_eq!(
            gather_targets(&m, 2, 1, &[2, 3], 2),
            vec![30., 40., 40., 50.]
        );
        assert_eq!(gather_targets(&m, 2, 2, &[3], 2), vec![40., 41., 50., 51.]);
    }
}
