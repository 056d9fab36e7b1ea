//! Range checks on a [`RunConfig`] that do not depend on the data. Each message names
//! the field and the allowed range.

use super::{ClipKind, CyclicMode, LossKind, RunConfig, ScheduleKind, Split};
use crate::error::{EngineError, Result};

/// A configuration error naming the field and the bound.
fn bad(message: String) -> EngineError {
    EngineError::Config(message)
}

/// The most steps a window setting may have (lookback, horizon, stride).
pub const MAX_WINDOW_STEPS: usize = 10_000_000;

impl RunConfig {
    /// Checks every range that does not depend on the data; names the field and the bound.
    pub fn validate(&self) -> Result<()> {
        self.validate_windows()?;
        self.validate_model()?;
        self.validate_train()?;
        self.validate_data()
    }

    fn validate_windows(&self) -> Result<()> {
        let w = &self.window;
        if w.lookback == 0 {
            return Err(bad("window.lookback must be at least 1".into()));
        }
        if w.horizon == 0 {
            return Err(bad("window.horizon must be at least 1".into()));
        }
        if w.stride == 0 {
            return Err(bad("window.stride must be at least 1".into()));
        }
        // Far beyond any series seqcast can load (1 GiB of CSV), and small enough that
        // no index arithmetic on windows can overflow.
        for (name, value) in [
            ("lookback", w.lookback),
            ("horizon", w.horizon),
            ("stride", w.stride),
        ] {
            if value > MAX_WINDOW_STEPS {
                return Err(bad(format!(
                    "window.{name} must be at most {MAX_WINDOW_STEPS}, got {value}"
                )));
            }
        }
        Ok(())
    }

    fn validate_model(&self) -> Result<()> {
        let m = &self.model;
        if m.hidden == 0 || m.hidden > 4096 {
            return Err(bad(format!(
                "model.hidden must be in 1..=4096, got {}",
                m.hidden
            )));
        }
        let max_layers = super::model::max_layers(m.residual);
        if !(1..=max_layers).contains(&m.layers) {
            let why = if m.residual {
                ""
            } else {
                " (up to 8 with model.residual = true)"
            };
            return Err(bad(format!(
                "model.layers must be in 1..={max_layers}{why}, got {}",
                m.layers
            )));
        }
        if m.peephole && m.cell != super::CellKind::Lstm {
            return Err(bad(format!(
                "model.peephole needs an LSTM (peepholes read the cell state), got {}",
                m.cell.name()
            )));
        }
        if m.peephole && m.strategy == super::Strategy::Seq2seq {
            return Err(bad(
                "model.peephole is not available for the seq2seq strategy yet".into(),
            ));
        }
        if m.dropout_mode == super::DropoutMode::Variational
            && m.strategy == super::Strategy::Seq2seq
        {
            return Err(bad(
                "model.dropout_mode = variational is not available for the seq2seq strategy \
                 yet: use standard dropout there"
                    .into(),
            ));
        }
        if let Some(t) = m.tbptt {
            if t.k1 == 0 || t.k2 == 0 || t.k1 > MAX_WINDOW_STEPS || t.k2 > MAX_WINDOW_STEPS {
                return Err(bad(format!(
                    "model.tbptt needs k1 and k2 in 1..={MAX_WINDOW_STEPS} (steps run \
                     forward at a time, steps backpropagated), got {},{}",
                    t.k1, t.k2
                )));
            }
            if m.strategy == super::Strategy::Seq2seq {
                return Err(bad(
                    "model.tbptt is not available for the seq2seq strategy yet (its \
                     attention and decoder read every encoder step): use direct or \
                     recursive"
                        .into(),
                ));
            }
        }
        if m.layer_norm && m.strategy == super::Strategy::Seq2seq {
            return Err(bad(
                "model.layer_norm is not available for the seq2seq strategy yet: use direct \
                 or recursive"
                    .into(),
            ));
        }
        if m.bidirectional && m.strategy == super::Strategy::Seq2seq {
            return Err(bad(
                "model.bidirectional is not available for the seq2seq strategy yet: use \
                 direct or recursive"
                    .into(),
            ));
        }
        if m.residual && m.strategy == super::Strategy::Seq2seq {
            return Err(bad(
                "model.residual is not available for the seq2seq strategy yet: use direct or \
                 recursive, or turn residual connections off"
                    .into(),
            ));
        }
        if !(0.0..1.0).contains(&m.dropout) {
            return Err(bad(format!(
                "model.dropout must be in [0, 1), got {}",
                m.dropout
            )));
        }
        if !m.forget_bias.is_finite() {
            return Err(bad("model.forget_bias must be finite".into()));
        }
        if !m.attention.is_none() && m.strategy != super::Strategy::Seq2seq {
            return Err(bad(format!(
                "attention ({}) is a seq2seq decoder's: set model.strategy = seq2seq \
                 (--strategy seq2seq) or attention none",
                m.attention.name()
            )));
        }
        Ok(())
    }

