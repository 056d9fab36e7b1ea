//! A terminal progress line for training: epoch, batch, losses, lr, throughput, ETA.

use std::io::{IsTerminal, Write};

use seqcast_engine::train::{EpochRecord, Progress, eta_secs, fraction_done};

/// Renders training progress on stderr: one redrawn line on a terminal, one line per
/// epoch otherwise (or with `--quiet`).
pub struct ProgressLine {
    live: bool,
    epochs: usize,
    last_epoch: Option<EpochRecord>,
    width: usize,
}

impl ProgressLine {
    /// A progress display; `quiet` disables the redrawn line.
    pub fn new(quiet: bool) -> Self {
        Self {
            live: !quiet && std::io::stderr().is_terminal(),
            epochs: 0,
            last_epoch: None,
            width: 0,
        }
    }

    /// Shows one progress event.
    pub fn update(&mut self, progress: &Progress) {
        match progress {
            Progress::Started {
                epochs,
                batches,
                train_windows,
                val_windows,
                parameters,
                path,
            } => {
                self.epochs = *epochs;
                eprintln!(
                    "training: {train_windows} training / {val_windows} validation windows, \
                     {batches} batches per epoch, up to {epochs} epochs, {parameters} parameters, \
                     on the {}",
                    path.describe()
                );
            }
            Progress::Batch {
                epoch,
                batch,
                batches,
                loss,
                windows_per_sec,
                elapsed_secs,
                ..
            } => {
                if self.live {
                    let done = fraction_done(*epoch, *batch, *batches, self.epochs);
                    let eta = eta_secs(*elapsed_secs, done).unwrap_or(0.0);
                    let line = format!(
                        "epoch {epoch:>4}/{} {} batch {batch}/{batches} loss {loss:.5}{} {windows_per_sec:>7.0} win/s {} ETA ≤{}",
                        self.epochs,
                        bar(done, 20),
                        self.last_epoch
                            .as_ref()
                            .and_then(|e| e.val_loss)
                            .map(|v| format!(" val {v:.5}"))
                            .unwrap_or_default(),
                        clock(*elapsed_secs),
                        clock(eta)
                    );
                    self.redraw(&line);
                }
            }
            Progress::Epoch(record) => {
                // Epoch lines stay on screen as a loss history; the live line follows below.
                let line = epoch_line(record, self.epochs);
                if self.live {
                    self.redraw(&line);
                    self.finish();
                } else {
                    eprintln!("{line}");
                }
                self.last_epoch = Some(record.clone());
            }
            Progress::Changed(c) => {
                let line = format!(
                    "step {} (epoch {}): {} {} → {}",
                    c.step,
                    c.epoch,
                    c.field.name(),
                    c.from,
                    c.to
                );
                if self.live {
                    self.redraw(&line);
                    self.finish();
                } else {
                    eprintln!("{line}");
                }
            }
            Progress::Resumed { epoch, step } => eprintln!(
                "continuing from the checkpoint after epoch {epoch} (step {step}): the epochs \
                 up to it are the parent run's"
            ),
            Progress::ChangeRefused { field, to, why } => {
                eprintln!("change of {} to {to} refused: {why}", field.name());
            }
            Progress::ValidationOutputs { .. }
            | Progress::ValidationForecast { .. }
            | Progress::Snapshot(_) => {}
        }
    }

    fn redraw(&mut self, line: &str) {
        let pad = self.width.saturating_sub(line.chars().count());
        eprint!("\r{line}{}", " ".repeat(pad));
        self.width = line.chars().count();
        // A failed flush only delays the progress line.
        let _ = std::io::stderr().flush();
    }

    /// Ends the redrawn line.
    pub fn finish(&mut self) {
        if self.live && self.width > 0 {
            eprintln!();
            self.width = 0;
        }
    }
}

fn epoch_line(r: &EpochRecord, epochs: usize) -> String {
    format!(
        "epoch {:>4}/{epochs}  train {:.5}  val {}  lr {:.2e}{}  |grad| {:.3}{}  {:.1}s",
        r.epoch,
        r.train_loss,
        r.val_loss.map_or("-".into(), |v| format!("{v:.5}")),
        r.lr,
        r.teacher_forcing
            .map_or(String::new(), |t| format!("  teacher {t:.2}")),
        r.grad_norm,
        if r.clip_rate > 0.0 {
            format!(" (clipped {:.0}%)", 100.0 * r.clip_rate)
        } else {
            String::new()
        },
        r.duration_secs
    )
}

fn bar(fraction: f64, width: usize) -> String {
    let filled = ((fraction.clamp(0.0, 1.0)) * width as f64).round() as usize;
    format!("[{}{}]", "#".repeat(filled), "-".repeat(width - filled))
}

/// Seconds as m:ss (or h:mm:ss).
pub fn clock(secs: f64) -> String {
    let s = secs.max(0.0).round() as u64;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}
