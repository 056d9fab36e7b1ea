//! The fitted start of the linear skip (`model.skip_init = fitted`): a ridge regression
//! of each horizon step on the window, shrunk toward the simple baseline that fits the
//! training windows best (naive, seasonal naive or drift), with the amount of shrinkage
//! chosen on the last quarter of the training windows.
//!
//! On windows `X` (`n × L`, one row per window and forecast column, as the model sees
//! them) and targets `Y` (`n × H`), with the baseline's map `W₀`, the start is
//!
//! ```text
//! W = W₀ + D,   (XᵀX + nλI)·D = Xᵀ(Y − X·W₀)
//! ```
//!
//! the minimiser of `‖XW − Y‖²/n + λ‖W − W₀‖²`. A large `λ` keeps the baseline, a small
//! one the least-squares AR; `λ` is the value of [`LAMBDAS`] whose fit on the first
//! three quarters of the training windows has the lowest mean absolute error on the last
//! quarter (ties keep the larger, closer to the baseline). So on a short seasonal series
//! the start stays near seasonal naive, and on a long regular one it becomes the AR fit;
//! either way the untrained model already forecasts as well as the better of the two on
//! data it was not fitted to, and training learns a correction from there. The test and
//! validation windows take no part.
//!
//! Measured across the suite in BENCHMARKS.md ("Trust").

use super::TrainData;

/// The shrinkage values tried, largest first (ties keep the larger).
pub const LAMBDAS: [f64; 10] = [100.0, 10.0, 3.0, 1.0, 0.3, 0.1, 0.03, 0.01, 1e-3, 1e-4];
/// Longer windows keep the baseline start: the `L × L` solve would cost seconds.
pub const MAX_LOOKBACK: usize = 1024;
/// At most this many windows enter the fit (evenly spaced when there are more).
pub const MAX_WINDOWS: usize = 20_000;
/// Fewer training windows than this keep the baseline start (no quarter to choose on).
pub const MIN_WINDOWS: usize = 8;

/// The fitted map (row-major `[lookback × horizon]`), shrunk toward a baseline's map
/// `w0`; `None` when the window is too long or the training windows too few to fit it.
pub fn fitted(data: &TrainData<'_>, w0: &[f32]) -> Option<Vec<f32>> {
    let (l, h) = (data.lookback, data.horizon);
    if l > MAX_LOOKBACK || data.train.len() < MIN_WINDOWS || w0.len() != l * h {
        return None;
    }
    let step = data.train.len().div_ceil(MAX_WINDOWS);
    let origins: Vec<usize> = data.train.iter().step_by(step).copied().collect();
    let (x, y) = data.gather(&origins);
    let rows = Rows::new(&x, &y, data);
    let w0: Vec<f64> = w0.iter().map(|v| f64::from(*v)).collect();
    let cut = origins.len() * 3 / 4;
    let (head, tail) = (0..cut * data.targets, cut * data.targets..rows.len());
    let fit_head = Normal::of(&rows, head, &w0, l, h);
    let lambda = LAMBDAS
        .iter()
        .filter_map(|&lambda| {
            let w = fit_head.solve(lambda, &w0)?;
            Some((lambda, rows.mae(tail.clone(), &w)))
        })
        // `min_by` keeps the first of equals: the larger lambda.
        .min_by(|a, b| a.1.total_cmp(&b.1))?
        .0;
    let w = Normal::of(&rows, 0..rows.len(), &w0, l, h).solve(lambda, &w0)?;
    let w: Vec<f32> = w.iter().map(|v| *v as f32).collect();
    w.iter().all(|v| v.is_finite()).then_some(w)
}

/// Design rows: each window's values of one forecast column and that column's targets.
struct Rows<'a> {
    x: &'a [f32],
    y: &'a [f32],
    lookback: usize,
    horizon: usize,
    features: usize,
    targets: usize,
}

impl<'a> Rows<'a> {
    fn new(x: &'a [f32], y: &'a [f32], data: &TrainData<'_>) -> Self {
        Self {
            x,
            y,
            lookback: data.lookback,
            horizon: data.horizon,
            features: data.features,
            targets: data.targets,
        }
    }

    fn len(&self) -> usize {
        self.x.len() / (self.lookback * self.features).max(1) * self.targets
    }

    /// Row `r` (window `r / targets`, column `r % targets`): its `L` inputs.
    fn input(&self, r: usize, out: &mut [f64]) {
        let (k, t) = (r / self.targets, r % self.targets);
        for (i, v) in out.iter_mut().enumerate() {
            *v = f64::from(self.x[(k * self.lookback + i) * self.features + t]);
        }
    }