    fn validate_train(&self) -> Result<()> {
        let t = &self.train;
        if t.epochs == 0 {
            return Err(bad("train.epochs must be at least 1".into()));
        }
        if t.batch == 0 {
            return Err(bad("train.batch must be at least 1".into()));
        }
        if let Some(problem) = t.teacher_forcing.problem() {
            return Err(bad(problem));
        }
        if let Some(problem) = super::changes::problem(&t.changes) {
            return Err(bad(problem));
        }
        if self.model.strategy != super::Strategy::Seq2seq
            && t.changes
                .iter()
                .any(|c| c.field == super::Knob::TeacherForcing)
        {
            return Err(bad(
                "train.changes: teacher forcing applies to a seq2seq model only".into(),
            ));
        }
        if t.checkpoints > super::train::MAX_CHECKPOINTS {
            return Err(bad(format!(
                "train.checkpoints keeps at most {} checkpoints, got {}",
                super::train::MAX_CHECKPOINTS,
                t.checkpoints
            )));
        }
        if t.checkpoint_every > t.epochs.max(1) {
            return Err(bad(format!(
                "train.checkpoint_every ({}) is longer than the run ({} epochs)",
                t.checkpoint_every, t.epochs
            )));
        }
        if !(0.0..1.0).contains(&t.weight_average) {
            return Err(bad(format!(
                "train.weight_average must be a decay in [0, 1) (0 = off), got {}",
                t.weight_average
            )));
        }
        if !(t.lr.is_finite() && t.lr > 0.0) {
            return Err(bad(format!(
                "train.lr must be a positive number, got {}",
                t.lr
            )));
        }
        if !(0.0..1.0).contains(&t.momentum) {
            return Err(bad(format!(
                "train.momentum must be in [0, 1), got {}",
                t.momentum
            )));
        }
        if !(t.weight_decay.is_finite() && t.weight_decay >= 0.0) {
            return Err(bad(format!(
                "train.weight_decay must be ≥ 0, got {}",
                t.weight_decay
            )));
        }
        match t.clip {
            ClipKind::Norm { max } | ClipKind::Value { max } if !(max.is_finite() && max > 0.0) => {
                return Err(bad(format!("train.clip max must be positive, got {max}")));
            }
            _ => {}
        }
        if let LossKind::Huber { delta } = t.loss
            && !(delta.is_finite() && delta > 0.0)
        {
            return Err(bad(format!(
                "train.loss huber delta must be positive, got {delta}"
            )));
        }
        match t.schedule {
            ScheduleKind::Warmup { epochs: 0 } => {
                return Err(bad("train.schedule warmup epochs must be at least 1".into()));
            }
            ScheduleKind::Step { every, gamma } if every == 0 || !(gamma > 0.0 && gamma <= 1.0) => {
                return Err(bad(
                    "train.schedule step needs every ≥ 1 and 0 < gamma ≤ 1".into()
                ));
            }
            ScheduleKind::Plateau { factor, .. } if !(factor > 0.0 && factor < 1.0) => {
                return Err(bad(format!(
                    "train.schedule plateau factor must be in (0, 1), got {factor}"
                )));
            }
            ScheduleKind::Cosine { min_lr } | ScheduleKind::Plateau { min_lr, .. }
                if !(min_lr.is_finite() && min_lr >= 0.0) =>
            {
                return Err(bad(format!(
                    "train.schedule min_lr must be a finite number ≥ 0, got {min_lr}"
                )));
            }
            ScheduleKind::Cyclic {
                low,
                high,
                step,
                mode,
            } => {
                if !(low.is_finite() && low > 0.0 && high.is_finite() && high >= low) {
                    return Err(bad(format!(
                        "train.schedule cyclic needs 0 < low ≤ high, got low {low}, high {high}"
                    )));
                }
                if !(step.is_finite() && step > 0.0) {
                    return Err(bad(format!(
                        "train.schedule cyclic step (half a cycle, in epochs) must be positive, \
                         got {step}"
                    )));
                }
                if let CyclicMode::ExpRange { gamma } = mode
                    && !(gamma > 0.0 && gamma <= 1.0)
                {
                    return Err(bad(format!(
                        "train.schedule cyclic exp_range gamma must be in (0, 1], got {gamma}"
                    )));
                }
            }
            ScheduleKind::OneCycle { max_lr } if !(max_lr.is_finite() && max_lr > 0.0) => {
                return Err(bad(format!(
                    "train.schedule onecycle max_lr must be positive, got {max_lr}"
                )));
            }
            _ => {}
        }
        Ok(())
    }

