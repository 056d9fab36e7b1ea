//! Checkpoints: a run's whole training state at the end of an epoch, so that a branch
//! continues from there instead of retraining the epochs before it.
//!
//! The state is everything the next step reads: the weights (with the parameter ids the
//! optimiser's moments are keyed by), the optimiser's record, the random streams
//! (shuffling, dropout, teacher forcing), the shuffled order (each epoch shuffles the
//! previous one), the schedule, the weight average, the best weights, early stopping's
//! count, the live settings and the changes applied, and the history. Resumed, the run
//! continues bit for bit as it would have.
//!
//! The trainer takes a [`Captured`] state at the chosen epochs (cheap: tensors are shared
//! until the next update replaces them) and [`Keeper`] bounds how many it holds; they
//! are encoded once, when the run ends ([`super::checkpoint_file`]).

use burn::module::{Module, ModuleMapper, Param, ParamId};
use burn::optim::OptimizerRecord;
use burn::tensor::{Bytes, Tensor, TensorData};
use sha2::{Digest, Sha256};

use super::checkpoint_file::{Captured, Checkpoint, TrainState, encode};
use super::{EpochRecord, TrainData};
use crate::config::{Change, ModelConfig, TrainConfig};
use crate::error::Result;
use crate::model::Forecaster;

/// Which epochs a run keeps and the states taken there.
pub(super) struct Keeper {
    /// Epochs between kept states (doubles as the run outgrows `keep`).
    every: usize,
    keep: usize,
    /// What the state belongs to ([`key`]).
    pub(super) key: String,
    periodic: Vec<Captured>,
    best: Option<Captured>,
}

impl Keeper {
    /// Keeps for `config` (None when it keeps no checkpoints; `key` is only computed,
    /// over the whole data, when it keeps some).
    pub(super) fn new(config: &TrainConfig, key: impl FnOnce() -> String) -> Option<Self> {
        (config.checkpoints > 0).then(|| Self {
            every: config.checkpoint_every.max(1),
            keep: config.checkpoints,
            key: key(),
            periodic: Vec::new(),
            best: None,
        })
    }

    /// Whether the state after `epoch` is wanted (`best`: the epoch is the best so far;
    /// `last`: it is the run's last).
    pub(super) fn wants(&self, epoch: usize, (best, last): (bool, bool)) -> bool {
        best || last || epoch.is_multiple_of(self.every)
    }

    /// Files the state after its epoch: as the best (replacing the previous best) and/or
    /// as a periodic one, thinning the periodic ones to at most `keep`. The run's last
    /// epoch is always kept (a branch that trains on for more epochs starts there): the
    /// oldest of the others makes room for it.
    pub(super) fn file(&mut self, state: Captured, (best, last): (bool, bool)) {
        let periodic = last || state.epoch.is_multiple_of(self.every);
        match (best, periodic) {
            (true, true) => {
                self.best = Some(state.clone());
                self.periodic.push(state);
            }
            (true, false) => self.best = Some(state),
            (false, true) => self.periodic.push(state),
            (false, false) => return,
        }
        while self.periodic.len() > self.keep {
            if last {
                // In epoch order: the first is the oldest, the last one just filed.
                self.periodic.remove(0);
                continue;
            }
            self.every = self.every.saturating_mul(2);
            let every = self.every;
            self.periodic.retain(|c| c.epoch.is_multiple_of(every));
        }
    }

    /// The best state unless a periodic one is of the same epoch.
    fn distinct_best(&self) -> Option<&Captured> {
        self.best
            .as_ref()
            .filter(|b| self.periodic.iter().all(|c| c.epoch != b.epoch))
    }

    /// The kept states, encoded, in epoch order.
    pub(super) fn encode(
        self,
        history: &[EpochRecord],
        changes: &[Change],
        epochs: usize,
    ) -> Result<Vec<Checkpoint>> {
        let best = self.distinct_best().is_some();
        let key = self.key;
        let mut states: Vec<Captured> = self.periodic;
        states.extend(self.best.filter(|_| best));
        states.sort_by_key(|c| c.epoch);
        states
            .into_iter()
            .map(|c| {
                let epoch = c.epoch;
                let bytes = encode(c, &key, (history, changes), epochs)?;
                Ok(Checkpoint { epoch, bytes })
            })
            .collect()
    }
}

