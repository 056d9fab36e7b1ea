//! The remembered settings ([`Persisted`]) in their own JSON file beside eframe's
//! `app.ron`, written atomically (temp file, fsync, rename): a crash or a full disk
//! while saving leaves the previous settings whole. eframe's own file, which it
//! rewrites in place, keeps only window and layout state, and eframe ignores it when
//! damaged.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use seqcast_engine::export::write_atomic;

use super::app::SeqcastApp;
use super::state::{Persisted, Session};

/// File name, in eframe's storage folder for the app.
const FILE: &str = "settings.json";

/// `~/.local/share/seqcast/settings.json` on Linux (eframe's folder for the app id).
pub fn default_path() -> Option<PathBuf> {
    eframe::storage_dir("seqcast").map(|dir| dir.join(FILE))
}

/// Reads the settings. `Ok(None)` when there is no file yet; an error (with the path
/// and why) when it cannot be read or parsed, in which case the damaged file is kept
/// beside it as `settings.json.damaged` for the user to look at.
pub fn load(path: &Path) -> Result<Option<Persisted>> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    serde_json::from_str(&text).map(Some).map_err(|e| {
        let kept = path.with_extension("json.damaged");
        // Best effort: the message below is what matters.
        let _ = std::fs::rename(path, &kept);
        anyhow::anyhow!(
            "the saved settings in {} are damaged ({e}); defaults are used, and the file was \
             kept as {}",
            path.display(),
            kept.display()
        )
    })
}

/// The settings to start with and where to save them: the saved file when eframe
/// persistence is on (`storage` is `None` in tests, which then touch nothing of the
/// user's), else what earlier versions kept in eframe's storage, else defaults. A
/// damaged file is reported in the session's messages.
pub fn initial(
    storage: Option<&dyn eframe::Storage>,
    session: &mut Session,
) -> (Persisted, Option<PathBuf>) {
    let path = storage.and_then(|_| default_path());
    let saved = match path.as_deref().map(load) {
        Some(Ok(saved)) => saved,
        Some(Err(e)) => {
            session.error(format!("{e:#}"));
            None
        }
        None => None,
    };
    let persisted = saved
        .or_else(|| storage.and_then(|s| eframe::get_value(s, eframe::APP_KEY)))
        .unwrap_or_default();
    (persisted, path)
}

/// eframe's periodic and closing save: the settings go to our own file, atomically;
/// eframe's (rewritten in place) no longer holds them.
pub fn save_from_app(storage: &mut dyn eframe::Storage, path: Option<&Path>, app: &mut SeqcastApp) {
    if storage.get_string(eframe::APP_KEY).is_some() {
        storage.remove_string(eframe::APP_KEY);
    }
    if let Some(path) = path
        && let Err(e) = save(path, &app.persisted)
    {
        app.session.error(format!("Settings not saved: {e:#}"));
    }
}

/// Writes the settings atomically, creating the folder if needed.
pub fn save(path: &Path, settings: &Persisted) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let text = serde_json::to_string_pretty(settings).context("cannot serialise the settings")?;
    write_atomic(path, text.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gui::state::Tab;

    #[test]
    fn settings_round_trip_atomically_and_damage_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("réglages été").join(FILE);
        assert!(load(&path).unwrap().is_none(), "no file yet");
        let mut settings = Persisted {
            tab: Tab::Runs,
            ..Persisted::default()
        };
        settings.config.window.lookback = 17;
        save(&path, &settings).unwrap();
        let back = load(&path).unwrap().unwrap();
        assert_eq!(back.tab, Tab::Runs);
        assert_eq!(back.config, settings.config);
        // only the file itself: no temp file left beside it
        let names: Vec<String> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, [FILE]);

        // cut short (as a non-atomic writer could leave it): an error, the file set aside
        let text = std::fs::read(&path).unwrap();
        std::fs::write(&path, &text[..text.len() / 2]).unwrap();
        let err = load(&path).unwrap_err().to_string();
        assert!(err.starts_with("the saved settings in "), "{err}");
        assert!(err.contains("are damaged (EOF while parsing"), "{err}");
        assert!(err.ends_with("settings.json.damaged"), "{err}");
        assert!(!path.exists());
        assert!(path.with_extension("json.damaged").exists());
        assert!(load(&path).unwrap().is_none());
    }
}
