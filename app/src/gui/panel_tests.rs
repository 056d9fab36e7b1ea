//! Many series in the GUI, driven headless: a long table's id column is offered (not
//! taken), accepting it trains one model over every series, and Results lists them
//! worst first, filters them and shows the chosen one in detail; the export has a
//! `series` column.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use egui::accesskit::Role;
use egui_kittest::kittest::Queryable;
use seqcast_engine::config::Split;

use super::app::Startup;
use super::state::Tab;
use super::tests::{harness, step_until};

/// Eight daily series of 90 rows in long format, weekly seasonal with noise; `b3` is
/// made hard to forecast (noise ten times larger).
fn long_csv(dir: &Path) -> PathBuf {
    let mut csv = String::from("store,day,sales\n");
    for i in 0..8u32 {
        for t in 0..90u32 {
            let (month, day) = match t {
                0..=30 => (1, t + 1),
                31..=59 => (2, t - 30),
                _ => (3, t - 59),
            };
            let noise = f64::from((t * 7919 + i * 104_729) % 101) / 101.0 - 0.5;
            let scale = if i == 3 { 40.0 } else { 4.0 };
            let season = (f64::from(t) * std::f64::consts::TAU / 7.0).sin();
            let value = 100.0 + 10.0 * f64::from(i) + 20.0 * season + scale * noise;
            let _ = writeln!(csv, "b{i},2024-{month:02}-{day:02},{value:.3}");
        }
    }
    let path = dir.join("stores.csv");
    std::fs::write(&path, csv).unwrap();
    path
}

#[test]
fn a_long_table_is_offered_as_many_series_and_results_list_them() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness(Startup::File(long_csv(dir.path())));
    step_until(&mut h, "the file to load", |a| a.session.table.is_some());
    h.run_steps(2);
    // Offered, not taken.
    assert_eq!(h.state().persisted.config.data.series_column, None);
    h.get_by_label_contains("column 'store' looks like a series id: 8 ids");
    h.get_by_label("Train one model over these series").click();
    h.run_steps(2);
    assert_eq!(
        h.state().persisted.config.data.series_column.as_deref(),
        Some("store")
    );
    h.get_by_label_contains("Many series, one model: each value of column 'store'");
    {
        let c = &mut h.state_mut().persisted.config;
        c.data.split = Split::Last { val: 7, test: 7 };
        c.window.lookback = 14;
        c.window.horizon = 7;
        c.model.hidden = 8;
        c.model.layers = 1;
        c.train.epochs = 3;
    }
    h.run_steps(2);
    h.get_by_role_and_label(Role::Button, "Train").click();
    step_until(&mut h, "the panel run to finish", |a| {
        a.session.panel.is_some() && a.session.busy.is_none()
    });
    h.run_steps(3);
    assert_eq!(h.state().persisted.tab, Tab::Results);
    h.get_by_label_contains("One LSTM 1×8 over 8 series (0 left out)");
    h.get_by_label_contains("Test, mean over 8 series");
    h.get_by_label_contains("naive2");
    h.get_by_label_contains("8 series · model MASE");

    // The filter keeps the matching ids; choosing one shows it in detail.
    h.state_mut().persisted.series_list.filter = "b3".into();
    h.run_steps(2);
    h.get_by_label_contains("1 series · model MASE");
    // The list row comes first (the detail's title also names b3).
    h.get_all_by_label_contains("b3 ").next().unwrap().click();
    h.run_steps(2);
    assert_eq!(
        h.state().persisted.series_list.selected.as_deref(),
        Some("b3")
    );
    h.get_by_label_contains("b3 · model sMAPE");

    // The export writes every series' test and future rows with its id.
    h.state_mut().persisted.last_dir = Some(dir.path().to_path_buf());
    h.get_by_label("Export predictions…").click();
    h.run_steps(4);
    h.get_by_label("OK").click();
    let path = dir.path().join("predictions.csv");
    step_until(&mut h, "the export", |a| {
        a.session.busy.is_none() && path.exists()
    });
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.starts_with("series,origin,target_time,step,split,"),
        "{text}"
    );
    // 8 series × (7 test + 7 future) rows.
    assert_eq!(text.lines().count(), 1 + 8 * 14);
    assert!(
        text.contains("\nb3,2024-03-23,2024-03-24,1,test,"),
        "{text}"
    );
    assert!(
        text.contains("\nb7,2024-03-30,2024-03-31,1,future,,"),
        "{text}"
    );
}

