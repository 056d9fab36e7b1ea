//! The engine thread behind `EngineHandle`: the protocol the GUI and the CLI use.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic: a panic is a test failure

mod common;

use std::time::{Duration, Instant};

use common::{sample, tiny};
use seqcast_engine::RunConfig;
use seqcast_engine::config::CellKind;
use seqcast_engine::pipeline::defaults::{AutoDefaults, AutoField};
use seqcast_engine::train::Progress;
use seqcast_engine::worker::{Command, CommandKind, EngineHandle, Event};

/// Waits (bounded) for the first event that is not training progress.
fn next_result(engine: &EngineHandle) -> Event {
    let deadline = Instant::now() + Duration::from_secs(120);
    while Instant::now() < deadline {
        match engine.recv_timeout(Duration::from_millis(200)).unwrap() {
            Some(Event::Training(_) | Event::Doctor(_)) | None => {}
            Some(other) => return other,
        }
    }
    panic!("no result from the engine within 120 s");
}

/// An engine with `file` loaded.
fn loaded_engine(file: &str) -> EngineHandle {
    let engine = EngineHandle::spawn(None).unwrap();
    engine.send(Command::Load { path: sample(file) }).unwrap();
    assert!(matches!(next_result(&engine), Event::Loaded { .. }));
    engine
}

#[test]
fn load_inspect_train_export_through_the_handle() {
    let engine = EngineHandle::spawn(None).unwrap();
    engine
        .send(Command::Load {
            path: sample("daily-min-temperatures.csv"),
        })
        .unwrap();
    let Event::Loaded { table, id_guess } = next_result(&engine) else {
        panic!("expected Loaded")
    };
    assert_eq!(table.n_rows, 3650);
    assert_eq!(id_guess, None, "one series: no id column to offer");

    let config = tiny(CellKind::Lstm, 2);
    engine
        .send(Command::Inspect {
            config: config.clone(),
            auto: AutoDefaults::NONE,
        })
        .unwrap();
    let Event::Inspected(inspection) = next_result(&engine) else {
        panic!("expected Inspected")
    };
    assert_eq!(inspection.series.len(), 3650);
    assert_eq!(inspection.split.train, 0..2190);
    assert!(inspection.windows.iter().all(|w| *w > 0));

    engine
        .send(Command::Train {
            config,
            auto: AutoDefaults::NONE,
        })
        .unwrap();
    let mut epochs = 0;
    let mut started = false;
    let summary = loop {
        match engine.recv_timeout(Duration::from_secs(120)).unwrap() {
            Some(Event::Training(Progress::Started { .. })) => started = true,
            Some(Event::Training(Progress::Epoch(_))) => epochs += 1,
            Some(Event::Finished(s, _)) => break s,
            Some(Event::Training(_) | Event::Doctor(_)) => {}
            other => panic!("unexpected {other:?}"),
        }
    };
    assert!(started);
    assert_eq!(epochs, 2);
    assert_eq!(summary.training.history.len(), 2);

    let dir = tempfile::tempdir().unwrap();
    let preds = dir.path().join("p.csv");
    let report = dir.path().join("r.json");
    engine
        .send(Command::Export {
            predictions: Some(preds.clone()),
            report: Some(report.clone()),
            baselines: false,
        })
        .unwrap();
    let Event::Saved { paths } = next_result(&engine) else {
        panic!("expected Saved")
    };
    assert_eq!(paths, vec![preds.clone(), report.clone()]);
    assert!(std::fs::metadata(&preds).unwrap().len() > 0);
    assert!(
        std::fs::read_to_string(&report)
            .unwrap()
            .contains("\"baselines\"")
    );
}

#[test]
fn failures_arrive_as_readable_events_and_the_engine_keeps_working() {
    let engine = EngineHandle::spawn(None).unwrap();
    engine
        .send(Command::Train {
            config: tiny(CellKind::Gru, 1),
            auto: AutoDefaults::NONE,
        })
        .unwrap();
    let Event::Failed { command, message } = next_result(&engine) else {
        panic!("expected Failed")
    };
    assert_eq!(command, CommandKind::Train);
    assert_eq!(message, "no data loaded: open a CSV file first");

    engine
        .send(Command::Load {
            path: "/no/such/file.csv".into(),
        })
        .unwrap();
    let Event::Failed { message, .. } = next_result(&engine) else {
        panic!("expected Failed")
    };
    assert!(message.contains("/no/such/file.csv"), "{message}");

    engine
        .send(Command::Load {
            path: sample("airline-passengers.csv"),
        })
        .unwrap();
    assert!(matches!(next_result(&engine), Event::Loaded { .. }));
}

