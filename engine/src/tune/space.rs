//! The knobs a search varies and their ranges, as written in a `space.toml`:
//!
//! ```toml
//! lr = [1e-4, 1e-2]        # log-uniform range
//! dropout = [0.0, 0.3]     # uniform range
//! hidden = [32, 64, 128]   # choices
//! layers = [1, 2]
//! lookback = [24, 48, 96]
//! cell = ["lstm", "gru"]
//! batch = [32, 64]
//! ```
//!
//! Knobs left out keep the base configuration's value.

use serde::{Deserialize, Serialize};

use crate::config::{CellKind, RunConfig};
use crate::error::{EngineError, Result};
use crate::rng::Rng;

/// Points per continuous range in a grid search.
pub const GRID_POINTS: usize = 3;

/// Ranges and choices of the knobs to vary.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SearchSpace {
    /// Learning rate, `[min, max]`, sampled on a log scale.
    pub lr: Option<[f64; 2]>,
    /// Hidden units per layer.
    pub hidden: Option<Vec<usize>>,
    /// Stacked layers.
    pub layers: Option<Vec<usize>>,
    /// Input window lengths.
    pub lookback: Option<Vec<usize>>,
    /// Dropout, `[min, max]`, sampled uniformly.
    pub dropout: Option<[f64; 2]>,
    /// Cell types.
    pub cell: Option<Vec<CellKind>>,
    /// Mini-batch sizes.
    pub batch: Option<Vec<usize>>,
}

/// One knob's value in a trial.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "knob", content = "value")]
pub enum Knob {
    /// Learning rate.
    Lr(f64),
    /// Hidden units.
    Hidden(usize),
    /// Layers.
    Layers(usize),
    /// Lookback.
    Lookback(usize),
    /// Dropout.
    Dropout(f64),
    /// Cell type.
    Cell(CellKind),
    /// Batch size.
    Batch(usize),
}

impl Knob {
    /// Sets this knob in `config`.
    pub fn apply(self, config: &mut RunConfig) {
        match self {
            Self::Lr(v) => config.train.lr = v,
            Self::Hidden(v) => config.model.hidden = v,
            Self::Layers(v) => config.model.layers = v,
            Self::Lookback(v) => config.window.lookback = v,
            Self::Dropout(v) => config.model.dropout = v,
            Self::Cell(v) => config.model.cell = v,
            Self::Batch(v) => config.train.batch = v,
        }
    }

    /// `lr=3.2e-3`, `cell=gru`, …
    pub fn describe(self) -> String {
        match self {
            Self::Lr(v) => format!("lr={v:.1e}"),
            Self::Hidden(v) => format!("hidden={v}"),
            Self::Layers(v) => format!("layers={v}"),
            Self::Lookback(v) => format!("lookback={v}"),
            Self::Dropout(v) => format!("dropout={v:.2}"),
            Self::Cell(v) => format!("cell={}", v.name()),
            Self::Batch(v) => format!("batch={v}"),
        }
    }
}

impl SearchSpace {
    /// The space used when none is given: the playbook's usual ranges around the base
    /// configuration's lookback.
    pub fn default_for(base: &RunConfig) -> Self {
        let lb = base.window.lookback.max(2);
        let mut lookback = vec![(lb / 2).max(2), lb, lb * 2];
        lookback.dedup();
        Self {
            lr: Some([1e-4, 1e-2]),
            hidden: Some(vec![32, 64, 128]),
            layers: Some(vec![1, 2]),
            lookback: Some(lookback),
            dropout: Some([0.0, 0.3]),
            cell: Some(vec![CellKind::Lstm, CellKind::Gru]),
            batch: None,
        }
    }

    /// Parses a `space.toml`.
    pub fn from_toml(text: &str) -> Result<Self> {
        let space: Self =
            toml::from_str(text).map_err(|e| EngineError::Search(format!("space file: {e}")))?;
        space.validate()?;
        Ok(space)
    }

