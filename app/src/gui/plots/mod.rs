//! Plot helpers shared by the panels.

pub mod decimate;

use egui::Color32;

/// Colours used consistently across plots.
pub mod colors {
    use super::Color32;
    /// Training part / training loss.
    pub const TRAIN: Color32 = Color32::from_rgb(70, 130, 220);
    /// Validation part / validation loss.
    pub const VAL: Color32 = Color32::from_rgb(240, 160, 40);
    /// Test part.
    pub const TEST: Color32 = Color32::from_rgb(200, 80, 180);
    /// Model forecasts.
    pub const MODEL: Color32 = Color32::from_rgb(230, 70, 60);
    /// Actual values.
    pub const ACTUAL: Color32 = Color32::from_rgb(150, 150, 150);
    /// Per-batch losses, drawn faint behind the epoch curves.
    pub const BATCH: Color32 = Color32::from_rgba_premultiplied(35, 65, 110, 110);
    /// Warnings and thresholds.
    pub const WARN: Color32 = Color32::from_rgb(220, 60, 60);
}

/// `color` with `alpha` (0–255) for shaded regions.
pub fn shade(color: Color32, alpha: u8) -> Color32 {
    Color32::from_rgba_unmultiplied(color.r(), color.g(), color.b(), alpha)
}
