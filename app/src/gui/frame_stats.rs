//! Frame-time statistics: how long each frame took (eframe's CPU time for the frame,
//! including painting), kept in a ring buffer for the status bar and, when
//! `SEQCAST_FRAME_STATS=FILE` is set, written to FILE on exit (one value per line, ms).

use std::path::PathBuf;
use std::time::Duration;

/// Frames kept for the median / 99th percentile shown in the status bar.
const WINDOW: usize = 600;

/// Recent frame times.
#[derive(Debug, Default)]
pub struct FrameStats {
    recent: Vec<f64>,
    next: usize,
    all: Vec<f64>,
    report_path: Option<PathBuf>,
}

impl FrameStats {
    /// Statistics that also record every frame when `SEQCAST_FRAME_STATS` names a file.
    pub fn from_env() -> Self {
        Self {
            report_path: std::env::var_os("SEQCAST_FRAME_STATS").map(PathBuf::from),
            ..Self::default()
        }
    }

    /// Records a frame: eframe's CPU time for the previous frame when it has one, else
    /// the time our own UI code took.
    pub fn record(&mut self, ui_time: Duration, cpu_usage: Option<f32>) {
        let ms = cpu_usage.map_or(ui_time.as_secs_f64() * 1e3, |s| f64::from(s) * 1e3);
        if self.recent.len() < WINDOW {
            self.recent.push(ms);
        } else if let Some(slot) = self.recent.get_mut(self.next) {
            *slot = ms;
        }
        self.next = (self.next + 1) % WINDOW;
        if self.report_path.is_some() {
            self.all.push(ms);
            // Flushed regularly too: a killed process never reaches `on_exit`.
            if self.all.len().is_multiple_of(300) {
                self.write_report();
            }
        }
    }

    /// (median, 99th percentile) in milliseconds over the recent frames.
    pub fn summary(&self) -> Option<(f64, f64)> {
        percentiles(&self.recent)
    }

    /// Writes every recorded frame time, if asked to by the environment.
    pub fn write_report(&self) {
        let Some(path) = &self.report_path else {
            return;
        };
        let text: String = self.all.iter().map(|ms| format!("{ms:.3}\n")).collect();
        if let Err(e) = seqcast_engine::export::write_atomic(path, text.as_bytes()) {
            eprintln!("seqcast: cannot write frame statistics: {e}");
        }
    }
}

/// Median and 99th percentile (nearest rank) of `values`.
pub fn percentiles(values: &[f64]) -> Option<(f64, f64)> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = |p: f64| {
        let i = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1;
        sorted.get(i).copied().unwrap_or(f64::NAN)
    };
    Some((rank(0.5), rank(0.99)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentiles(&v), Some((50.0, 99.0)));
        assert_eq!(percentiles(&[3.0]), Some((3.0, 3.0)));
        assert_eq!(percentiles(&[]), None);
    }
}
