//! Cooperative cancel and pause, shared between the engine loop and whoever drives it.
//!
//! Cancel is not a message: the training loop is busy, so it polls this token between
//! batches. Pausing parks the loop between batches until resumed or cancelled.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// A cloneable handle on one run's cancel and pause flags.
#[derive(Clone, Debug, Default)]
pub struct Control {
    cancel: Arc<AtomicBool>,
    pause: Arc<AtomicBool>,
}

impl Control {
    /// Fresh flags: running, not cancelled.
    pub fn new() -> Self {
        Self::default()
    }

    /// Clears cancel and pause before a new run.
    pub fn reset(&self) {
        self.cancel.store(false, Ordering::SeqCst);
        self.pause.store(false, Ordering::SeqCst);
    }

    /// Asks the run to stop at the next batch boundary.
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::SeqCst);
    }

    /// Whether cancel was requested.
    pub fn is_cancelled(&self) -> bool {
        self.cancel.load(Ordering::SeqCst)
    }

    /// Pauses (true) or resumes (false) at the next batch boundary.
    pub fn set_paused(&self, paused: bool) {
        self.pause.store(paused, Ordering::SeqCst);
    }

    /// Whether a pause was requested.
    pub fn is_paused(&self) -> bool {
        self.pause.load(Ordering::SeqCst)
    }

    /// Blocks while paused; returns false when the run should stop instead.
    pub fn wait_while_paused(&self) -> bool {
        while self.is_paused() && !self.is_cancelled() {
            std::thread::sleep(Duration::from_millis(20));
        }
        !self.is_cancelled()
    }
}
