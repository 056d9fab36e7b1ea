//! The seq2seq strategy through the pipeline: it learns, its teacher-forcing ratio
//! follows the schedule epoch by epoch, and ratio 1 and 0 train differently.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic: a panic is a test failure

mod common;

use common::{sample, tiny};
use seqcast_engine::config::{Attention, CellKind, SamplingSchedule, Strategy, TeacherForcing};
use seqcast_engine::data::table::read_csv;
use seqcast_engine::pipeline;
use seqcast_engine::train::Control;

fn run(config: &seqcast_engine::RunConfig) -> pipeline::RunOutput {
    let table = read_csv(&sample("daily-min-temperatures.csv")).unwrap();
    pipeline::run(&table, config, &Control::new(), &mut |_| {}).unwrap()
}

fn seq2seq(epochs: usize, teacher: TeacherForcing) -> seqcast_engine::RunConfig {
    let mut c = tiny(CellKind::Gru, epochs);
    c.window.horizon = 5;
    c.model.strategy = Strategy::Seq2seq;
    c.train.teacher_forcing = teacher;
    c
}

#[test]
fn a_seq2seq_model_learns_with_its_ratio_falling_by_the_schedule() {
    let linear = TeacherForcing {
        start: 1.0,
        schedule: SamplingSchedule::Linear { epochs: None },
    };
    let out = run(&seq2seq(6, linear));
    let s = &out.summary;
    assert!(out.model.forecaster.is_seq2seq());
    // Linear over the 6-epoch budget: 1, 5/6, 4/6, 3/6, 2/6, 1/6.
    let ratios: Vec<f64> = s
        .training
        .history
        .iter()
        .map(|e| e.teacher_forcing.unwrap())
        .collect();
    for (k, r) in ratios.iter().enumerate() {
        assert!((r - (6 - k) as f64 / 6.0).abs() < 1e-12, "{ratios:?}");
    }
    // It learns: validation (the decoder's own forecasts) improves and the test error
    // beats repeating the last value, over all five steps.
    common::assert_learned_and_beat_naive(s);
    assert_eq!(s.future.values[0].len(), 5);
}

#[test]
fn teacher_forcing_ratio_one_and_zero_train_differently() {
    let constant = |start| TeacherForcing {
        start,
        schedule: SamplingSchedule::Constant,
    };
    let (taught, free) = (
        run(&seq2seq(2, constant(1.0))),
        run(&seq2seq(2, constant(0.0))),
    );
    let first = |o: &pipeline::RunOutput| o.summary.training.history[0].clone();
    let (a, b) = (first(&taught), first(&free));
    assert_eq!(
        (a.teacher_forcing, b.teacher_forcing),
        (Some(1.0), Some(0.0))
    );
    assert_ne!(a.train_loss, b.train_loss);
    // The other strategies record no ratio.
    let direct = run(&tiny(CellKind::Gru, 1));
    assert_eq!(direct.summary.training.history[0].teacher_forcing, None);
}

#[test]
fn the_doctor_measures_the_decoder_gates_and_groups_too() {
    let mut config = seq2seq(2, TeacherForcing::default());
    config.model.cell = CellKind::Lstm;
    config.train.diag_every = 1;
    let table = read_csv(&sample("daily-min-temperatures.csv")).unwrap();
    let mut snapshots = Vec::new();
    let out = pipeline::run(&table, &config, &Control::new(), &mut |p| {
        if let seqcast_engine::train::Progress::Snapshot(s) = p {
            snapshots.push(s);
        }
    })
    .unwrap();
    let last = snapshots.last().expect("a snapshot every step");
    let decoder: Vec<&str> = last
        .gates
        .iter()
        .filter(|g| g.decoder)
        .map(|g| g.gate.as_str())
        .collect();
    assert_eq!(decoder, ["input", "forget", "cell", "output"]);
    assert!(last.gates.iter().all(|g| g.grad_norm.is_finite()));
    let groups: Vec<&str> = out.summary.training.history[0]
        .layer_grad_norms
        .iter()
        .map(|(g, _)| g.as_str())
        .collect();
    assert_eq!(groups, ["layer 1", "decoder 1", "head"]);
}

#[test]
fn an_attending_decoder_learns_and_reports_where_each_step_looked() {
    for attention in [Attention::Dot, Attention::General, Attention::Additive] {
        let mut config = seq2seq(6, TeacherForcing::default());
        config.model.attention = attention;
        let out = run(&config);
        let s = &out.summary;
        common::assert_learned_and_beat_naive(s);
        // The forecast past the end: 5 steps, each a distribution over the 14 steps of
        // the lookback.
        let map = s.future.attention.as_ref().expect("an attention map");
        assert_eq!(map.len(), 5, "{attention:?}");
        for row in map {
            assert_eq!(row.len(), 14);
            let sum: f64 = row.iter().sum();
            assert!((sum - 1.0).abs() < 1e-5, "{attention:?}: {sum}");
        }
        // Test forecasts: 24 of them, evenly spaced from the first to the last.
        let test = s.test.as_ref().unwrap();
        let kept = &s.test_attention;
        assert_eq!(kept.len(), test.origins.len().min(24));
        let label = |o: usize| out.series.time_label(o);
        assert_eq!(kept[0].origin, label(test.origins[0]));
        assert_eq!(kept[23].origin, label(*test.origins.last().unwrap()));
        for m in kept {
            assert_eq!((m.weights.len(), m.weights[0].len()), (5, 14));
            let sum: f64 = m.weights[4].iter().sum();
            assert!((sum - 1.0).abs() < 1e-5);
        }
    }
    // Without attention there is no map; attention without seq2seq is refused by name.
    assert!(
        run(&seq2seq(1, TeacherForcing::default()))
            .summary
            .future
            .attention
            .is_none()
    );
    let mut direct = tiny(CellKind::Gru, 1);
    direct.model.attention = Attention::Dot;
    let err = direct.validate().unwrap_err().to_string();
    assert!(err.contains("--strategy seq2seq"), "{err}");
}