    /// Row `r`'s target at horizon step `s`.
    fn target(&self, r: usize, s: usize) -> f64 {
        let (k, t) = (r / self.targets, r % self.targets);
        f64::from(self.y[(k * self.horizon + s) * self.targets + t])
    }

    /// Mean absolute error of the map `w` on `rows`.
    fn mae(&self, rows: std::ops::Range<usize>, w: &[f64]) -> f64 {
        let (l, h) = (self.lookback, self.horizon);
        let mut xi = vec![0.0; l];
        let (mut sum, mut n) = (0.0, 0usize);
        for r in rows {
            self.input(r, &mut xi);
            for s in 0..h {
                let pred: f64 = (0..l).map(|i| xi[i] * w[i * h + s]).sum();
                sum += (pred - self.target(r, s)).abs();
                n += 1;
            }
        }
        if n == 0 {
            f64::INFINITY
        } else {
            sum / n as f64
        }
    }
}

/// The normal equations of the correction `D` on some rows: `G = XᵀX`, `B = Xᵀ(Y − XW₀)`.
struct Normal {
    g: Vec<f64>,
    b: Vec<f64>,
    n: usize,
    lookback: usize,
    horizon: usize,
}

impl Normal {
    fn of(rows: &Rows<'_>, range: std::ops::Range<usize>, w0: &[f64], l: usize, h: usize) -> Self {
        let mut g = vec![0.0; l * l];
        let mut b = vec![0.0; l * h];
        let mut xi = vec![0.0; l];
        let mut resid = vec![0.0; h];
        let n = range.len();
        for r in range {
            rows.input(r, &mut xi);
            for (s, e) in resid.iter_mut().enumerate() {
                let base: f64 = (0..l).map(|i| xi[i] * w0[i * h + s]).sum();
                *e = rows.target(r, s) - base;
            }
            for i in 0..l {
                let xv = xi[i];
                if xv == 0.0 {
                    continue;
                }
                for j in i..l {
                    g[i * l + j] += xv * xi[j];
                }
                for (s, e) in resid.iter().enumerate() {
                    b[i * h + s] += xv * e;
                }
            }
        }
        for i in 0..l {
            for j in 0..i {
                g[i * l + j] = g[j * l + i];
            }
        }
        Self {
            g,
            b,
            n,
            lookback: l,
            horizon: h,
        }
    }

    /// `W₀ + D` for this `lambda`; `None` when the system is not positive definite.
    fn solve(&self, lambda: f64, w0: &[f64]) -> Option<Vec<f64>> {
        let (l, h) = (self.lookback, self.horizon);
        let mut a = self.g.clone();
        let ridge = lambda * self.n.max(1) as f64;
        for i in 0..l {
            a[i * l + i] += ridge;
        }
        let chol = cholesky(&mut a, l)?;
        let mut w = w0.to_vec();
        for s in 0..h {
            let mut col: Vec<f64> = (0..l).map(|i| self.b[i * h + s]).collect();
            chol.solve(&mut col);
            for (i, d) in col.iter().enumerate() {
                w[i * h + s] += d;
            }
        }
        Some(w)
    }
}

/// A lower-triangular Cholesky factor `A = LLᵀ`, row-major `n × n`.
struct Cholesky<'a> {
    l: &'a [f64],
    n: usize,
}

/// Factors the symmetric matrix `a` in place; `None` when it is not positive definite.
fn cholesky(a: &mut [f64], n: usize) -> Option<Cholesky<'_>> {
    for j in 0..n {
        let mut d = a[j * n + j];
        for k in 0..j {
            d -= a[j * n + k] * a[j * n + k];
        }
        if d <= 0.0 || !d.is_finite() {
            return None;
        }
        let d = d.sqrt();
        a[j * n + j] = d;
        for i in j + 1..n {
            let mut v = a[i * n + j];
            for k in 0..j {
                v -= a[i * n + k] * a[j * n + k];
            }
            a[i * n + j] = v / d;
        }
    }
    Some(Cholesky { l: a, n })
}

