//! [`EngineHandle`]: spawns the named engine thread, carries commands and events, and
//! joins the thread when dropped.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, SyncSender, TryRecvError};
use std::thread::JoinHandle;
use std::time::Duration;

use super::protocol::{Command, Event, Waker};
use super::runner::Runner;
use crate::error::{EngineError, Result};
use crate::train::Control;

/// Events waiting for the driver; progress beyond this is dropped, results never are.
pub(super) const EVENT_CAPACITY: usize = 256;

/// The driver's side of the engine thread.
pub struct EngineHandle {
    commands: Sender<Command>,
    events: Receiver<Event>,
    control: Control,
    thread: Option<JoinHandle<()>>,
}

impl EngineHandle {
    /// Starts the engine thread. `waker` is called after every event is queued.
    pub fn spawn(waker: Option<Waker>) -> Result<Self> {
        let (command_tx, command_rx) = mpsc::channel();
        let (event_tx, event_rx): (SyncSender<Event>, _) = mpsc::sync_channel(EVENT_CAPACITY);
        let control = Control::new();
        let runner = Runner::new(command_rx, event_tx, waker, control.clone());
        let thread = std::thread::Builder::new()
            .name("seqcast-engine".into())
            .spawn(move || {
                lower_priority();
                runner.run()
            })
            .map_err(|e| EngineError::Worker(format!("cannot start the engine thread: {e}")))?;
        Ok(Self {
            commands: command_tx,
            events: event_rx,
            control,
            thread: Some(thread),
        })
    }

    /// Queues a command. A new training (`Train`, `TrainPanel`, `Branch`), diagnostic
    /// tool run, search or load clears an earlier cancel, pause and unapplied live change.
    pub fn send(&self, command: Command) -> Result<()> {
        if matches!(
            command,
            Command::Load { .. }
                | Command::LoadBytes { .. }
                | Command::Train { .. }
                | Command::TrainPanel { .. }
                | Command::Branch { .. }
                | Command::FaultTrainThenPanic { .. }
                | Command::OverfitBatch { .. }
                | Command::LrRangeTest { .. }
                | Command::Bench { .. }
                | Command::Tune(_)
        ) {
            self.control.reset();
        }
        self.commands
            .send(command)
            .map_err(|_| EngineError::Worker("the engine thread has stopped".into()))
    }

    /// Asks the running job to stop at the next batch.
    pub fn cancel(&self) {
        self.control.cancel();
    }

    /// Pauses or resumes training at the next batch.
    pub fn set_paused(&self, paused: bool) {
        self.control.set_paused(paused);
    }

    /// Asks the running training to set `knob` to `to` before its next step (also while
    /// paused: it applies on resuming). The run answers with [`crate::train::Progress`]'s
    /// `Changed` or `ChangeRefused` inside [`Event::Training`].
    pub fn set_knob(&self, knob: crate::config::Knob, to: f64) {
        self.control.request(knob, to);
    }

    /// Whether training is paused.
    pub fn is_paused(&self) -> bool {
        self.control.is_paused()
    }

    /// The next event if one is queued (the GUI drains these once per frame).
    pub fn try_recv(&self) -> Result<Option<Event>> {
        match self.events.try_recv() {
            Ok(e) => Ok(Some(e)),
            Err(TryRecvError::Empty) => Ok(None),
            Err(TryRecvError::Disconnected) => {
                Err(EngineError::Worker("the engine thread has stopped".into()))
            }
        }
    }

    /// Waits up to `timeout` for the next event.
    pub fn recv_timeout(&self, timeout: Duration) -> Result<Option<Event>> {
        match self.events.recv_timeout(timeout) {
            Ok(e) => Ok(Some(e)),
            Err(RecvTimeoutError::Timeout) => Ok(None),
            Err(RecvTimeoutError::Disconnected) => {
                Err(EngineError::Worker("the engine thread has stopped".into()))
            }
        }
    }

    /// Waits for the next event.
    pub fn recv(&self) -> Result<Event> {
        self.events
            .recv()
            .map_err(|_| EngineError::Worker("the engine thread has stopped".into()))
    }
}

impl Drop for EngineHandle {
    fn drop(&mut self) {
        self.control.cancel();
        // The thread may already be gone; either way it is joined below.
        let _ = self.commands.send(Command::Shutdown);
        // Dropping the receiver makes every pending or future send fail at once, so a
        // runner blocked on a full queue wakes up and exits.
        let (_, closed) = mpsc::sync_channel(0);
        drop(std::mem::replace(&mut self.events, closed));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Training is background work: the engine thread (and the step threads it spawns,
/// which inherit it) runs at a lower priority (nice ≈ 9 on Linux) so that the GUI
/// thread gets a core as soon as it has a frame to draw. With both cores training at
/// normal priority, the GUI's 99th-percentile frame time was 20.7–22.1 ms on the
/// 2-core VM; with the engine reniced (by hand) 17.3 ms. Alone on the machine the
/// engine runs as fast as before. Failure (a platform without priorities) leaves the priority as it was.
fn lower_priority() {
    use thread_priority::{ThreadPriority, ThreadPriorityValue, set_current_thread_priority};
    if let Ok(value) = ThreadPriorityValue::try_from(25u8) {
        // A refusal changes nothing: training just competes with the GUI on equal terms.
        let _ = set_current_thread_priority(ThreadPriority::Crossplatform(value));
    }
}