/// The data's recursive default (a short series) goes back to direct when Train is
/// pressed for many series, even while an inspection is still in flight (the regular
/// place where it is put back): the run is not refused for a setting the user never chose.
#[test]
fn train_drops_the_recursive_default_for_many_series_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness(Startup::File(long_csv(dir.path())));
    step_until(&mut h, "the file to load", |a| {
        a.session.table.is_some() && a.session.runs.dir.is_some()
    });
    {
        let app = h.state_mut();
        let c = &mut app.persisted.config;
        c.data.series_column = Some("store".into());
        c.data.split = Split::Last { val: 7, test: 7 };
        c.window.lookback = 14;
        c.window.horizon = 7;
        c.model.hidden = 4;
        c.model.layers = 1;
        c.train.epochs = 1;
        // As the data defaults of the first, one-series load left it.
        c.model.strategy = seqcast_engine::config::Strategy::Recursive;
        app.persisted.data_defaults.strategy = Some(seqcast_engine::config::Strategy::Recursive);
        app.session.inspecting = true;
    }
    h.get_by_role_and_label(Role::Button, "Train").click();
    h.run_steps(1);
    let app = h.state();
    assert_eq!(
        app.persisted.config.model.strategy,
        seqcast_engine::config::Strategy::Direct
    );
    assert!(
        app.session.busy.is_some(),
        "training started: {:?}",
        app.session.messages
    );
    assert!(
        app.session
            .messages
            .iter()
            .any(|m| m.text.starts_with("Strategy back to direct"))
    );
}

/// Two runs over many series are recorded, listed with their series count and compared
/// by their scores over all series against each baseline.
#[test]
fn runs_over_many_series_are_recorded_and_compared() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness(Startup::File(long_csv(dir.path())));
    step_until(&mut h, "the file to load", |a| {
        a.session.table.is_some() && a.session.runs.dir.is_some()
    });
    for hidden in [4, 8] {
        {
            let c = &mut h.state_mut().persisted.config;
            c.data.series_column = Some("store".into());
            c.data.split = Split::Last { val: 7, test: 7 };
            c.window.lookback = 14;
            c.window.horizon = 7;
            c.model.hidden = hidden;
            c.model.layers = 1;
            c.train.epochs = 2;
        }
        h.run_steps(2);
        h.get_by_role_and_label(Role::Button, "Train").click();
        step_until(&mut h, "the panel run to be recorded", |a| {
            a.session.busy.is_none() && a.session.runs.list.iter().any(|r| r.row.hidden == hidden)
        });
    }
    let runs = h.state().session.runs.list.clone();
    assert_eq!(runs.len(), 2);
    assert!(runs.iter().all(|r| r.row.series == Some(8)), "{runs:?}");
    h.get_by_label("Runs").click();
    h.run_steps(3);
    assert_eq!(
        h.query_all_by_label_contains("lr 1.0e-3, 8 series").count(),
        2,
        "both runs named with their series count"
    );
    h.state_mut().session.runs.selected = runs.iter().map(|r| r.id.clone()).collect();
    h.run_steps(2);
    h.get_by_label("Compare selected (2)").click();
    step_until(&mut h, "the runs to load", |a| {
        a.session.runs.compared.len() == 2
    });
    h.run_steps(3);
    h.get_by_label("Over all series (test): mean MASE of the model and each baseline");
    h.get_by_label("seasonal naive");
    h.get_by_label("test OWA");
    assert_eq!(
        h.query_all_by_label_contains(" of 8 series").count(),
        2,
        "each run: on how many series the model beats the best baseline"
    );
}