    /// Refuses empty choices and backwards or non-positive ranges.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(EngineError::Search(m));
        if let Some([lo, hi]) = self.lr
            && !(lo > 0.0 && hi >= lo && hi.is_finite())
        {
            return bad(format!(
                "lr range [{lo}, {hi}] must be positive and increasing"
            ));
        }
        if let Some([lo, hi]) = self.dropout
            && !(0.0..1.0).contains(&lo) | !(0.0..1.0).contains(&hi) | (hi < lo)
        {
            return bad(format!(
                "dropout range [{lo}, {hi}] must lie in [0, 1) and increase"
            ));
        }
        for (name, choices) in [
            ("hidden", &self.hidden),
            ("layers", &self.layers),
            ("lookback", &self.lookback),
            ("batch", &self.batch),
        ] {
            if let Some(c) = choices
                && (c.is_empty() || c.contains(&0))
            {
                return bad(format!("{name} needs positive choices, got {c:?}"));
            }
        }
        if self.cell.as_ref().is_some_and(Vec::is_empty) {
            return bad("cell needs at least one choice".into());
        }
        if self.knobs().is_empty() {
            return bad("the space varies nothing: give at least one knob".into());
        }
        Ok(())
    }

    /// Names of the knobs this space varies.
    pub fn knobs(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        for (name, set) in [
            ("lr", self.lr.is_some()),
            ("hidden", self.hidden.is_some()),
            ("layers", self.layers.is_some()),
            ("lookback", self.lookback.is_some()),
            ("dropout", self.dropout.is_some()),
            ("cell", self.cell.is_some()),
            ("batch", self.batch.is_some()),
        ] {
            if set {
                out.push(name);
            }
        }
        out
    }

    /// One random point.
    pub fn sample(&self, rng: &mut Rng) -> Vec<Knob> {
        let mut out = Vec::new();
        if let Some([lo, hi]) = self.lr {
            out.push(Knob::Lr(
                (lo.ln() + rng.uniform() * (hi.ln() - lo.ln())).exp(),
            ));
        }
        let pick = |rng: &mut Rng, c: &[usize]| c[rng.below(c.len())];
        if let Some(c) = &self.hidden {
            out.push(Knob::Hidden(pick(rng, c)));
        }
        if let Some(c) = &self.layers {
            out.push(Knob::Layers(pick(rng, c)));
        }
        if let Some(c) = &self.lookback {
            out.push(Knob::Lookback(pick(rng, c)));
        }
        if let Some([lo, hi]) = self.dropout {
            out.push(Knob::Dropout(rng.uniform_range(lo, hi)));
        }
        if let Some(c) = &self.cell {
            out.push(Knob::Cell(c[rng.below(c.len())]));
        }
        if let Some(c) = &self.batch {
            out.push(Knob::Batch(pick(rng, c)));
        }
        out
    }

    /// Every grid point (continuous ranges at [`GRID_POINTS`] points), one at a time in
    /// a seeded shuffled order so that a budget smaller than the grid still spreads over
    /// it. Nothing is built per point before it is asked for: a grid of 300 × 300 × 300
    /// values with a budget of one trial costs one point. An error when the grid has
    /// more points than a 64-bit count holds.
    pub fn grid(&self, rng: &mut Rng) -> Result<GridPoints> {
        let mut axes: Vec<Vec<Knob>> = Vec::new();
        if let Some([lo, hi]) = self.lr {
            axes.push(
                spaced(lo.ln(), hi.ln())
                    .map(|v| Knob::Lr(v.exp()))
                    .collect(),
            );
        }
        if let Some(c) = &self.hidden {
            axes.push(c.iter().map(|v| Knob::Hidden(*v)).collect());
        }
        if let Some(c) = &self.layers {
            axes.push(c.iter().map(|v| Knob::Layers(*v)).collect());
        }
        if let Some(c) = &self.lookback {
            axes.push(c.iter().map(|v| Knob::Lookback(*v)).collect());
        }
        if let Some([lo, hi]) = self.dropout {
            axes.push(spaced(lo, hi).map(Knob::Dropout).collect());
        }
        if let Some(c) = &self.cell {
            axes.push(c.iter().map(|v| Knob::Cell(*v)).collect());
        }
        if let Some(c) = &self.batch {
            axes.push(c.iter().map(|v| Knob::Batch(*v)).collect());
        }
        for axis in &mut axes {
            axis.dedup();
        }
        let len = axes
            .iter()
            .try_fold(1u64, |n, axis| n.checked_mul(axis.len() as u64))
            .ok_or_else(|| {
                let sizes: Vec<String> = axes.iter().map(|a| a.len().to_string()).collect();
                EngineError::Search(format!(
                    "the grid of {} values has more points than can be counted; use \
                     --method random with a trial budget",
                    sizes.join(" × ")
                ))
            })?;
        let order = if len <= SHUFFLED_GRID_MAX {
            // Small grids: a full seeded shuffle of the point indices.
            let mut indices: Vec<u64> = (0..len).collect();
            rng.shuffle(&mut indices);
            GridOrder::Shuffled(indices)
        } else {
            // Large grids: `(offset + i·step) mod len` with `step` coprime to `len`
            // visits every point once, in an order spread over the grid, in O(1) memory.
            let mut step = 1 + rng.next_u64() % (len - 1);
            while gcd(step, len) != 1 {
                step = 1 + step % (len - 1);
            }
            GridOrder::Strided {
                step,
                offset: rng.next_u64() % len,
            }
        };
        Ok(GridPoints {
            axes,
            order,
            len,
            next: 0,
        })
    }
}