impl Cholesky<'_> {
    /// Solves `A·x = b` in place.
    fn solve(&self, b: &mut [f64]) {
        let (l, n) = (self.l, self.n);
        for i in 0..n {
            let mut v = b[i];
            for k in 0..i {
                v -= l[i * n + k] * b[k];
            }
            b[i] = v / l[i * n + i];
        }
        for i in (0..n).rev() {
            let mut v = b[i];
            for k in i + 1..n {
                v -= l[k * n + i] * b[k];
            }
            b[i] = v / l[i * n + i];
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::config::WindowNorm;
    use crate::train::skip_init::SkipStart;

    #[test]
    fn cholesky_solves_a_hand_system() {
        // A = [[4, 2], [2, 3]], b = [2, 1] → x = [0.5, 0]
        let mut a = vec![4.0, 2.0, 2.0, 3.0];
        let c = cholesky(&mut a, 2).unwrap();
        let mut b = vec![2.0, 1.0];
        c.solve(&mut b);
        assert!((b[0] - 0.5).abs() < 1e-12 && b[1].abs() < 1e-12, "{b:?}");
        let mut singular = vec![1.0, 1.0, 1.0, 1.0];
        assert!(cholesky(&mut singular, 2).is_none());
    }

    fn data<'a>(matrix: &'a [f32], train: &'a [usize], lookback: usize) -> TrainData<'a> {
        with_norm(matrix, train, lookback, WindowNorm::Last)
    }

    fn with_norm<'a>(
        matrix: &'a [f32],
        train: &'a [usize],
        lookback: usize,
        window_norm: WindowNorm,
    ) -> TrainData<'a> {
        TrainData {
            matrix,
            features: 1,
            targets: 1,
            lookback,
            horizon: 2,
            train,
            val: &[],
            window_norm,
            season: 4,
            known: crate::train::KnownAhead::default(),
            rollout: 0,
        }
    }

    #[test]
    fn an_exact_baseline_stays_and_an_ar_process_is_learned() {
        // A period-4 pattern: seasonal naive is exact, so the fit keeps it.
        let matrix: Vec<f32> = (0..80).map(|i| [1.0, 5.0, 2.0, 8.0][i % 4]).collect();
        let train: Vec<usize> = (7..70).collect();
        let d = data(&matrix, &train, 8);
        let w0 = SkipStart::SeasonalNaive(4).weights(8, 2).unwrap();
        let w = fitted(&d, &w0).unwrap();
        for (a, b) in w.iter().zip(&w0) {
            assert!((a - b).abs() < 1e-4, "{w:?}");
        }
        // x_t = −0.5·x_{t−1} + 0.3·x_{t−2} + noise, on raw windows: naive (the start) is
        // far off, the fit recovers the AR's maps: step 1 = −0.5·x_{t−1} + 0.3·x_{t−2},
        // step 2 = −0.5·step 1 + 0.3·x_{t−1} = 0.55·x_{t−1} − 0.15·x_{t−2}.
        let mut rng = crate::rng::Rng::new(3);
        let mut v = vec![0.0f32, 1.0];
        for t in 2..3000 {
            let e = rng.normal() as f32 * 0.1;
            v.push(-0.5 * v[t - 1] + 0.3 * v[t - 2] + e);
        }
        let train: Vec<usize> = (3..2990).collect();
        let d = with_norm(&v, &train, 4, WindowNorm::None);
        let naive = SkipStart::Naive.weights(4, 2).unwrap();
        let w = fitted(&d, &naive).unwrap();
        let (x, y) = d.gather(&train);
        let rows = Rows::new(&x, &y, &d);
        let wf: Vec<f64> = w.iter().map(|v| f64::from(*v)).collect();
        let nf: Vec<f64> = naive.iter().map(|v| f64::from(*v)).collect();
        let (fit, base) = (rows.mae(0..rows.len(), &wf), rows.mae(0..rows.len(), &nf));
        assert!(fit < 0.7 * base, "fitted {fit} vs naive {base}");
        // rows 3 and 2 of the [4 × 2] map: x_{t−1} and x_{t−2}
        for (i, want) in [
            (3 * 2, -0.5),
            (2 * 2, 0.3),
            (3 * 2 + 1, 0.55),
            (2 * 2 + 1, -0.15),
        ] {
            assert!((w[i] - want).abs() < 0.05, "{w:?}");
        }
    }

    #[test]
    fn too_few_windows_or_too_long_a_window_keep_the_baseline() {
        let matrix: Vec<f32> = (0..40).map(|i| i as f32).collect();
        let d = data(&matrix, &[5, 6, 7], 4);
        assert!(fitted(&d, &SkipStart::Naive.weights(4, 2).unwrap()).is_none());
        let long: Vec<usize> = (MAX_LOOKBACK..MAX_LOOKBACK + 20).collect();
        let m = vec![0.0f32; MAX_LOOKBACK + 40];
        let d = data(&m, &long, MAX_LOOKBACK + 1);
        let w0 = vec![0.0; (MAX_LOOKBACK + 1) * 2];
        assert!(fitted(&d, &w0).is_none());
    }
}
