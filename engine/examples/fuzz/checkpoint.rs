//! The `checkpoint` target: a run's checkpoint file (the mutated input) is decoded and,
//! when it decodes, a branch of the run resumes from it and trains one more epoch. The
//! input's last 32 bytes are replaced by the SHA-256 of the rest, so that mutations get
//! past the checksum (which alone refuses every change) into the header, the sections
//! and the restore; a checkpoint that decodes but does not fit the run must be refused
//! with a note, never panic or train on garbage.

use seqcast_engine::RunConfig;
use seqcast_engine::data::table::CsvTable;
use seqcast_engine::pipeline::{self, Resume};
use seqcast_engine::train::{Control, EpochRecord, TrainState};
use sha2::{Digest, Sha256};

use super::mutate::{Rng, json_mutation};
use super::outcome;

/// The magic line and version before the header's length.
const PREFIX: usize = b"seqcast-checkpoint\n".len() + 4;

/// A structure-aware mutation: the JSON header changed by one value or key (and its
/// length prefix rewritten), so that the input gets past parsing into the restore's
/// checks; `None` when the input has no readable header.
pub fn mutate_header(rng: &mut Rng, input: &[u8]) -> Option<Vec<u8>> {
    let len_bytes: [u8; 8] = input.get(PREFIX..PREFIX + 8)?.try_into().ok()?;
    let len = usize::try_from(u64::from_le_bytes(len_bytes)).ok()?;
    let start = PREFIX + 8;
    let header = input.get(start..start.checked_add(len)?)?;
    let mutated = json_mutation(rng, header)?;
    let mut out = input[..PREFIX].to_vec();
    out.extend((mutated.len() as u64).to_le_bytes());
    out.extend(mutated);
    out.extend(&input[start + len..]);
    Some(out)
}

/// A run to branch and its last checkpoint, the seed.
pub struct Parent {
    /// The run's configuration with one more epoch (what the branch trains).
    pub branch: RunConfig,
    /// The run's epoch records.
    pub history: Vec<EpochRecord>,
    /// The checkpoint after its last epoch.
    pub seed: Vec<u8>,
}

impl Parent {
    /// Trains a tiny 2-epoch run on `table` that keeps a checkpoint after each epoch.
    pub fn make(table: &CsvTable) -> Self {
        let mut config = RunConfig::default();
        config.window.lookback = 12;
        config.window.horizon = 3;
        config.model.hidden = 4;
        config.model.layers = 1;
        config.model.dropout = 0.1;
        config.train.epochs = 2;
        let out = pipeline::run(table, &config, &Control::default(), &mut |_| {})
            .expect("the fixed series trains");
        let seed = out.checkpoints.last().expect("a checkpoint").bytes.clone();
        let mut branch = out.summary.config.clone();
        branch.train.epochs = 3;
        Self {
            branch,
            history: out.summary.training.history,
            seed,
        }
    }
}

/// Decodes `bytes` (checksum fixed) as a checkpoint and resumes a branch from it.
pub fn run_checkpoint(bytes: &[u8], parent: &Parent, table: &CsvTable) -> String {
    let mut input = bytes.to_vec();
    if input.len() > 32 {
        let body = input.len() - 32;
        let sum = Sha256::digest(&input[..body]);
        input[body..].copy_from_slice(&sum);
    }
    let state = match TrainState::decode(&input) {
        Ok(s) => s,
        Err(e) => return outcome("decode", &e.to_string()),
    };
    let resume = Resume {
        epoch: state.epoch(),
        state: Ok(state),
        history: parent.history.clone(),
    };
    match pipeline::run_from(
        table,
        &parent.branch,
        Some(resume),
        &Control::default(),
        &mut |_| {},
    ) {
        Ok(out) => match out.summary.training.resumed_from {
            Some(epoch) => format!("resumed {}", epoch.min(3)),
            None => outcome(
                "refused",
                out.summary
                    .data
                    .load
                    .notes
                    .last()
                    .map_or("", String::as_str),
            ),
        },
        Err(e) => outcome("train", &e.to_string()),
    }
}