    fn validate_intervals(&self) -> Result<()> {
        let levels = &self.eval.intervals;
        if levels.len() > super::eval::MAX_INTERVALS {
            return Err(bad(format!(
                "eval.intervals: at most {} levels, got {}",
                super::eval::MAX_INTERVALS,
                levels.len()
            )));
        }
        if let Some(l) = levels
            .iter()
            .find(|l| !(l.is_finite() && **l > 0.0 && **l < 1.0))
        {
            return Err(bad(format!(
                "eval.intervals: a level is a share between 0 and 1 (0.8 for 80 %), got {l}"
            )));
        }
        for (i, a) in levels.iter().enumerate() {
            if levels.iter().skip(i + 1).any(|b| (a - b).abs() < 1e-9) {
                return Err(bad(format!("eval.intervals: the level {a} is given twice")));
            }
        }
        Ok(())
    }

    fn validate_data(&self) -> Result<()> {
        self.validate_intervals()?;
        if !self.data.static_columns.is_empty() && self.data.series_column.is_none() {
            return Err(bad(format!(
                "static attributes ({}) are columns constant within each series: they need a \
                 series column (data.series_column)",
                self.data.static_columns.join(", ")
            )));
        }
        match self.data.split {
            Split::Fractions { train, val, test } => {
                let all = [train, val, test];
                if all.iter().any(|f| !(f.is_finite() && *f >= 0.0)) || train <= 0.0 {
                    return Err(bad("data.split fractions must be ≥ 0 with train > 0".into()));
                }
                if train + val + test > 1.0 + 1e-9 {
                    return Err(bad(format!(
                        "data.split fractions sum to {:.3}, more than 1",
                        train + val + test
                    )));
                }
            }
            Split::Rows { train: 0, .. } => {
                return Err(bad("data.split train rows must be at least 1".into()));
            }
            Split::Rows { train, val, test }
                if train
                    .checked_add(val)
                    .and_then(|n| n.checked_add(test))
                    .is_none() =>
            {
                return Err(bad(format!(
                    "data.split rows {train} + {val} + {test} are more rows than can be counted"
                )));
            }
            Split::Rows { .. } => {}
            Split::Last { test: 0, .. } => {
                return Err(bad("data.split last: test rows must be at least 1".into()));
            }
            Split::Last { .. } => {}
        }
        if let Some(b) = self.eval.backtest
            && b.every == 0
        {
            return Err(bad(
                "eval.backtest.every: forecast from every K-th origin, K at least 1".into(),
            ));
        }
        if self.eval.season == Some(0) {
            return Err(bad("eval.season must be at least 1".into()));
        }
        Ok(())
    }
}
