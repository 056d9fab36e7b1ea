//! The desktop GUI (eframe/egui, glow renderer) over the engine.

mod app;
mod data_defaults;
#[cfg(test)]
mod diag_tests;
#[cfg(test)]
mod fault_tests;
mod files;
mod frame_stats;
mod live;
mod panels;
mod plots;
#[cfg(test)]
mod runs_tests;
mod settings;
mod state;
mod store;
#[cfg(test)]
mod tests;

use std::path::PathBuf;

use anyhow::{Context, Result, anyhow};

pub use app::{SeqcastApp, Startup};

/// Opens the main window on `file`, or on the bundled sample when none is given;
/// `config` replaces the remembered run configuration.
pub fn run(file: Option<PathBuf>, config: Option<PathBuf>) -> Result<()> {
    let config = match config {
        Some(path) => {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            Some(
                seqcast_engine::RunConfig::from_toml(&text)
                    .with_context(|| format!("in {}", path.display()))?,
            )
        }
        None => None,
    };
    let startup = match file {
        Some(path) => Startup::File(path),
        None => Startup::Sample(crate::cli::SAMPLE_NAME, crate::cli::SAMPLE_CSV),
    };
    let options = eframe::NativeOptions {
        renderer: eframe::Renderer::Glow,
        viewport: egui::ViewportBuilder::default()
            .with_title("seqcast")
            .with_app_id("seqcast")
            .with_inner_size([1280.0, 800.0])
            .with_min_inner_size([900.0, 600.0])
            .with_drag_and_drop(true),
        ..Default::default()
    };
    eframe::run_native(
        "seqcast",
        options,
        Box::new(move |cc| {
            let mut app = SeqcastApp::new(cc, startup);
            if let Some(config) = config {
                app.persisted.config = config;
            }
            Ok(Box::new(app))
        }),
    )
    .map_err(|e| anyhow!("cannot open the window: {e}"))
}
