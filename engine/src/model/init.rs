//! Weight initialisation drawn from the run's own [`Rng`], so a run is reproducible
//! whatever else the process is doing.

use crate::rng::Rng;

/// Uniform in [−bound, bound], row-major `[rows × cols]`.
pub fn uniform(rng: &mut Rng, rows: usize, cols: usize, bound: f64) -> Vec<f32> {
    (0..rows * cols)
        .map(|_| rng.uniform_range(-bound, bound) as f32)
        .collect()
}

/// Xavier/Glorot uniform for a `[fan_in × fan_out]` block (suited to tanh/sigmoid).
pub fn xavier(rng: &mut Rng, fan_in: usize, fan_out: usize) -> Vec<f32> {
    let bound = (6.0 / (fan_in + fan_out) as f64).sqrt();
    uniform(rng, fan_in, fan_out, bound)
}

/// A random `n × n` orthogonal matrix (row-major): QR of a Gaussian matrix by modified
/// Gram–Schmidt, with the sign convention that makes the distribution uniform (Haar).
pub fn orthogonal(rng: &mut Rng, n: usize) -> Vec<f32> {
    // Columns of a Gaussian matrix, orthonormalised in f64.
    let mut cols: Vec<Vec<f64>> = (0..n)
        .map(|_| (0..n).map(|_| rng.normal()).collect())
        .collect();
    for j in 0..n {
        let (done, rest) = cols.split_at_mut(j);
        let Some(v) = rest.first_mut() else { break };
        for q in done.iter() {
            let dot: f64 = q.iter().zip(v.iter()).map(|(a, b)| a * b).sum();
            v.iter_mut().zip(q).for_each(|(x, qi)| *x -= dot * qi);
        }
        let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
        // A Gaussian column is dependent on the others with probability 0; if it ever
        // happens, a unit vector keeps the matrix finite (it is then only near-orthogonal).
        let inv = if norm > 1e-12 { 1.0 / norm } else { 0.0 };
        v.iter_mut().for_each(|x| *x *= inv);
    }
    let mut out = vec![0.0f32; n * n];
    for (j, col) in cols.iter().enumerate() {
        for (i, x) in col.iter().enumerate() {
            if let Some(slot) = out.get_mut(i * n + j) {
                *slot = *x as f32;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orthogonal_has_orthonormal_columns() {
        let n = 16;
        let q = orthogonal(&mut Rng::new(5), n);
        for a in 0..n {
            for b in 0..n {
                let dot: f32 = (0..n).map(|i| q[i * n + a] * q[i * n + b]).sum();
                let want = if a == b { 1.0 } else { 0.0 };
                assert!((dot - want).abs() < 1e-5, "({a},{b}) = {dot}");
            }
        }
    }

    #[test]
    fn xavier_respects_its_bound() {
        let w = xavier(&mut Rng::new(1), 10, 30);
        let bound = (6.0f32 / 40.0).sqrt();
        assert_eq!(w.len(), 300);
        assert!(w.iter().all(|x| x.abs() <= bound));
        assert!(w.iter().any(|x| x.abs() > bound * 0.9));
    }
}
