//! Live changes (issue 26's knobs): a setting changed while a run trains is applied
//! before the next step, recorded with its step, and replaying the recorded list on the
//! same seed gives the same weights, bit for bit.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic: a panic is a test failure

mod common;

use common::{fit, prepared_temperatures as prepared, sample, tiny};
use seqcast_engine::config::{CellKind, Change, Knob};
use seqcast_engine::data::table::read_csv;
use seqcast_engine::pipeline::{self, Prepared};
use seqcast_engine::train::{self, Control, Progress, stats::param_values};

fn config() -> seqcast_engine::RunConfig {
    let mut c = tiny(CellKind::Lstm, 3);
    c.model.layers = 2;
    c.model.dropout = 0.1;
    c.train.diag_every = 25;
    c
}

/// Trains `config`, asking for changes as a user would: after epoch 1's record
/// (dropout, clipping, weight decay, patience) and after step 25's gradient snapshot,
/// in the middle of epoch 2 (the lr).
fn live_run(
    config: &seqcast_engine::RunConfig,
    p: &Prepared,
) -> (train::TrainOutcome, Vec<String>) {
    let control = Control::new();
    let mut refused = Vec::new();
    let out = train::train(
        &config.model,
        &config.train,
        &p.train_data(),
        &control,
        &mut |event| match event {
            Progress::Epoch(e) if e.epoch == 1 => {
                control.request(Knob::Dropout, 0.3);
                control.request(Knob::Clip, 0.25);
                control.request(Knob::WeightDecay, 1e-3);
                control.request(Knob::Patience, 1.0);
                // Refused: an LSTM forecasting directly has no teacher forcing.
                control.request(Knob::TeacherForcing, 0.5);
            }
            Progress::Snapshot(s) if s.step == 25 => {
                control.request(Knob::Lr, 1e-3);
                control.request(Knob::Lr, -1.0);
            }
            Progress::ChangeRefused { why, .. } => refused.push(why),
            _ => {}
        },
    )
    .unwrap();
    (out, refused)
}

fn losses(out: &train::TrainOutcome) -> Vec<(f64, Option<f64>, f64)> {
    out.history
        .iter()
        .map(|e| (e.train_loss, e.val_loss, e.lr))
        .collect()
}

#[test]
fn a_live_change_replayed_from_its_record_gives_the_same_weights() {
    let config = config();
    let p = prepared(&config);
    let batches = p.train.len().div_ceil(config.train.batch);
    assert!(
        batches < 25 && 25 < 2 * batches,
        "step 25 must fall inside epoch 2, not at its start: {batches} batches"
    );
    let (live, refused) = live_run(&config, &p);
    assert_eq!(live.history.len(), 3);

    // What was recorded: the step each change applied before, with the values before.
    let fields: Vec<(usize, usize, Knob, f64, f64)> = live
        .changes
        .iter()
        .map(|c| (c.step, c.epoch, c.field, c.from, c.to))
        .collect();
    let first = batches + 1;
    assert_eq!(
        fields,
        [
            (first, 2, Knob::Dropout, 0.1, 0.3),
            (first, 2, Knob::Clip, 1.0, 0.25),
            (first, 2, Knob::WeightDecay, 0.0, 1e-3),
            (first, 2, Knob::Patience, 0.0, 1.0),
            (26, 2, Knob::Lr, 5e-3, 1e-3),
        ]
    );
    assert_eq!(refused.len(), 2, "{refused:?}");
    assert!(refused[0].contains("seq2seq"), "{refused:?}");
    assert!(
        refused[1].contains("lr must be a positive number"),
        "{refused:?}"
    );
    // The lr moved within epoch 2 (its record is the mean over its steps) and stayed.
    let lrs: Vec<f64> = live.history.iter().map(|e| e.lr).collect();
    assert_eq!(lrs[0], 5e-3);
    assert!(lrs[1] < 5e-3 && lrs[1] > 1e-3, "{lrs:?}");
    assert!((lrs[2] - 1e-3).abs() < 1e-15, "{lrs:?}");

    // The same seed with the recorded list as the script, and no one at the controls.
    let mut scripted = config.clone();
    scripted.train.changes = live.changes.clone();
    scripted.validate().unwrap();
    let p2 = prepared(&scripted);
    let replay = fit(&scripted, &p2);
    assert_eq!(replay.changes, live.changes);
    assert_eq!(losses(&replay), losses(&live));
    assert_eq!(param_values(&replay.model), param_values(&live.model));

    // And the changes did something: without them the run ends elsewhere.
    let plain = fit(&config, &p);
    assert!(plain.changes.is_empty());
    assert_eq!(
        losses(&plain)[0],
        losses(&live)[0],
        "epoch 1 is before any change"
    );
    assert_ne!(param_values(&plain.model), param_values(&live.model));
}

#[test]
fn a_pipeline_run_records_its_changes_and_reusing_its_configuration_replays_them() {
    let table = read_csv(&sample("daily-min-temperatures.csv")).unwrap();
    let mut config = config();
    config.train.epochs = 2;
    // The refit retrains on more windows: the change lands at the same share of epoch 2.
    config.train.refit = true;
    let control = Control::new();
    let out = pipeline::run(&table, &config, &control, &mut |event| {
        if let Progress::Epoch(e) = event
            && e.epoch == 1
        {
            control.request(Knob::Lr, 2e-3);
        }
    })
    .unwrap();
    let recorded = &out.summary.config.train.changes;
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].field, Knob::Lr);
    // The report (JSON) and a saved configuration (TOML) carry the list.
    let json = serde_json::to_string(&out.summary).unwrap();
    assert!(
        json.contains("\"changes\""),
        "the JSON report lists the changes"
    );
    let toml_text = toml::to_string(&out.summary.config).unwrap();
    let reread: seqcast_engine::RunConfig = toml::from_str(&toml_text).unwrap();
    assert_eq!(reread.train.changes, *recorded);

    let again = pipeline::run(&table, &reread, &Control::new(), &mut |_| {}).unwrap();
    assert_eq!(again.summary.config.train.changes, *recorded);
    let scores =
        |o: &pipeline::RunOutput| o.summary.test.as_ref().map(|t| t.model.clone()).unwrap();
    assert_eq!(scores(&again), scores(&out));
    assert!(out.summary.training.refit.is_some());
}

#[test]
fn a_bad_change_list_is_refused_with_its_place() {
    let mut config = config();
    let change = |step, field, to| Change {
        step,
        epoch: 1,
        field,
        from: 0.0,
        to,
    };
    config.train.changes = vec![change(5, Knob::Lr, 1e-3), change(3, Knob::Clip, 1.0)];
    let err = config.validate().unwrap_err().to_string();
    assert!(
        err.contains("train.changes[1]") && err.contains("step order"),
        "{err}"
    );
    config.train.changes = vec![change(5, Knob::Dropout, 1.5)];
    let err = config.validate().unwrap_err().to_string();
    assert!(err.contains("dropout must be in [0, 1)"), "{err}");
    config.train.changes = vec![change(5, Knob::TeacherForcing, 0.5)];
    let err = config.validate().unwrap_err().to_string();
    assert!(err.contains("seq2seq"), "{err}");
}
