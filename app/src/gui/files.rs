//! Native file dialogs (rfd) without blocking the window: each dialog runs on its own
//! named thread and reports back through a channel. Where no dialog backend exists (no
//! desktop portal on D-Bus, no zenity) the app says so and offers a path field instead.

use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread::JoinHandle;

/// What a dialog is for; decides filters and what happens with the answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// Open a CSV file.
    OpenCsv,
    /// Load a TOML config.
    LoadConfig,
    /// Save the TOML config.
    SaveConfig,
    /// Export predictions CSV.
    ExportCsv,
    /// Save the JSON run report.
    SaveReport,
    /// Save the model into a folder.
    SaveModel,
    /// Load a saved model folder.
    LoadModel,
    /// Choose the runs directory.
    RunsDir,
    /// Choose a CSV of static attributes for many series.
    StaticFile,
    /// Choose a CSV of the known-in-advance covariates' future values.
    FutureFile,
}

impl Purpose {
    /// Title and default file name.
    pub fn describe(self) -> (&'static str, &'static str) {
        match self {
            Self::OpenCsv => ("Open a CSV file", ""),
            Self::LoadConfig => ("Load a run configuration", ""),
            Self::SaveConfig => ("Save the run configuration", "run.toml"),
            Self::ExportCsv => ("Export predictions", "predictions.csv"),
            Self::SaveReport => ("Save the run report", "report.json"),
            Self::SaveModel => ("Save the model into a folder", "model"),
            Self::LoadModel => ("Load a saved model folder", ""),
            Self::RunsDir => ("Choose the runs folder", "seqcast-runs"),
            Self::StaticFile => ("Choose a CSV of static attributes (one row per series)", ""),
            Self::FutureFile => (
                "Choose a CSV of future values (the time column and each known-ahead covariate)",
                "",
            ),
        }
    }
}

/// Dialog threads and their answers.
pub struct Dialogs {
    tx: Sender<(Purpose, Option<PathBuf>)>,
    rx: Receiver<(Purpose, Option<PathBuf>)>,
    thread: Option<JoinHandle<()>>,
    /// Why native dialogs are unavailable, if they are.
    pub unavailable: Option<String>,
    /// The path-field fallback currently shown, and its text.
    pub path_prompt: Option<(Purpose, String)>,
}

impl Default for Dialogs {
    fn default() -> Self {
        let (tx, rx) = mpsc::channel();
        Self {
            tx,
            rx,
            thread: None,
            unavailable: backend_missing(),
            path_prompt: None,
        }
    }
}

/// `Some(reason)` when rfd would fail: no D-Bus session for the portal and no zenity.
fn backend_missing() -> Option<String> {
    let dbus = std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some_and(|v| !v.is_empty());
    let zenity = std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join("zenity").is_file()));
    (!dbus && !zenity).then(|| {
        "No native file dialog is available here (no desktop portal on D-Bus and no zenity): type a path instead."
            .to_string()
    })
}

impl Dialogs {
    /// Whether a dialog is open.
    pub fn is_open(&self) -> bool {
        self.thread.as_ref().is_some_and(|t| !t.is_finished()) || self.path_prompt.is_some()
    }

    /// Opens a dialog for `purpose` (or the path field when dialogs are unavailable).
    pub fn open(&mut self, purpose: Purpose, start_dir: Option<PathBuf>, ctx: &egui::Context) {
        if self.is_open() {
            return;
        }
        if self.unavailable.is_some() {
            let start = start_dir
                .map(|d| d.join(purpose.describe().1))
                .unwrap_or_default();
            self.path_prompt = Some((purpose, start.display().to_string()));
            return;
        }
        let tx = self.tx.clone();
        let ctx = ctx.clone();
        let spawned = std::thread::Builder::new()
            .name("seqcast-file-dialog".into())
            .spawn(move || {
                let (title, file_name) = purpose.describe();
                let mut dialog = rfd::FileDialog::new().set_title(title);
                if let Some(dir) = start_dir {
                    dialog = dialog.set_directory(dir);
                }
                let picked = match purpose {
                    Purpose::OpenCsv | Purpose::StaticFile | Purpose::FutureFile => {
                        dialog.add_filter("CSV", &["csv", "tsv", "txt"]).pick_file()
                    }
                    Purpose::LoadConfig => dialog.add_filter("TOML", &["toml"]).pick_file(),
                    Purpose::SaveConfig => dialog
                        .add_filter("TOML", &["toml"])
                        .set_file_name(file_name)
                        .save_file(),
                    Purpose::ExportCsv => dialog
                        .add_filter("CSV", &["csv"])
                        .set_file_name(file_name)
                        .save_file(),
                    Purpose::SaveReport => dialog
                        .add_filter("JSON", &["json"])
                        .set_file_name(file_name)
                        .save_file(),
                    Purpose::SaveModel | Purpose::LoadModel | Purpose::RunsDir => {
                        dialog.pick_folder()
                    }
                };
                // The receiver lives as long as the app; if it is gone nobody needs the answer.
                let _ = tx.send((purpose, picked));
                ctx.request_repaint();
            });
        match spawned {
            Ok(handle) => self.thread = Some(handle),
            Err(e) => {
                self.unavailable = Some(format!(
                    "cannot open a file dialog ({e}): type a path instead."
                ));
                self.path_prompt = Some((purpose, String::new()));
            }
        }
    }

    /// A finished dialog's answer, if any (`None` path = cancelled).
    pub fn poll(&mut self) -> Option<(Purpose, Option<PathBuf>)> {
        let answer = self.rx.try_recv().ok();
        if self.thread.as_ref().is_some_and(JoinHandle::is_finished)
            && let Some(thread) = self.thread.take()
        {
            // The thread has finished: joining returns at once.
            let _ = thread.join();
        }
        answer
    }

    /// The path-field fallback; returns the chosen path when confirmed.
    pub fn path_prompt_ui(&mut self, ctx: &egui::Context) -> Option<(Purpose, PathBuf)> {
        let (purpose, mut text) = self.path_prompt.take()?;
        let mut result = None;
        let mut keep = true;
        egui::Window::new(purpose.describe().0)
            .collapsible(false)
            .resizable(false)
            .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
            .show(ctx, |ui| {
                if let Some(why) = &self.unavailable {
                    ui.label(why);
                }
                ui.horizontal(|ui| {
                    ui.label("Path");
                    let edit = ui.add(egui::TextEdit::singleline(&mut text).desired_width(420.0));
                    let entered =
                        edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                    if (ui.button("OK").clicked() || entered) && !text.trim().is_empty() {
                        result = Some((purpose, PathBuf::from(text.trim())));
                        keep = false;
                    }
                    if ui.button("Cancel").clicked() {
                        keep = false;
                    }
                });
            });
        if keep {
            self.path_prompt = Some((purpose, text));
        }
        result
    }
}
