//! One module per panel, each with a single `*_ui` entry point. Panels read the app's
//! state and push [`Intent`](super::app::Intent)s; the app carries them out.

pub mod alerts;
pub mod compare;
pub mod config;
pub mod controls;
pub mod data;
pub mod diagnostics;
pub mod menu;
pub mod model;
pub mod results;
pub mod runs;
pub mod search;
pub mod status;
pub mod training;
