//! The desktop GUI (eframe/egui, glow renderer) over the engine.

#[cfg(test)]
mod ahead_tests;
mod app;
mod auto_set;
#[cfg(test)]
mod diag_tests;
mod events;
#[cfg(test)]
mod fault_tests;
mod files;
mod frame_stats;
mod intent;
#[cfg(test)]
mod knob_tests;
mod live;
#[cfg(test)]
mod panel_tests;
mod panels;
mod plots;
mod runs_search;
#[cfg(test)]
mod runs_tests;
#[cfg(test)]
mod seq2seq_tests;
mod settings;
mod state;
#[cfg(test)]
mod tests;

use std::path::PathBuf;

use anyhow::{Context, Result, anyhow};

pub use app::{SeqcastApp, Startup};

/// The app icon, `assets/seqcast.png` (also the desktop entry's icon).
const ICON_PNG: &[u8] = include_bytes!("../../../assets/seqcast.png");

/// The window icon; `None` keeps the platform's default (the test below decodes it, so
/// this only happens if the bundled file were damaged).
fn icon() -> Option<std::sync::Arc<egui::IconData>> {
    eframe::icon_data::from_png_bytes(ICON_PNG)
        .ok()
        .map(std::sync::Arc::new)
}

/// Opens the main window on `file`, or on the bundled sample when none is given;
/// `config` replaces the remembered run configuration.
pub fn run(file: Option<PathBuf>, config: Option<PathBuf>) -> Result<()> {
    let config = match config {
        Some(path) => Some(
            seqcast_engine::RunConfig::from_file(&path)
                .with_context(|| format!("in {}", path.display()))?,
        ),
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
    let options = match icon() {
        Some(icon) => eframe::NativeOptions {
            viewport: options.viewport.with_icon(icon),
            ..options
        },
        None => options,
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod icon_tests {
    #[test]
    fn the_bundled_icon_decodes_to_a_square_rgba_image() {
        let icon = super::icon().unwrap();
        assert_eq!((icon.width, icon.height), (256, 256));
        assert_eq!(icon.rgba.len(), 256 * 256 * 4);
        // transparent corner, opaque dark tile in the middle of the left edge
        assert_eq!(icon.rgba[3], 0);
        let at = |x: usize, y: usize| &icon.rgba[(y * 256 + x) * 4..(y * 256 + x) * 4 + 4];
        assert_eq!(at(20, 128), [0x1f, 0x26, 0x33, 0xff]);
    }
}
