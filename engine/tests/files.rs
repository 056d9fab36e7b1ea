//! Files: truncated or tampered model artifacts and configs are errors (never panics or
//! garbage predictions), writes are atomic, and paths with spaces and non-ASCII names
//! work for loading, exporting, the run store and saved models.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic: a panic is a test failure

mod common;

use std::path::{Path, PathBuf};

use common::{hidden_entries, next_result, sample, tiny};
use seqcast_engine::config::CellKind;
use seqcast_engine::data::table::read_csv;
use seqcast_engine::export::write_atomic;
use seqcast_engine::pipeline::defaults::AutoDefaults;
use seqcast_engine::pipeline::{self, predict};
use seqcast_engine::runs::{RunOrigin, RunStore};
use seqcast_engine::train::Control;
use seqcast_engine::worker::{Command, EngineHandle, Event};
use seqcast_engine::{EngineError, RunConfig, artifact};

/// A model trained for one epoch and saved into `dir`.
fn saved_model(dir: &Path) {
    let table = read_csv(&sample("daily-min-temperatures.csv")).unwrap();
    let out = pipeline::run(
        &table,
        &tiny(CellKind::Gru, 1),
        &Control::new(),
        &mut |_| {},
    )
    .unwrap();
    artifact::save(dir, &out.model, Some("daily-min-temperatures.csv")).unwrap();
}