/// Grids of at most this many points are shuffled in full (8 bytes a point); larger
/// ones are walked with a stride.
const SHUFFLED_GRID_MAX: u64 = 1 << 20;

/// How [`GridPoints`] orders the points.
#[derive(Debug)]
enum GridOrder {
    Shuffled(Vec<u64>),
    Strided { step: u64, offset: u64 },
}

/// The points of a grid, built one at a time (see [`SearchSpace::grid`]).
#[derive(Debug)]
pub struct GridPoints {
    /// The values of each knob; the last varies fastest in index order.
    axes: Vec<Vec<Knob>>,
    order: GridOrder,
    len: u64,
    next: u64,
}

impl GridPoints {
    /// How many points the grid has.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the grid has no point (an axis without values).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The point at `index` in index order (mixed radix, the last axis fastest).
    fn point(&self, mut index: u64) -> Vec<Knob> {
        let mut knobs = Vec::with_capacity(self.axes.len());
        for axis in self.axes.iter().rev() {
            let n = axis.len() as u64;
            // `n > 0`: an empty axis makes the grid empty, and no index is asked for.
            let k = usize::try_from(index % n).unwrap_or(0);
            index /= n;
            if let Some(knob) = axis.get(k) {
                knobs.push(*knob);
            }
        }
        knobs.reverse();
        knobs
    }
}

impl Iterator for GridPoints {
    type Item = Vec<Knob>;

