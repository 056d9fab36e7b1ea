//! A seq2seq decoder's attention over the encoder's top-layer states, on burn (the
//! reference for `fast::attention`). At each decoder step the decoder's top state `h`
//! scores every encoder step `t` (dot: `h·e_t`; general: `h·W e_t`, computed as
//! `(hW)·e_t`; additive: `v·tanh(e_t W₁ + h W₂)`), the scores become weights by a
//! softmax over the steps, and their weighted sum of the encoder states, the context, is
//! read by the head beside `h` (Luong et al. 2015's placement; the additive score is
//! Bahdanau et al. 2015's).

use burn::module::{Module, Param};
use burn::tensor::activation::{softmax, tanh};
use burn::tensor::{Device, Tensor, TensorData};

use super::init;
use crate::config::Attention;
use crate::rng::Rng;

/// The attention's weights (none for the dot score).
#[derive(Module, Debug)]
pub struct Attn {
    /// General: `W [H, H]`; additive: `W₁ [H, H]`, applied to the encoder states.
    pub w: Option<Param<Tensor<2>>>,
    /// Additive: `W₂ [H, H]`, applied to the decoder state.
    pub u: Option<Param<Tensor<2>>>,
    /// Additive: `v [H, 1]`.
    pub v: Option<Param<Tensor<2>>>,
    /// The score.
    #[module(skip)]
    pub kind: Attention,
}

/// The shapes of an attention's parameters, in visiting order (`w`, `u`, `v`).
pub fn param_shapes(kind: Attention, hidden: usize) -> Vec<Vec<usize>> {
    match kind {
        Attention::None | Attention::Dot => Vec::new(),
        Attention::General => vec![vec![hidden, hidden]],
        Attention::Additive => vec![vec![hidden, hidden], vec![hidden, hidden], vec![hidden, 1]],
    }
}

impl Attn {
    /// A fresh attention of `kind` over states of `hidden` units (PyTorch's uniform
    /// bound 1/√H); `None` without attention.
    pub fn new(kind: Attention, hidden: usize, rng: &mut Rng, device: &Device) -> Option<Self> {
        let bound = 1.0 / (hidden as f64).sqrt();
        let mut param = |rows: usize, cols: usize| {
            let values = init::uniform(rng, rows, cols, bound);
            Param::from_data(TensorData::new(values, [rows, cols]), device)
        };
        let (w, u, v) = match kind {
            Attention::None => return None,
            Attention::Dot => (None, None, None),
            Attention::General => (Some(param(hidden, hidden)), None, None),
            Attention::Additive => (
                Some(param(hidden, hidden)),
                Some(param(hidden, hidden)),
                Some(param(hidden, 1)),
            ),
        };
        Some(Self { w, u, v, kind })
    }

    /// The context `[B, H]` and the weights `[B, T]` for the decoder state `h: [B, H]`
    /// over the encoder states `enc: [B, T, H]`.
    pub fn context(&self, h: Tensor<2>, enc: Tensor<3>) -> (Tensor<2>, Tensor<2>) {
        let [b, t, hd] = enc.dims();
        let scores = match (self.kind, &self.w, &self.u, &self.v) {
            (Attention::General, Some(w), _, _) => {
                let q = h.matmul(w.val());
                enc.clone().matmul(q.unsqueeze_dim::<3>(2)).reshape([b, t])
            }
            (Attention::Additive, Some(w), Some(u), Some(v)) => {
                let on_enc = enc
                    .clone()
                    .reshape([b * t, hd])
                    .matmul(w.val())
                    .reshape([b, t, hd]);
                let on_dec = h.matmul(u.val()).unsqueeze_dim::<3>(1);
                tanh(on_enc + on_dec)
                    .reshape([b * t, hd])
                    .matmul(v.val())
                    .reshape([b, t])
            }
            // Dot (and a general or additive attention missing its weights, which
            // construction never makes): h·e_t.
            _ => enc.clone().matmul(h.unsqueeze_dim::<3>(2)).reshape([b, t]),
        };
        let weights = softmax(scores, 1);
        let context = weights
            .clone()
            .unsqueeze_dim::<3>(1)
            .matmul(enc)
            .reshape([b, hd]);
        (context, weights)
    }
}
