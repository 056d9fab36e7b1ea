//! Many series with more than their values: covariates (inputs that change with time)
//! and static attributes (one value per series) reach the model, which uses them: on
//! series whose future depends on them, the model with them forecasts validation much
//! better than the same model without.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Write as _;
use std::sync::Arc;

use seqcast_engine::RunConfig;
use seqcast_engine::config::{ScaleKind, Split};
use seqcast_engine::data::table::read_csv_bytes;
use seqcast_engine::panel::attributes::attach_file;
use seqcast_engine::panel::layout::{long_layout, panel_from_table};
use seqcast_engine::panel::run::{PanelSummary, run};
use seqcast_engine::train::Control;

/// A deterministic uniform draw in [-0.5, 0.5).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    }
}

fn config(lookback: usize, horizon: usize) -> RunConfig {
    let mut c = RunConfig::default();
    c.data.series_column = Some("series".into());
    c.window.lookback = lookback;
    c.window.horizon = horizon;
    c.data.split = Split::Last { val: 24, test: 8 };
    c.data.scale = ScaleKind::Zscore;
    c.model.hidden = 16;
    c.model.layers = 1;
    c.train.epochs = 40;
    c.train.seed = 5;
    c.eval.season = Some(1);
    c
}

fn train(csv: &str, config: &RunConfig, statics: Option<&str>) -> PanelSummary {
    let table = read_csv_bytes(csv.as_bytes(), "long.csv").unwrap();
    let layout = long_layout(&table, config).unwrap().unwrap();
    let mut panel = panel_from_table(&table, &layout).unwrap();
    if let Some(s) = statics {
        let t = read_csv_bytes(s.as_bytes(), "static.csv").unwrap();
        attach_file(&mut panel, &t, Some("series")).unwrap();
    }
    run(Arc::new(panel), config, &Control::default(), &mut |_| {})
        .unwrap()
        .summary
}

fn val_mase(s: &PanelSummary) -> f64 {
    s.validation.as_ref().unwrap().aggregate["model"].mase
}

/// Each series follows its own driver two steps late: its own past says nothing about
/// its next two values, the driver's past says nearly everything.
#[test]
fn a_covariate_that_leads_the_series_is_used() {
    let mut rng = Lcg(7);
    let mut csv = String::from("series,value,driver\n");
    for s in 0..8 {
        let level = 50.0 + 10.0 * f64::from(s);
        let driver: Vec<f64> = (0..160).map(|_| rng.next() * 4.0).collect();
        for t in 0..160 {
            let lead = if t >= 2 { driver[t - 2] } else { 0.0 };
            let y = level + 3.0 * lead + 0.1 * rng.next();
            let _ = writeln!(csv, "s{s},{y:.4},{:.4}", driver[t]);
        }
    }
    let without = train(&csv, &config(4, 2), None);
    let mut c = config(4, 2);
    c.data.covariates = vec!["driver".into()];
    let with = train(&csv, &c, None);
    let (a, b) = (val_mase(&with), val_mase(&without));
    assert!(
        a < 0.3 * b,
        "validation MASE with the driver {a:.3}, without {b:.3}"
    );
    assert!(
        a < with.validation.as_ref().unwrap().aggregate["naive"].mase * 0.5,
        "the driver makes the model far better than naive"
    );
}

/// Two groups of random walks drifting in opposite directions: a window of three steps
/// barely shows the drift, the group attribute names it.
#[test]
fn a_static_attribute_that_sets_the_drift_is_used() {
    let mut rng = Lcg(11);
    let mut csv = String::from("series,value\n");
    let mut statics = String::from("series,group,size\n");
    for s in 0..12 {
        let up = s % 2 == 0;
        let drift = if up { 0.8 } else { -0.8 };
        let mut y = 100.0;
        for _ in 0..160 {
            y += drift + 2.0 * rng.next();
            let _ = writeln!(csv, "s{s},{y:.4}");
        }
        // `size` carries no information; it must not get in the way.
        let group = if up { "up" } else { "down" };
        let _ = writeln!(statics, "s{s},{group},{}", 10 + s);
    }
    let c = config(3, 4);
    let without = train(&csv, &c, None);
    let with = train(&csv, &c, Some(&statics));
    let (a, b) = (val_mase(&with), val_mase(&without));
    assert!(
        a < 0.8 * b,
        "validation MASE with the group {a:.3}, without {b:.3}"
    );
    let scores = &with.validation.as_ref().unwrap().per_series[0];
    assert_eq!(scores.attributes["group"].label(), "up");
    assert_eq!(scores.attributes["size"].label(), "10");
}

/// Each series is forecast with the model unless a baseline is clearly better on its own
/// validation windows: a weak model over near-seasonal series leaves some of them to
/// seasonal naive; the test part never changes a choice; the aggregate has the result.
#[test]
fn each_series_gets_the_model_or_a_clearly_better_baseline_chosen_on_validation() {
    let csv = |test_shift: f64| {
        let mut rng = Lcg(3);
        let mut out = String::from("series,value\n");
        for s in 0..6 {
            for t in 0..160 {
                let season = [0.0, 8.0, 3.0, -5.0, -2.0, 6.0][t % 6];
                let noise = if s < 3 { 0.2 } else { 3.0 } * rng.next();
                // The last 8 rows are the test part: shifting them must change no choice.
                let shift = if t >= 152 { test_shift } else { 0.0 };
                let y = 50.0 + 10.0 * f64::from(s) + season + noise + shift;
                out.push_str(&format!("s{s},{y:.4}\n"));
            }
        }
        out
    };
    let mut c = config(12, 6);
    c.train.epochs = 1;
    c.model.hidden = 4;
    c.eval.season = Some(6);
    let sources = |s: &PanelSummary| -> Vec<String> {
        s.test
            .as_ref()
            .unwrap()
            .per_series
            .iter()
            .map(|x| x.forecast.as_ref().unwrap().0.clone())
            .collect()
    };
    let a = train(&csv(0.0), &c, None);
    let b = train(&csv(40.0), &c, None);
    assert_eq!(sources(&a), sources(&b), "the test part changes no choice");
    let chosen = sources(&a);
    assert!(
        chosen.iter().take(3).all(|s| s != "model"),
        "near-seasonal series left to a baseline: {chosen:?}"
    );
    let test = a.test.as_ref().unwrap();
    let forecast = test.aggregate["forecast"].mase;
    assert!(
        forecast <= test.aggregate["model"].mase,
        "{:?}",
        test.aggregate
    );
}