/// The fingerprint of everything a run's epochs depend on besides the changes: the
/// model's and training's settings (all but the epoch budget when the schedule does
/// not depend on it, the change list, the branch point and the checkpoint settings)
/// and the windows' data.
pub(super) fn key(model: &ModelConfig, train: &TrainConfig, data: &TrainData<'_>) -> String {
    let settings = TrainConfig {
        epochs: if crate::config::epochs_shape_the_past(model.strategy, train) {
            train.epochs
        } else {
            0
        },
        changes: Vec::new(),
        branch: None,
        checkpoints: 0,
        checkpoint_every: 0,
        ..train.clone()
    };
    let mut h = Sha256::new();
    // Both serialise (plain settings); an error would only leave them out of the key.
    h.update(serde_json::to_vec(model).unwrap_or_default());
    h.update(serde_json::to_vec(&settings).unwrap_or_default());
    let dims = [
        data.features,
        data.targets,
        data.lookback,
        data.horizon,
        data.season,
        data.rollout,
        data.train.len(),
        data.val.len(),
        data.known.columns.len(),
    ];
    for n in dims {
        h.update((n as u64).to_le_bytes());
    }
    h.update(format!("{:?}", data.window_norm));
    h.update(bytemuck::cast_slice::<f32, u8>(data.matrix));
    h.update(bytemuck::cast_slice::<f32, u8>(data.known.beyond));
    for list in [data.train, data.val, data.known.columns] {
        for &i in list {
            h.update((i as u64).to_le_bytes());
        }
    }
    format!("{:x}", h.finalize())
}

/// What a decoded state restores, checked against the fresh trainer it goes into: the
/// state as the trainer takes it, with the history and the changes it had applied.
pub(super) type Restored = (Captured, Vec<EpochRecord>, Vec<Change>);

impl TrainState {
    /// Unpacks the state for a run of `config` whose fresh model is `fresh` and whose
    /// [`key`] is `key`; why not, when it belongs to another run or does not fit.
    pub(super) fn restore(
        self,
        config: &TrainConfig,
        (fresh, key): (&Forecaster, &str),
        train: &[usize],
    ) -> std::result::Result<Restored, String> {
        let h = self.header;
        if h.key != key {
            return Err("it was taken with other data or settings".into());
        }
        if h.epoch >= config.epochs {
            return Err(format!(
                "it ends epoch {} and the run has {} epochs",
                h.epoch, config.epochs
            ));
        }
        if let Some(why) = implausible(&h, train.len().div_ceil(config.batch.max(1))) {
            return Err(why);
        }
        let scripted = config.changes.iter().take_while(|c| c.step <= h.step);
        if !scripted.eq(h.changes.iter()) {
            return Err("the changes it applied are not the run's up to its step".into());
        }
        let mut sorted = self.order.clone();
        sorted.sort_unstable();
        let mut expected = train.to_vec();
        expected.sort_unstable();
        if sorted != expected {
            return Err("its order is not of the run's training windows".into());
        }
        let layout: Vec<(String, usize)> = super::stats::param_values(fresh)
            .into_iter()
            .map(|(name, v)| (name, v.len()))
            .collect();
        let saved: Vec<(String, usize)> =
            h.params.iter().map(|p| (p.name.clone(), p.len)).collect();
        let total: usize = layout.iter().map(|(_, n)| n).sum();
        if layout != saved || self.model.len() != total {
            return Err("its weights are of another model".into());
        }
        let split = |values: &[f32]| -> Vec<Vec<f32>> {
            let mut at = 0;
            layout
                .iter()
                .map(|(_, n)| {
                    let part = values[at..at + n].to_vec();
                    at += n;
                    part
                })
                .collect()
        };
        let best = match h.best {
            Some(_) if self.best.len() != total => return Err("its best weights are cut".into()),
            Some((loss, epoch)) => Some((
                loss,
                epoch,
                super::average::with_values(&fresh.valid(), &split(&self.best)),
            )),
            None => None,
        };
        let average = match h.average_updates {
            Some(_) if self.average.len() != total => {
                return Err("its averaged weights are cut".into());
            }
            Some(updates) => Some((updates, split(&self.average))),
            None => None,
        };
        let ids: Vec<u64> = h.params.iter().map(|p| p.id).collect();
        let mut model = fresh.clone().map(&mut WithIds {
            values: split(&self.model).into_iter(),
            ids: ids.into_iter(),
        });
        model.dropout = h.dropout;
        let settings = TrainConfig {
            weight_decay: h.live.weight_decay,
            changes: Vec::new(),
            ..config.clone()
        };
        let record = OptimizerRecord::from_bytes(Bytes::from_bytes_vec(self.optimizer))
            .map_err(|e| format!("its optimiser state does not read: {e}"))?;
        // burn panics on a record tensor without a parameter id; the record passed the
        // checksum, so that is a foreign file, refused like the others.
        let optimizer = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            super::optim::build(&settings).load_record(record)
        }))
        .map_err(|_| "its optimiser state is not seqcast's".to_string())?;
        let state = Captured {
            epoch: h.epoch,
            step: h.step,
            model,
            optimizer,
            streams: h.streams,
            teacher: h.teacher,
            order: self.order,
            schedule: h.schedule,
            average,
            best,
            since_best: h.since_best,
            history_len: h.history.len(),
            changes_len: h.changes.len(),
            live: h.live,
            windows_done: h.windows_done,
            train_secs: h.train_secs,
            last: (h.last_loss, h.last_grad_norm),
        };
        Ok((state, h.history, h.changes))
    }
}