    fn next(&mut self) -> Option<Vec<Knob>> {
        if self.next >= self.len {
            return None;
        }
        let index = match &self.order {
            GridOrder::Shuffled(indices) => *indices.get(usize::try_from(self.next).ok()?)?,
            GridOrder::Strided { step, offset } => {
                let i = u128::from(self.next) * u128::from(*step) + u128::from(*offset);
                u64::try_from(i % u128::from(self.len)).ok()?
            }
        };
        self.next += 1;
        Some(self.point(index))
    }
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// [`GRID_POINTS`] evenly spaced values from `lo` to `hi` (one when they are equal).
fn spaced(lo: f64, hi: f64) -> impl Iterator<Item = f64> {
    let n = if hi > lo { GRID_POINTS } else { 1 };
    (0..n).map(move |i| {
        if n == 1 {
            lo
        } else {
            lo + (hi - lo) * i as f64 / (n - 1) as f64
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_space_file_parses_and_bad_ranges_are_refused() {
        let s = SearchSpace::from_toml("lr = [1e-4, 1e-2]\nhidden = [16, 32]\ncell = [\"gru\"]")
            .unwrap();
        assert_eq!(s.knobs(), ["lr", "hidden", "cell"]);
        assert!(SearchSpace::from_toml("lr = [1e-2, 1e-4]").is_err());
        assert!(SearchSpace::from_toml("dropout = [0.2, 1.5]").is_err());
        assert!(SearchSpace::from_toml("hidden = []").is_err());
        assert!(SearchSpace::from_toml("").is_err(), "nothing to vary");
        let err = SearchSpace::from_toml("learning_rate = [1, 2]").unwrap_err();
        assert!(err.to_string().contains("learning_rate"), "{err}");
    }

    #[test]
    fn samples_stay_in_range_and_the_grid_covers_every_point() {
        let space = SearchSpace {
            lr: Some([1e-4, 1e-2]),
            hidden: Some(vec![8, 16]),
            ..SearchSpace::default()
        };
        let mut rng = Rng::new(3);
        for _ in 0..200 {
            for k in space.sample(&mut rng) {
                match k {
                    Knob::Lr(v) => assert!((1e-4..=1e-2).contains(&v)),
                    Knob::Hidden(v) => assert!(v == 8 || v == 16),
                    other => panic!("{other:?}"),
                }
            }
        }
        let grid: Vec<Vec<Knob>> = space.grid(&mut rng).unwrap().collect();
        assert_eq!(grid.len(), GRID_POINTS * 2);
        let lrs: Vec<f64> = grid
            .iter()
            .filter_map(|p| match p[0] {
                Knob::Lr(v) => Some(v),
                _ => None,
            })
            .collect();
        // log-spaced: 1e-4, 1e-3, 1e-2, each twice
        for target in [1e-4, 1e-3, 1e-2] {
            assert_eq!(
                lrs.iter()
                    .filter(|v| (**v / target - 1.0).abs() < 1e-9)
                    .count(),
                2
            );
        }
    }

    #[test]
    fn a_huge_grid_is_walked_point_by_point_and_every_order_is_a_permutation() {
        let space = SearchSpace {
            hidden: Some((1..=300).collect()),
            lookback: Some((1..=300).collect()),
            batch: Some((1..=300).collect()),
            ..SearchSpace::default()
        };
        let grid = space.grid(&mut Rng::new(4)).unwrap();
        assert_eq!(grid.len(), 27_000_000);
        assert!(matches!(grid.order, GridOrder::Strided { .. }));
        let first: Vec<Vec<Knob>> = grid.take(1000).collect();
        let distinct: std::collections::BTreeSet<String> =
            first.iter().map(|p| format!("{p:?}")).collect();
        assert_eq!(distinct.len(), 1000);
        assert!(first.iter().all(|p| p.len() == 3));

        // A stride coprime to the size visits every point of a 3 × 5 × 7 grid once.
        let axes: Vec<Vec<Knob>> = vec![
            (1..=3).map(Knob::Hidden).collect(),
            (1..=5).map(Knob::Lookback).collect(),
            (1..=7).map(Knob::Batch).collect(),
        ];
        let strided = GridPoints {
            axes,
            order: GridOrder::Strided {
                step: 4,
                offset: 10,
            },
            len: 105,
            next: 0,
        };
        let all: std::collections::BTreeSet<String> = strided.map(|p| format!("{p:?}")).collect();
        assert_eq!(all.len(), 105);

        // More points than a 64-bit count: an error naming the sizes.
        let huge = SearchSpace {
            hidden: Some((1..=100_000).collect()),
            lookback: Some((1..=100_000).collect()),
            batch: Some((1..=100_000).collect()),
            layers: Some((1..=100_000).collect()),
            ..SearchSpace::default()
        };
        let err = huge.grid(&mut Rng::new(1)).unwrap_err().to_string();
        assert!(err.contains("100000 × 100000"), "{err}");
    }
}
