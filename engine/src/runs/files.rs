//! The files of a run folder: reading them with a cap, checking `run.json`, writing
//! JSON atomically, and measuring the folder.

use std::path::Path;

use serde::Serialize;

use super::{FORMAT, MAX_META_BYTES, META, RunMeta, SUMMARY, VERSION};
use crate::error::{EngineError, Result};
use crate::export::write_atomic;

/// A run's file, read with a cap: a folder from elsewhere cannot make listing allocate
/// what its files claim.
pub(super) fn read_run_file(path: &Path, cap: u64) -> Result<Vec<u8>> {
    crate::budget::read_bounded(path, cap, &|| {
        EngineError::RunStore(format!(
            "{} is larger than the {} a seqcast run's file can be: it is not a run's",
            path.display(),
            crate::budget::human_bytes(cap)
        ))
    })
}

pub(super) fn read_meta(dir: &Path) -> Result<RunMeta> {
    let path = dir.join(META);
    let bytes = read_run_file(&path, MAX_META_BYTES)?;
    let meta: RunMeta = serde_json::from_slice(&bytes)
        .map_err(|e| EngineError::RunStore(format!("{} is damaged: {e}", path.display())))?;
    if meta.format != FORMAT || meta.version != VERSION {
        return Err(EngineError::RunStore(format!(
            "{} is not a seqcast run (format '{}' version {})",
            path.display(),
            meta.format,
            meta.version
        )));
    }
    if !dir.join(SUMMARY).is_file() {
        return Err(EngineError::RunStore(format!(
            "{} has no {SUMMARY}",
            dir.display()
        )));
    }
    Ok(meta)
}

pub(super) fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    let text = serde_json::to_string(value)
        .map_err(|e| EngineError::RunStore(format!("cannot serialise {}: {e}", path.display())))?;
    write_atomic(path, text.as_bytes())
}

/// Bytes of the files under `dir`, `depth` folders deep at most (a run folder holds its
/// JSON files and `model/`); unreadable entries count as empty.
pub(super) fn folder_bytes(dir: &Path, depth: usize) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() && depth > 0 => folder_bytes(&e.path(), depth - 1),
            Ok(m) if m.is_file() => m.len(),
            _ => 0,
        })
        .sum()
}