fn load_err(dir: &Path) -> String {
    match artifact::load(dir) {
        Ok(_) => panic!("a damaged artifact loaded"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn truncated_model_files_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model");
    saved_model(&model);
    let manifest = std::fs::read(model.join("model.json")).unwrap();
    let weights = std::fs::read(model.join("weights.bin")).unwrap();
    // the manifest cut anywhere
    for cut in (0..manifest.len()).step_by(manifest.len() / 40) {
        std::fs::write(model.join("model.json"), &manifest[..cut]).unwrap();
        let err = load_err(&model);
        assert!(
            err.contains("model.json is not a valid seqcast manifest"),
            "{cut}: {err}"
        );
    }
    std::fs::write(model.join("model.json"), &manifest).unwrap();
    // the weights cut anywhere
    for cut in [0, 1, 4, weights.len() / 2, weights.len() - 1] {
        std::fs::write(model.join("weights.bin"), &weights[..cut]).unwrap();
        assert_eq!(
            load_err(&model),
            format!(
                "{}: weights.bin has {cut} bytes but the manifest describes {} weights ({} \
                 bytes): the file is truncated or not this model's",
                model.display(),
                weights.len() / 4,
                weights.len()
            )
        );
    }
    std::fs::remove_file(model.join("weights.bin")).unwrap();
    assert!(load_err(&model).starts_with("cannot read "));
}

/// Rewrites one JSON value of the manifest at `pointer` (RFC 6901).
fn tamper(model: &Path, pointer: &str, value: serde_json::Value) {
    let path = model.join("model.json");
    let mut json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    *json
        .pointer_mut(pointer)
        .unwrap_or_else(|| panic!("{pointer}")) = value;
    std::fs::write(&path, serde_json::to_vec(&json).unwrap()).unwrap();
}

#[test]
fn tampered_model_files_are_errors_not_garbage_predictions() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good");
    saved_model(&good);
    let table = read_csv(&sample("daily-min-temperatures.csv")).unwrap();
    let model = artifact::load(&good).unwrap();
    let prediction = predict::predict(&model, &table).unwrap();
    assert!(
        prediction
            .future
            .values
            .iter()
            .flatten()
            .all(|v| v.is_finite())
    );

    let fresh = |name: &str| {
        let d = dir.path().join(name);
        std::fs::create_dir_all(&d).unwrap();
        for f in ["model.json", "weights.bin"] {
            std::fs::copy(good.join(f), d.join(f)).unwrap();
        }
        d
    };
    let cases: [(&str, serde_json::Value, &str); 15] = [
        // The transforms are recorded twice; forecasts follow the scalers' record, so a
        // configuration that disagrees is refused (prepare used one, invert the other).
        (
            "/scaling/log",
            serde_json::json!(true),
            "its configuration says data.log = false, data.diff = false, but its scalers \
             were fitted with log = true, diff = false",
        ),
        (
            "/config/data/diff",
            serde_json::json!(true),
            "its configuration says data.log = false, data.diff = true, but its scalers \
             were fitted with log = false, diff = false",
        ),
        (
            "/weights_sha256",
            "0".repeat(64).into(),
            "does not match the checksum",
        ),
        (
            "/model/hidden",
            serde_json::json!(9),
            "model.json does not hold together: the recurrent layers (hidden 9, 1 columns) \
             needs '",
        ),
        // A crafted size is refused before the model is built (it used to allocate
        // 256 GB for this horizon and abort the process).
        (
            "/config/window/horizon",
            serde_json::json!(5_000_000u64),
            "the output head (hidden 8, horizon 5000000 × 1 targets)",
        ),
        (
            "/config/window/horizon",
            serde_json::json!(1_000_000_000u64),
            "window.horizon must be at most 10000000, got 1000000000",
        ),
        (
            "/config/model/layers",
            serde_json::json!(2),
            "does not describe the 7 parameters it lists (layers, linear skip, strategy or attention differ)",
        ),
        (
            "/format",
            "other".into(),
            "unsupported model format 'other'",
        ),
        ("/version", serde_json::json!(99), "version 99"),
        (
            "/params/0/shape",
            serde_json::json!([u64::MAX, 4]),
            "does not hold together",
        ),
        (
            "/n_targets",
            serde_json::json!(0),
            "0 targets among 1 columns",
        ),
        (
            "/scaling/columns/0/scale",
            serde_json::json!(0.0),
            "a scaler with centre",
        ),
        (
            "/scaling/levels",
            serde_json::json!([]),
            "0 level scalers for 1 columns and 1 targets",
        ),
        (
            "/product/intervals/levels/0",
            serde_json::json!(1.5),
            "a level outside 0–1",
        ),
        (
            "/product/intervals/radii/0/0",
            serde_json::json!([]),
            "intervals do not fit 1 targets × 2 levels",
        ),
    ];
    for (i, (pointer, value, expected)) in cases.into_iter().enumerate() {
        let d = fresh(&format!("case{i}"));
        let pointer = if pointer == "/model/hidden" {
            "/config/model/hidden"
        } else {
            pointer
        };
        tamper(&d, pointer, value);
        // Without the content checksum (a model saved before it, or a crafted file with a
        // recomputed one), each deeper check still holds.
        tamper(&d, "/content_sha256", serde_json::Value::Null);
        let err = load_err(&d);
        assert!(err.contains(expected), "{pointer}: {err}");
    }
    // a config value out of range inside the manifest is named like in a config file
    let d = fresh("lookback");
    tamper(&d, "/config/window/lookback", serde_json::json!(0));
    tamper(&d, "/content_sha256", serde_json::Value::Null);
    assert!(load_err(&d).contains("window.lookback"), "{}", load_err(&d));
    // an edited setting that is still valid (a scaler's centre, the window norm): the
    // model used to load and forecast differently without a word
    for (pointer, value) in [
        ("/scaling/columns/0/center", serde_json::json!(123.0)),
        ("/config/model/window_norm", serde_json::json!("mean")),
        ("/columns/0", serde_json::json!("other")),
    ] {
        let d = fresh(&format!("edited{}", pointer.replace('/', "-")));
        tamper(&d, pointer, value);
        assert!(
            load_err(&d).contains("model.json was edited after it was saved"),
            "{pointer}: {}",
            load_err(&d)
        );
    }
    // a flipped weight byte (even one that stays a finite number)
    let d = fresh("flip");
    let mut w = std::fs::read(d.join("weights.bin")).unwrap();
    w[0] ^= 1;
    std::fs::write(d.join("weights.bin"), &w).unwrap();
    assert!(load_err(&d).contains("checksum"));
}

#[test]
fn truncated_and_tampered_configs_are_errors_naming_the_field() {
    let text = RunConfig::default().to_toml().unwrap();
    assert_eq!(RunConfig::from_toml(&text).unwrap(), RunConfig::default());
    // cut anywhere: an error or (cut between whole sections) a valid config, never a panic
    let mut errors = 0;
    for cut in (0..text.len()).filter(|c| text.is_char_boundary(*c)) {
        match RunConfig::from_toml(&text[..cut]) {
            Err(EngineError::Config(_)) => errors += 1,
            Err(other) => panic!("{cut}: unexpected {other:?}"),
            Ok(c) => c.validate().unwrap(),
        }
    }
    assert!(errors > text.len() / 2, "{errors} of {}", text.len());
    for (toml, field) in [
        ("[window]\nlookback = 0\n", "window.lookback"),
        ("[window]\nlookback = -3\n", "invalid value"),
        ("[train]\nlr = nan\n", "train.lr"),
        ("[train]\nlr = inf\n", "train.lr"),
        ("[model]\nlayers = 99\n", "model.layers"),
        (
            "[model]\ncell = \"transformer\"\n",
            "unknown variant `transformer`",
        ),
        (
            "[model]\nhidden = 18446744073709551615\n",
            "number too large",
        ),
        (
            "[data.split]\nby = \"fractions\"\ntrain = 0.9\nval = 0.9\ntest = 0.9\n",
            "sum",
        ),
    ] {
        let err = RunConfig::from_toml(toml).unwrap_err().to_string();
        assert!(err.starts_with("invalid configuration: "), "{toml}: {err}");
        assert!(err.contains(field), "{toml}: {err}");
    }
    // Config and search-space files are read with a cap, whatever their size: a sparse
    // terabyte, a device, binary bytes.
    let dir = tempfile::tempdir().unwrap();
    let huge = dir.path().join("huge.toml");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(1 << 40)
        .unwrap();
    let err = RunConfig::from_file(&huge).unwrap_err().to_string();
    assert!(
        err.ends_with(
            "huge.toml is larger than the 1 MiB a seqcast settings file can be: it is not a \
             configuration or search space"
        ),
        "{err}"
    );
    let err = seqcast_engine::config::read_settings_file(Path::new("/dev/zero"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("/dev/zero is larger than the 1 MiB"), "{err}");
    let binary = dir.path().join("binary.toml");
    std::fs::write(&binary, b"lr = \xFF\xFE").unwrap();
    let err = RunConfig::from_file(&binary).unwrap_err().to_string();
    assert!(err.contains("binary.toml is not UTF-8 text"), "{err}");
    let good = dir.path().join("good.toml");
    std::fs::write(&good, &text).unwrap();
    assert_eq!(RunConfig::from_file(&good).unwrap(), RunConfig::default());
}

#[test]
fn atomic_writes_replace_whole_files_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.json");
    write_atomic(&path, b"first").unwrap();
    write_atomic(&path, b"second").unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"second");
    // the rename fails (the target is a folder): the error names the path, no temp is left
    let blocked = dir.path().join("blocked");
    std::fs::create_dir(&blocked).unwrap();
    let err = write_atomic(&blocked, b"x").unwrap_err();
    assert!(
        matches!(
            err,
            EngineError::Io {
                action: "cannot write",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(blocked.is_dir());
    assert_eq!(hidden_entries(dir.path()), Vec::<String>::new());
}

/// Every path below has spaces and accents.
#[test]
fn paths_with_spaces_and_non_ascii_names_work_end_to_end() {
    let root = tempfile::tempdir().unwrap();
    let folder: PathBuf = root.path().join("données été");
    std::fs::create_dir_all(&folder).unwrap();
    let csv = folder.join("ventes 2024 – mesures.csv");
    std::fs::copy(sample("daily-min-temperatures.csv"), &csv).unwrap();

    let engine = EngineHandle::spawn(None).unwrap();
    engine.send(Command::Load { path: csv.clone() }).unwrap();
    let Event::Loaded { table, .. } = next_result(&engine) else {
        panic!("expected Loaded")
    };
    assert_eq!(table.source, "ventes 2024 – mesures.csv");
    let runs = folder.join("exécutions n°1");
    engine
        .send(Command::RecordRuns {
            dir: Some(runs.clone()),
            origin: RunOrigin::Gui,
        })
        .unwrap();
    assert!(matches!(next_result(&engine), Event::Runs { .. }));
    engine
        .send(Command::Train {
            config: tiny(CellKind::Gru, 1),
            auto: AutoDefaults::NONE,
        })
        .unwrap();
    let mut finished = false;
    let mut recorded = false;
    while !(finished && recorded) {
        match next_result(&engine) {
            Event::Finished(..) => finished = true,
            Event::RunRecorded(_) => recorded = true,
            Event::Runs { .. } => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    let (listed, skipped) = RunStore::open(&runs).unwrap().list().unwrap();
    assert_eq!((listed.len(), skipped.len()), (1, 0));
    assert_eq!(listed[0].row.data_file, "ventes 2024 – mesures.csv");

    let predictions = folder.join("prévisions été.csv");
    let report = folder.join("rapport d'essai.json");
    engine
        .send(Command::Export {
            predictions: Some(predictions.clone()),
            report: Some(report.clone()),
            baselines: false,
        })
        .unwrap();
    let Event::Saved { paths } = next_result(&engine) else {
        panic!("expected Saved")
    };
    assert_eq!(paths, [predictions.clone(), report.clone()]);
    assert!(read_csv(&predictions).unwrap().n_rows > 0);
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(json["data"]["file"], "ventes 2024 – mesures.csv");

    let model = folder.join("modèle «GRU» 1");
    engine
        .send(Command::SaveModel { dir: model.clone() })
        .unwrap();
    assert!(matches!(next_result(&engine), Event::Saved { .. }));
    engine
        .send(Command::LoadModel { dir: model.clone() })
        .unwrap();
    let Event::ModelLoaded {
        dir, prediction, ..
    } = next_result(&engine)
    else {
        panic!("expected ModelLoaded")
    };
    assert_eq!(dir, model);
    assert!(
        prediction
            .future
            .values
            .iter()
            .flatten()
            .all(|v| v.is_finite())
    );
    drop(engine);
    assert_eq!(hidden_entries(&folder), Vec::<String>::new());
}
