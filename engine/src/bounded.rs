//! Files read with a cap: what a file says about its own size never decides how much
//! is allocated (the lowest layer, so configuration, models and runs share it).

use crate::error::{EngineError, Result};

/// Reads at most `cap` bytes of `path`, refusing a larger file (with `too_big`) before
/// reading it (by its reported size) and while reading (a file that grows, a device that
/// never ends): what a file says about itself never decides how much is allocated.
pub fn read_bounded(
    path: &std::path::Path,
    cap: u64,
    too_big: &dyn Fn() -> EngineError,
) -> Result<Vec<u8>> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| EngineError::io("cannot read", path, e))?;
    let reported = file
        .metadata()
        .map_err(|e| EngineError::io("cannot read", path, e))?
        .len();
    if reported > cap {
        return Err(too_big());
    }
    let mut bytes = Vec::new();
    file.take(cap.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| EngineError::io("cannot read", path, e))?;
    if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > cap {
        return Err(too_big());
    }
    Ok(bytes)
}
