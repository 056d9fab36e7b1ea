//! A run folder's checkpoints (`checkpoints/epoch-N.ckpt`, see [`crate::train::checkpoint`]):
//! writing them with the run, listing their epochs, and reading the one a branch
//! starts from.

use std::path::Path;

use super::RunStore;
use super::files::read_run_file;
use crate::error::{EngineError, Result};
use crate::export::write_atomic;
use crate::train::{Checkpoint, TrainState};

/// The folder of a run's checkpoints.
const DIR: &str = "checkpoints";
/// A run keeps the best and at most `MAX_CHECKPOINTS` more; a folder with more files
/// than this was not written by seqcast, and the rest are not listed.
const MAX_LISTED: usize = crate::config::MAX_CHECKPOINTS + 1;

fn file_name(epoch: usize) -> String {
    format!("epoch-{epoch}.ckpt")
}

/// Writes `checkpoints` into the run folder `dir` (nothing when there are none).
pub(super) fn write(dir: &Path, checkpoints: &[Checkpoint]) -> Result<()> {
    if checkpoints.is_empty() {
        return Ok(());
    }
    let folder = dir.join(DIR);
    std::fs::create_dir_all(&folder).map_err(|e| EngineError::io("cannot create", &folder, e))?;
    for c in checkpoints {
        write_atomic(&folder.join(file_name(c.epoch)), &c.bytes)?;
    }
    Ok(())
}

/// The epochs of the checkpoints in the run folder `dir`, in order.
pub(super) fn epochs(dir: &Path) -> Vec<usize> {
    let Ok(entries) = std::fs::read_dir(dir.join(DIR)) else {
        return Vec::new();
    };
    let mut epochs: Vec<usize> = entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name();
            let name = name.to_str()?;
            name.strip_prefix("epoch-")?
                .strip_suffix(".ckpt")?
                .parse()
                .ok()
        })
        .filter(|&e| e > 0)
        .take(MAX_LISTED)
        .collect();
    epochs.sort_unstable();
    epochs
}

impl RunStore {
    /// The latest checkpoint of run `id` at or before `epoch`: its epoch and the state
    /// or why it cannot be used (a damaged file, or one larger than `max_bytes`, the
    /// most a checkpoint of the run's model can be); `None` when there is none.
    pub fn checkpoint_before(
        &self,
        id: &str,
        epoch: usize,
        max_bytes: u64,
    ) -> Result<Option<(usize, std::result::Result<TrainState, String>)>> {
        let dir = self.run_dir(id)?;
        let Some(at) = epochs(&dir).into_iter().rev().find(|&e| e <= epoch) else {
            return Ok(None);
        };
        let path = dir.join(DIR).join(file_name(at));
        let state = read_run_file(&path, max_bytes)
            .and_then(|bytes| TrainState::decode(&bytes))
            .map_err(|e| format!("{}: {e}", path.display()));
        Ok(Some((at, state)))
    }
}
