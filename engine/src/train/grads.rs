//! Gradient norms by parameter and layer, and global-norm / value clipping.

use burn::module::{Module, ModuleVisitor, Param};
use burn::optim::GradientsParams;
use burn::tensor::Tensor;

use crate::config::ClipKind;
use crate::model::Forecaster;

/// Gradient norm above which gradients are exploding (the playbook's threshold; the
/// training doctor alerts on it).
pub const EXPLODING_NORM: f64 = 10.0;
/// Gradient norm below which gradients are vanishing (the playbook's threshold).
pub const VANISHING_NORM: f64 = 1e-5;

/// L2 norm of each parameter's gradient, named by its path (`layers.0.w_hh`, `head_w`).
#[derive(Clone, Debug, Default)]
pub struct GradNorms {
    /// (parameter path, L2 norm) in module order.
    pub params: Vec<(String, f64)>,
}

impl GradNorms {
    /// Measures `grads` of `model`.
    pub fn measure(model: &Forecaster, grads: &GradientsParams) -> Self {
        let mut visitor = NormVisitor {
            grads,
            path: Vec::new(),
            out: Vec::new(),
        };
        model.visit(&mut visitor);
        Self {
            params: visitor.out,
        }
    }

    /// √(Σ‖g‖²) over all parameters.
    pub fn global(&self) -> f64 {
        self.params.iter().map(|(_, n)| n * n).sum::<f64>().sqrt()
    }

    /// The first parameter whose gradient is NaN or infinite.
    pub fn first_non_finite(&self) -> Option<&str> {
        self.params
            .iter()
            .find(|(_, n)| !n.is_finite())
            .map(|(name, _)| name.as_str())
    }

    /// Norms aggregated per layer group (`layer 1`, …, `head`), bottom first.
    pub fn per_layer(&self) -> Vec<(String, f64)> {
        let mut groups: Vec<(String, f64)> = Vec::new();
        for (name, norm) in &self.params {
            let group = layer_group(name);
            match groups.iter_mut().find(|(g, _)| *g == group) {
                Some((_, sq)) => *sq += norm * norm,
                None => groups.push((group, norm * norm)),
            }
        }
        groups.into_iter().map(|(g, sq)| (g, sq.sqrt())).collect()
    }
}

/// "layers.0.w_ih" → "layer 1"; a seq2seq decoder's "decoder.1.w_hh" → "decoder 2";
/// "head_w" → "head".
pub(crate) fn layer_group(path: &str) -> String {
    let mut parts = path.split('.');
    match (
        parts.next(),
        parts.next().and_then(|i| i.parse::<usize>().ok()),
    ) {
        (Some("layers"), Some(i)) => format!("layer {}", i + 1),
        (Some("decoder"), Some(i)) => format!("decoder {}", i + 1),
        // A bidirectional encoder's second stack.
        (Some("backward"), Some(i)) => format!("backward layer {}", i + 1),
        _ => "head".to_string(),
    }
}

struct NormVisitor<'a> {
    grads: &'a GradientsParams,
    path: Vec<String>,
    out: Vec<(String, f64)>,
}

impl ModuleVisitor for NormVisitor<'_> {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.push(name.to_string());
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }

    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        if let Some(g) = self.grads.get::<D>(param.id) {
            let sq: f32 = g.square().sum().into_scalar();
            self.out.push((self.path.join("."), f64::from(sq).sqrt()));
        }
    }
}

/// Applies `clip` given the measured global norm; returns whether anything was clipped.
pub fn clip(
    model: &Forecaster,
    grads: &mut GradientsParams,
    norms: &GradNorms,
    clip: ClipKind,
) -> bool {
    let op = match clip {
        ClipKind::None => return false,
        ClipKind::Norm { max } => {
            let global = norms.global();
            if global <= max {
                return false;
            }
            // PyTorch adds 1e-6 to the denominator; keep the same arithmetic.
            ClipOp::Scale((max / (global + 1e-6)) as f32)
        }
        ClipKind::Value { max } => {
            if norms.params.iter().all(|(_, n)| *n <= max) {
                // No element can exceed max when no whole-tensor norm does.
                return false;
            }
            ClipOp::Clamp(max as f32)
        }
    };
    let mut visitor = ClipVisitor { grads, op };
    model.visit(&mut visitor);
    true
}

#[derive(Clone, Copy)]
enum ClipOp {
    Scale(f32),
    Clamp(f32),
}

struct ClipVisitor<'a> {
    grads: &'a mut GradientsParams,
    op: ClipOp,
}

impl ModuleVisitor for ClipVisitor<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        if let Some(g) = self.grads.remove::<D>(param.id) {
            let g = match self.op {
                ClipOp::Scale(f) => g.mul_scalar(f),
                ClipOp::Clamp(m) => g.clamp(-m, m),
            };
            self.grads.register(param.id, g);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layer_groups_and_global_norm() {
        let norms = GradNorms {
            params: vec![
                ("layers.0.w_ih".into(), 3.0),
                ("layers.0.w_hh".into(), 4.0),
                ("layers.1.w_ih".into(), 1.0),
                ("decoder.0.w_hh".into(), 2.0),
                ("head_w".into(), 2.0),
                ("head_b".into(), 0.0),
            ],
        };
        // √(9+16+1+4+4) = √34
        assert!((norms.global() - 34f64.sqrt()).abs() < 1e-12);
        assert_eq!(
            norms.per_layer(),
            vec![
                ("layer 1".to_string(), 5.0),
                ("layer 2".to_string(), 1.0),
                ("decoder 1".to_string(), 2.0),
                ("head".to_string(), 2.0)
            ]
        );
        assert_eq!(norms.first_non_finite(), None);
    }
}