#[test]
fn cancel_and_drop_during_training_end_the_thread() {
    let engine = loaded_engine("daily-min-temperatures.csv");
    engine
        .send(Command::Train {
            config: tiny(CellKind::Lstm, 500),
            auto: AutoDefaults::NONE,
        })
        .unwrap();
    // wait for the first finished epoch, then cancel
    loop {
        if let Some(Event::Training(Progress::Epoch(_))) =
            engine.recv_timeout(Duration::from_secs(60)).unwrap()
        {
            break;
        }
    }
    engine.cancel();
    let Event::Cancelled(summary, _) = next_result(&engine) else {
        panic!("expected Cancelled")
    };
    assert!(summary.training.history.len() < 500);
    assert!(
        summary.test_scores.is_some(),
        "the best weights so far are still scored"
    );

    // start again and drop the handle mid-run: Drop cancels and joins
    engine
        .send(Command::Train {
            config: tiny(CellKind::Lstm, 500),
            auto: AutoDefaults::NONE,
        })
        .unwrap();
    loop {
        if let Some(Event::Training(Progress::Batch { .. } | Progress::Epoch(_))) =
            engine.recv_timeout(Duration::from_secs(60)).unwrap()
        {
            break;
        }
    }
    drop(engine);
}

#[test]
fn each_epoch_sends_a_validation_forecast_in_the_data_units() {
    let engine = loaded_engine("daily-min-temperatures.csv");
    engine
        .send(Command::Train {
            config: tiny(CellKind::Gru, 2),
            auto: AutoDefaults::NONE,
        })
        .unwrap();
    let mut forecasts = Vec::new();
    let mut steps = 0;
    loop {
        match engine.recv_timeout(Duration::from_secs(120)).unwrap() {
            Some(Event::Training(Progress::ValidationForecast {
                epoch,
                rows,
                predicted,
                radii,
            })) => forecasts.push((epoch, rows, predicted, radii)),
            Some(Event::Training(Progress::Batch { steps: s, .. })) => steps += s.len(),
            Some(Event::Finished(..)) => break,
            Some(Event::Failed { message, .. }) => panic!("{message}"),
            _ => {}
        }
    }
    assert_eq!(forecasts.iter().map(|f| f.0).collect::<Vec<_>>(), [1, 2]);
    let (_, rows, predicted, radii) = &forecasts[1];
    assert_eq!(rows.len(), predicted.len());
    // This epoch's one-step conformal radii for the live bands: the 80 % one is the
    // ⌈(n + 1)·0.8⌉-th smallest absolute one-step error, the 95 % one no smaller.
    assert_eq!(radii.iter().map(|r| r.0).collect::<Vec<_>>(), [0.8, 0.95]);
    let (r80, r95) = (radii[0].1.unwrap(), radii[1].1.unwrap());
    assert!(r80 > 0.0 && r95 >= r80, "{r80} {r95}");
    let temps: Vec<f64> = std::fs::read_to_string(sample("daily-min-temperatures.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap().trim().parse().unwrap())
        .collect();
    let mut errors: Vec<f64> = rows
        .iter()
        .zip(predicted.iter())
        .map(|(r, p)| (temps[*r] - p).abs())
        .collect();
    errors.sort_by(f64::total_cmp);
    let rank = ((errors.len() + 1) as f64 * 0.8).ceil() as usize;
    assert!(
        (errors[rank - 1] - r80).abs() < 1e-6,
        "{} vs {r80}",
        errors[rank - 1]
    );
    // temperatures in °C, not z-scores
    let mean = predicted.iter().sum::<f64>() / predicted.len() as f64;
    assert!((5.0..20.0).contains(&mean), "mean forecast {mean}");
    // the validation part starts at row 2190 (60% of 3650): one step ahead of origin 2189
    assert_eq!(rows[0], 2190);
    // batch reports carry per-step gradient statistics (rate-limited, so maybe not all)
    assert!(steps <= 2 * 35);
}

#[test]
fn pause_holds_training_between_batches_and_resume_continues() {
    let engine = loaded_engine("daily-min-temperatures.csv");
    engine
        .send(Command::Train {
            config: tiny(CellKind::Gru, 6),
            auto: AutoDefaults::NONE,
        })
        .unwrap();
    loop {
        if let Some(Event::Training(Progress::Epoch(_))) =
            engine.recv_timeout(Duration::from_secs(60)).unwrap()
        {
            break;
        }
    }
    engine.set_paused(true);
    assert!(engine.is_paused());
    // Let the batch in flight finish, then nothing more may arrive while paused
    // (a tiny epoch takes ~0.1 s, so six would otherwise all finish in this time).
    while engine
        .recv_timeout(Duration::from_millis(300))
        .unwrap()
        .is_some()
    {}
    assert_eq!(
        engine
            .recv_timeout(Duration::from_millis(700))
            .unwrap()
            .map(|e| format!("{e:?}")),
        None
    );
    engine.set_paused(false);
    let Event::Finished(summary, _) = next_result(&engine) else {
        panic!("expected the run to finish after resuming")
    };
    assert_eq!(summary.training.history.len(), 6);
}

#[test]
fn the_engine_applies_the_data_dependent_defaults_and_says_what_it_chose() {
    // Inspect, daily data with seven years of training rows, the lookback left to the
    // data: a year of lookback, announced before the inspection of that configuration.
    let engine = loaded_engine("daily-min-temperatures.csv");
    let mut config = tiny(CellKind::Gru, 2);
    config.window.lookback = RunConfig::default().window.lookback;
    let auto = AutoDefaults {
        lookback: true,
        ..AutoDefaults::NONE
    };
    engine
        .send(Command::Inspect {
            config: config.clone(),
            auto,
        })
        .unwrap();
    let Event::ConfigResolved(resolved) = next_result(&engine) else {
        panic!("expected ConfigResolved")
    };
    assert_eq!(resolved.config.window.lookback, 365);
    assert_eq!(resolved.changes.len(), 1);
    assert_eq!(resolved.changes[0].field, AutoField::Lookback);
    assert_eq!(
        resolved.changes[0].why,
        "daily series with 6.0 years of training rows"
    );
    let Event::Inspected(inspection) = next_result(&engine) else {
        panic!("expected Inspected")
    };
    // 2,190 training rows (the tiny config splits 60 %), lookback 365 + horizon 3,
    // every second origin
    assert_eq!(inspection.windows[0], (2190 - 365 - 3) / 2 + 1);
    // Nothing left to the data: nothing changes and nothing is announced.
    engine
        .send(Command::Inspect {
            config,
            auto: AutoDefaults::NONE,
        })
        .unwrap();
    assert!(matches!(next_result(&engine), Event::Inspected(_)));

    // Train, 36 monthly rows: too few for a validation and a test horizon, so the last
    // 12 validate; the 24 before train a one-step model with a year of input, from the
    // fitted start (the epochs stay as set).
    let rows: String = (0..36)
        .map(|i| {
            let v = 100.0 + 10.0 * (i as f64 * std::f64::consts::PI / 6.0).sin() + i as f64;
            format!("{}-{:02},{v:.2}\n", 2001 + i / 12, i % 12 + 1)
        })
        .collect();
    let engine = EngineHandle::spawn(None).unwrap();
    engine
        .send(Command::LoadBytes {
            name: "short.csv".into(),
            bytes: format!("month,value\n{rows}").into_bytes().into(),
        })
        .unwrap();
    assert!(matches!(next_result(&engine), Event::Loaded { .. }));
    let mut config = RunConfig::default();
    config.train.epochs = 3;
    engine
        .send(Command::Train {
            config,
            auto: AutoDefaults::ALL.without(AutoField::Epochs),
        })
        .unwrap();
    let Event::ConfigResolved(resolved) = next_result(&engine) else {
        panic!("expected ConfigResolved")
    };
    let fields: Vec<AutoField> = resolved.changes.iter().map(|c| c.field).collect();
    assert_eq!(
        fields,
        [
            AutoField::Split,
            AutoField::Strategy,
            AutoField::Lookback,
            AutoField::Refit,
            AutoField::SkipInit
        ]
    );
    let Event::Finished(summary, _) = next_result(&engine) else {
        panic!("expected Finished")
    };
    assert_eq!(summary.config.window.lookback, 12);
    assert_eq!(summary.config.train.epochs, 3);
    assert!(summary.config.train.refit);
    // windows of the whole horizon: one in training (the model learns from its 24 − 12
    // one-step windows), one in validation, no test part
    assert_eq!(summary.data.windows, [1, 1, 0]);
}
