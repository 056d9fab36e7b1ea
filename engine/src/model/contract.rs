//! The contract between the model's two implementations ([`super::path`]): what
//! [`Forecaster::forward`](super::Forecaster::forward) computes and what
//! [`super::fast`] must compute identically, forward and backward. A change to one side
//! is a change to both; `model/fast/tests/` holds them to 1e-4 relative (gradients) and
//! 1e-5 (predictions) for every cell, depth, dropout and the linear skip.
//!
//! **Parameters** (read through [`tensor_values`](super::tensor_values), registered
//! back into burn's `GradientsParams` by `param.id`, so clipping, norms and the
//! optimiser see one set of gradients whichever path made them):
//! - per layer `w_ih: [d_in, G·H]`, `w_hh: [H, G·H]`, `b_ih`, `b_hh: [G·H]`, gate blocks
//!   side by side along the output axis in PyTorch's order: LSTM input, forget, cell,
//!   output (`G = 4`); GRU reset, update, new (`G = 3`, the reset gate applied to
//!   `W_hn·h + b_hn` as PyTorch does); RNN one tanh block (`G = 1`);
//! - `head_w: [H, horizon·targets]`, `head_b`; outputs are step-major (step 0's targets
//!   first);
//! - the optional linear skip `skip_w: [lookback, horizon]`, shared by the forecast
//!   columns (the first `targets` input features) and added to the head's output.
//!
//! **Windows**: `x: [B, lookback, features]`; the recurrent layers read only the last
//! [`recurrent_len`](super::Forecaster::recurrent_len) steps (all of them without the
//! skip), the skip reads the whole lookback. The head reads the top layer's last
//! hidden state. Initial states are zero.
//!
//! **Dropout** (training only, inverted, `p = model.dropout`): masks come from the run's
//! own [`Rng`](crate::rng::Rng), in this order: after each non-top layer one
//! `[B, T, H]` mask (row-major, `T` the recurrent length), then one `[B, H]` mask on the
//! top layer's last state before the head; none when `p = 0`. Both paths draw exactly
//! these numbers, so a seed gives the same run on either.
//!
//! **Loss**: the mean over every output of the batch, MSE, MAE or Huber
//! ([`super::loss`]; the fast path's `fast::mean_loss` and its derivative).
//!
//! **Probes**: with `probe`, the L2 norm over the batch of `dL/dh_t` for every layer and
//! recurrent step ([`super::path::time_norms`]): on burn, the gradient of a zero tensor
//! added to each step's hidden state; on the fast path, read off the backward pass.
//!
//! **Memory**: burn records the graph of every tracked tensor in a process-wide
//! registry and frees orphans only during a `backward()`. The fast path never calls it,
//! so a training run starts with one tiny backward (`train::run`) that sweeps the
//! graphs earlier runs left behind (~300 KB a run otherwise, without bound).
