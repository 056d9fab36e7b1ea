//! The engine thread: one [`Command`] enum in, one [`Event`] enum out, behind an
//! [`EngineHandle`]. Cancel and pause are shared flags, not messages, because the
//! training loop is busy; it polls them between batches.

mod handle;
mod protocol;
mod run_store;
mod runner;

pub use handle::EngineHandle;
pub use protocol::{Command, CommandKind, Event, Inspection, PanelSource, TuneJob, Waker};
