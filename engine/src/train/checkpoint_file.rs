//! The checkpoint file: a magic line, a version, a JSON header (settings, random
//! streams, schedule, history, changes, the weights' layout with their parameter ids),
//! binary sections (the weights, the best weights, the average's sums, the shuffled
//! order, the optimiser's record) and a SHA-256 of all of it, so that a truncated or
//! edited file is refused before anything in it is used.

use burn::module::{Module, ModuleVisitor, Param};
use burn::optim::ModuleOptimizer;
use burn::tensor::Tensor;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::EpochRecord;
use super::knobs::Live;
use super::schedule::ScheduleState;
use crate::config::{Change, TeacherForcing};
use crate::error::{EngineError, Result};
use crate::model::Forecaster;

const MAGIC: &[u8] = b"seqcast-checkpoint\n";
const VERSION: u32 = 1;
/// The binary sections: the weights, the best weights, the average's sums, the order,
/// the optimiser's record.
const SECTIONS: usize = 5;
/// A header is settings and the history: kilobytes, megabytes for a run of many
/// thousand epochs.
const MAX_HEADER_BYTES: u64 = 256 << 20;

/// The most bytes a checkpoint of a model with `parameters` weights trained on
/// `windows` windows can take: five copies of the weights (the weights, the best, the
/// average, two optimiser moments), the order, the header and a little framing. A file
/// larger than this is not that run's checkpoint and is refused before it is read.
pub fn max_bytes(parameters: usize, windows: usize) -> u64 {
    let weights = 5 * 4 * parameters as u64;
    weights + 8 * windows as u64 + MAX_HEADER_BYTES + (1 << 20)
}

/// A checkpoint as stored: the epoch after which it was taken and its bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// 1-based epoch it ends.
    pub epoch: usize,
    /// The encoded state ([`TrainState::decode`]).
    pub bytes: Vec<u8>,
}

/// The trainer's state after an epoch, as taken: models and optimiser are shared
/// handles, the rest small copies.
#[derive(Clone)]
pub(super) struct Captured {
    pub(super) epoch: usize,
    pub(super) step: usize,
    pub(super) model: Forecaster,
    pub(super) optimizer: ModuleOptimizer,
    pub(super) streams: Streams,
    pub(super) teacher: Option<TeacherForcing>,
    pub(super) order: Vec<usize>,
    pub(super) schedule: ScheduleState,
    pub(super) average: Option<(usize, Vec<Vec<f32>>)>,
    pub(super) best: Option<(f64, usize, Forecaster)>,
    pub(super) since_best: usize,
    /// The history and the applied changes are append-only: their lengths then.
    pub(super) history_len: usize,
    pub(super) changes_len: usize,
    pub(super) live: Live,
    pub(super) windows_done: usize,
    pub(super) train_secs: f64,
    pub(super) last: (Option<f64>, Option<f64>),
}

/// The random streams' positions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Streams {
    pub(super) shuffle: u64,
    pub(super) dropout: u64,
    pub(super) teacher: Option<u64>,
}

/// What a checkpoint says about the weights' layout: each parameter's path, size and id.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(super) struct ParamEntry {
    pub(super) name: String,
    pub(super) len: usize,
    pub(super) id: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(super) struct Header {
    pub(super) key: String,
    pub(super) epoch: usize,
    pub(super) step: usize,
    /// The run's epoch budget then.
    pub(super) epochs: usize,
    pub(super) params: Vec<ParamEntry>,
    pub(super) dropout: f64,
    pub(super) streams: Streams,
    pub(super) teacher: Option<TeacherForcing>,
    pub(super) schedule: ScheduleState,
    pub(super) average_updates: Option<usize>,
    /// The best validation (or training) loss and its epoch.
    pub(super) best: Option<(f64, usize)>,
    pub(super) since_best: usize,
    pub(super) history: Vec<EpochRecord>,
    pub(super) live: Live,
    pub(super) changes: Vec<Change>,
    pub(super) windows_done: usize,
    pub(super) train_secs: f64,
    pub(super) last_loss: Option<f64>,
    pub(super) last_grad_norm: Option<f64>,
}

/// A decoded checkpoint.
#[derive(Clone, Debug)]
pub struct TrainState {
    pub(super) header: Header,
    pub(super) model: Vec<f32>,
    pub(super) best: Vec<f32>,
    pub(super) average: Vec<f32>,
    pub(super) order: Vec<usize>,
    pub(super) optimizer: Vec<u8>,
}

impl TrainState {
    /// The 1-based epoch the state ends.
    pub fn epoch(&self) -> usize {
        self.header.epoch
    }

