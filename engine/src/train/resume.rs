//! A trainer's checkpoints: taking its state after an epoch (kept by
//! [`super::checkpoint::Keeper`]) and continuing from a decoded one.

use std::time::Duration;

use super::EpochRecord;
use super::checkpoint;
use super::checkpoint_file::{Captured, Streams, TrainState};
use super::knobs::Knobs;
use super::trainer::{LastFinite, Trainer};
use crate::config::{Change, ModelConfig};
use crate::rng::Rng;

impl Trainer<'_> {
    /// Continues from the checkpoint `state` (the order of the training windows is
    /// restored into `order`); the epoch it ends. On a refusal nothing changes.
    pub(super) fn resume(
        &mut self,
        state: TrainState,
        model_config: &ModelConfig,
        order: &mut Vec<usize>,
    ) -> std::result::Result<usize, String> {
        let key = match &self.keeper {
            Some(k) => k.key.clone(),
            None => checkpoint::key(model_config, self.config, self.data),
        };
        let (r, history, changes) =
            state.restore(self.config, (&self.model, &key), self.data.train)?;
        let average = self.config.weight_average;
        self.model = r.model;
        self.last_good = self.model.clone();
        self.optimizer = r.optimizer;
        self.shuffle_rng = Rng::new(r.streams.shuffle);
        self.dropout_rng = Rng::new(r.streams.dropout);
        if let (Some((tf, rng)), Some(saved), Some(at)) =
            (self.teacher.as_mut(), r.teacher, r.streams.teacher)
        {
            *tf = saved;
            *rng = Rng::new(at);
        }
        *order = r.order;
        self.schedule.restore(r.schedule);
        self.average = r.average.map(|(updates, values)| {
            super::average::WeightAverage::restored(average, updates, values)
        });
        self.best = r.best;
        self.since_best = r.since_best;
        self.history = history;
        self.knobs = Knobs::resumed(r.live, changes);
        self.step = r.step;
        self.windows_done = r.windows_done;
        // Finite and >= 0 (checked); a number too large for a Duration counts as none.
        self.train_time = Duration::try_from_secs_f64(r.train_secs).unwrap_or_default();
        self.last_finite = LastFinite {
            loss: r.last.0,
            grad_norm: r.last.1,
        };
        self.resumed_from = Some(r.epoch);
        Ok(r.epoch)
    }

    /// What a resumed run already holds: the epochs and changes of the run it
    /// continues.
    pub(super) fn restored(&self) -> (&[EpochRecord], &[Change]) {
        (&self.history, &self.knobs.changes)
    }

    /// Notes what happened to a checkpoint the run was given.
    pub(super) fn note(&mut self, note: String) {
        self.notes.push(note);
    }

    /// Keeps the state after `epoch` when it is one the run checkpoints (the best so
    /// far, or on the spacing); `order` is the epoch's shuffled order.
    pub(super) fn checkpoint(&mut self, epoch: usize, order: &[usize]) {
        let best = self.best.as_ref().is_some_and(|(_, e, _)| *e == epoch);
        let last = epoch == self.config.epochs;
        if !self
            .keeper
            .as_ref()
            .is_some_and(|k| k.wants(epoch, (best, last)))
        {
            return;
        }
        let state = Captured {
            epoch,
            step: self.step,
            model: self.model.clone(),
            optimizer: self.optimizer.clone(),
            streams: Streams {
                shuffle: self.shuffle_rng.state(),
                dropout: self.dropout_rng.state(),
                teacher: self.teacher.as_ref().map(|(_, rng)| rng.state()),
            },
            teacher: self.teacher.as_ref().map(|(tf, _)| *tf),
            order: order.to_vec(),
            schedule: self.schedule.state(),
            average: self.average.as_ref().map(|a| {
                let (updates, values) = a.state();
                (updates, values.to_vec())
            }),
            best: self.best.clone(),
            since_best: self.since_best,
            history_len: self.history.len(),
            changes_len: self.knobs.changes.len(),
            live: self.knobs.live,
            windows_done: self.windows_done,
            train_secs: self.train_time.as_secs_f64(),
            last: (self.last_finite.loss, self.last_finite.grad_norm),
        };
        if let Some(keeper) = self.keeper.as_mut() {
            keeper.file(state, (best, last));
        }
    }
}
