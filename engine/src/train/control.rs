//! Cooperative cancel and pause, shared between the engine loop and whoever drives it.
//!
//! Cancel is not a message: the training loop is busy, so it polls this token between
//! batches. Pausing parks the loop between batches until resumed or cancelled. Live
//! knob changes ([`Control::request`]) wait here too, for the next batch boundary.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::config::Knob;

/// A cloneable handle on one run's cancel and pause flags and its requested changes.
#[derive(Clone, Debug, Default)]
pub struct Control {
    cancel: Arc<AtomicBool>,
    pause: Arc<AtomicBool>,
    knobs: Arc<Mutex<Vec<(Knob, f64)>>>,
}

impl Control {
    /// Fresh flags: running, not cancelled.
    pub fn new() -> Self {
        Self::default()
    }

    /// Clears cancel, pause and unapplied changes before a new run.
    pub fn reset(&self) {
        self.cancel.store(false, Ordering::SeqCst);
        self.pause.store(false, Ordering::SeqCst);
        self.take_requests();
    }

    /// The same cancel and pause flags without the live changes: for the training a run
    /// does after the one the user watches (a refit, a backtest's retraining), which
    /// replays the recorded changes instead.
    pub fn without_knobs(&self) -> Self {
        Self {
            cancel: Arc::clone(&self.cancel),
            pause: Arc::clone(&self.pause),
            knobs: Arc::default(),
        }
    }

    /// Asks the run to set `knob` to `to` before its next step (the training loop checks
    /// the value and reports the change, or why it refused it).
    pub fn request(&self, knob: Knob, to: f64) {
        self.requests().push((knob, to));
    }

    /// The changes requested since the last call, oldest first.
    pub fn take_requests(&self) -> Vec<(Knob, f64)> {
        std::mem::take(&mut *self.requests())
    }

    fn requests(&self) -> std::sync::MutexGuard<'_, Vec<(Knob, f64)>> {
        // A panic while holding the lock cannot leave the list half-written (push and
        // take are single operations), so a poisoned lock's list is still valid.
        self.knobs.lock().unwrap_or_else(|e| e.into_inner())
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