    /// Decodes `bytes` written by [`Keeper::encode`]; a damaged or foreign checkpoint is
    /// an error.
    pub fn decode(bytes: &[u8]) -> Result<Self> {
        let bad = |why: &str| EngineError::RunStore(format!("the checkpoint is damaged: {why}"));
        let body_len = bytes
            .len()
            .checked_sub(32)
            .filter(|&n| n >= MAGIC.len() + 4)
            .ok_or_else(|| bad("it is too short"))?;
        let (body, sum) = bytes.split_at(body_len);
        if !body.starts_with(MAGIC) {
            return Err(bad("it is not a seqcast checkpoint"));
        }
        if Sha256::digest(body).as_slice() != sum {
            return Err(bad("its checksum does not match (truncated or edited)"));
        }
        let mut r = Reader {
            rest: &body[MAGIC.len()..],
        };
        let version = u32::from_le_bytes(r.array().ok_or_else(|| bad("no version"))?);
        if version != VERSION {
            return Err(bad(&format!(
                "it is version {version}; this seqcast reads version {VERSION}"
            )));
        }
        let header_bytes = r
            .section(MAX_HEADER_BYTES)
            .ok_or_else(|| bad("no header"))?;
        let header: Header = serde_json::from_slice(header_bytes)
            .map_err(|e| bad(&format!("its header does not read: {e}")))?;
        let mut sections = Vec::with_capacity(SECTIONS);
        for _ in 0..SECTIONS {
            sections.push(r.section(u64::MAX).ok_or_else(|| bad("a section is cut"))?);
        }
        if !r.rest.is_empty() {
            return Err(bad("bytes follow its last section"));
        }
        let floats = |b: &[u8]| -> Option<Vec<f32>> {
            (b.len().is_multiple_of(4)).then(|| {
                b.chunks_exact(4)
                    .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                    .collect()
            })
        };
        let order = (sections[3].len().is_multiple_of(8))
            .then(|| {
                sections[3]
                    .chunks_exact(8)
                    .map(|c| {
                        let mut a = [0u8; 8];
                        a.copy_from_slice(c);
                        usize::try_from(u64::from_le_bytes(a)).ok()
                    })
                    .collect::<Option<Vec<usize>>>()
            })
            .flatten()
            .ok_or_else(|| bad("its order does not read"))?;
        let weights = |i: usize| floats(sections[i]).ok_or_else(|| bad("its weights do not read"));
        Ok(Self {
            model: weights(0)?,
            best: weights(1)?,
            average: weights(2)?,
            order,
            optimizer: sections[4].to_vec(),
            header,
        })
    }
}

struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        let (head, rest) = self.rest.split_at_checked(N)?;
        self.rest = rest;
        head.try_into().ok()
    }

    /// A length-prefixed section of at most `max` bytes.
    fn section(&mut self, max: u64) -> Option<&'a [u8]> {
        let len = u64::from_le_bytes(self.array()?);
        if len > max {
            return None;
        }
        let (head, rest) = self.rest.split_at_checked(usize::try_from(len).ok()?)?;
        self.rest = rest;
        Some(head)
    }
}

pub(super) fn encode(
    c: Captured,
    key: &str,
    (history, changes): (&[EpochRecord], &[Change]),
    epochs: usize,
) -> Result<Vec<u8>> {
    let (params, model) = weights_with_ids(&c.model);
    let best_values: Vec<f32> = c
        .best
        .as_ref()
        .map(|(_, _, m)| flat(super::stats::param_values(m)))
        .unwrap_or_default();
    let (average_updates, average) = match c.average {
        Some((updates, sums)) => (Some(updates), sums.concat()),
        None => (None, Vec::new()),
    };
    let optimizer = c.optimizer.to_record().into_bytes().map_err(|e| {
        EngineError::RunStore(format!("the optimiser's state cannot be written: {e}"))
    })?;
    let header = Header {
        key: key.to_string(),
        epoch: c.epoch,
        step: c.step,
        epochs,
        params,
        dropout: c.model.dropout,
        streams: c.streams,
        teacher: c.teacher,
        schedule: c.schedule,
        average_updates,
        best: c.best.as_ref().map(|(loss, epoch, _)| (*loss, *epoch)),
        since_best: c.since_best,
        history: history.get(..c.history_len).unwrap_or(history).to_vec(),
        live: c.live,
        changes: changes.get(..c.changes_len).unwrap_or(changes).to_vec(),
        windows_done: c.windows_done,
        train_secs: c.train_secs,
        last_loss: c.last.0,
        last_grad_norm: c.last.1,
    };
    let header = serde_json::to_vec(&header).map_err(|e| {
        EngineError::RunStore(format!("the checkpoint's header cannot be written: {e}"))
    })?;
    let f32_bytes = |v: &[f32]| -> Vec<u8> { v.iter().flat_map(|x| x.to_le_bytes()).collect() };
    let order: Vec<u8> = c
        .order
        .iter()
        .flat_map(|&i| (i as u64).to_le_bytes())
        .collect();
    let mut out = MAGIC.to_vec();
    out.extend(VERSION.to_le_bytes());
    let sections: [&[u8]; SECTIONS + 1] = [
        &header,
        &f32_bytes(&model),
        &f32_bytes(&best_values),
        &f32_bytes(&average),
        &order,
        &optimizer,
    ];
    for s in sections {
        out.extend((s.len() as u64).to_le_bytes());
        out.extend_from_slice(s);
    }
    let sum = Sha256::digest(&out);
    out.extend_from_slice(&sum);
    Ok(out)
}

fn flat(values: Vec<(String, Vec<f32>)>) -> Vec<f32> {
    values.into_iter().flat_map(|(_, v)| v).collect()
}

/// Each parameter's path, size and id, and all values in module order.
fn weights_with_ids(model: &Forecaster) -> (Vec<ParamEntry>, Vec<f32>) {
    let mut ids = Ids(Vec::new());
    model.visit(&mut ids);
    let mut entries = Vec::new();
    let mut values = Vec::new();
    for ((name, v), id) in super::stats::param_values(model).into_iter().zip(ids.0) {
        entries.push(ParamEntry {
            name,
            len: v.len(),
            id,
        });
        values.extend(v);
    }
    (entries, values)
}

struct Ids(Vec<u64>);

impl ModuleVisitor for Ids {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        self.0.push(param.id.val());
    }
}