/// Why a header's numbers cannot be a state the trainer left after an epoch of
/// `batches` steps (a checkpoint is checksummed, so only a crafted file gets here).
fn implausible(h: &super::checkpoint_file::Header, batches: usize) -> Option<String> {
    let finite = |x: f64| x.is_finite();
    let s = &h.schedule;
    let checks = [
        (h.epoch == 0, "it ends no epoch"),
        (
            h.epoch.checked_mul(batches) != Some(h.step),
            "its step is not its epochs' batches",
        ),
        (
            h.history.len() != h.epoch,
            "its history is not one record per epoch",
        ),
        (
            h.best
                .is_some_and(|(loss, epoch)| !finite(loss) || epoch == 0 || epoch > h.epoch),
            "its best epoch is not one it ran",
        ),
        (
            h.since_best > h.epoch,
            "its count of epochs without improvement is too long",
        ),
        (
            !(0.0..1.0).contains(&h.dropout),
            "its dropout is not in [0, 1)",
        ),
        (
            !(finite(h.live.weight_decay) && h.live.weight_decay >= 0.0),
            "its weight decay is not a number >= 0",
        ),
        (
            !(finite(h.train_secs) && h.train_secs >= 0.0),
            "its training time is not a duration",
        ),
        (
            match h.live.clip {
                crate::config::ClipKind::None => false,
                crate::config::ClipKind::Norm { max } | crate::config::ClipKind::Value { max } => {
                    !(finite(max) && max > 0.0)
                }
            },
            "its clipping threshold is not a positive number",
        ),
        (
            !s.is_sane(),
            "its schedule's state is not finite and positive",
        ),
        (
            h.teacher.is_some_and(|t| !(0.0..=1.0).contains(&t.start)),
            "its teacher forcing is not in [0, 1]",
        ),
    ];
    checks
        .into_iter()
        .find(|(bad, _)| *bad)
        .map(|(_, why)| why.to_string())
}

/// Replaces each float parameter, in module order, by the next values and id (the id
/// the optimiser's record keys its state by).
struct WithIds<V, I> {
    values: V,
    ids: I,
}

impl<V, I> ModuleMapper for WithIds<V, I>
where
    V: Iterator<Item = Vec<f32>>,
    I: Iterator<Item = u64>,
{
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let (Some(values), Some(id)) = (self.values.next(), self.ids.next()) else {
            return param;
        };
        let (_, old, mapper) = param.consume();
        let tensor = Tensor::from_data(TensorData::new(values, old.shape()), &old.device())
            .set_require_grad(old.is_require_grad());
        Param::from_mapped_value(ParamId::from(id), tensor, mapper)
    }
}
