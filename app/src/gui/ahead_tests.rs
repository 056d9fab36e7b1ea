//! Covariates known ahead and calendar features in the GUI, driven headless: a column
//! marked Known ahead asks for its future values (and says which are missing), a file
//! of them clears that, the calendar's auto choice is shown, and the run trains; the
//! Strategy combo trains a recursive model, and Results name it.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use egui::accesskit::Role;
use egui_kittest::kittest::Queryable;
use seqcast_engine::config::CalendarSpec;

use super::app::Startup;
use super::tests::{harness, step_until, tiny};

/// 200 days from 2024-01-01 (a leap year): sales 10, plus 5 on promotion days.
fn history(dir: &Path) -> PathBuf {
    let mut csv = String::from("date,sales,promo\n");
    for day in 0..200u32 {
        let promo = u32::from((day * 7919 + 13) % 97 < 20);
        let _ = writeln!(csv, "{},{},{promo}", date(day), 10 + 5 * promo);
    }
    let path = dir.join("promo.csv");
    std::fs::write(&path, csv).unwrap();
    path
}

/// `YYYY-MM-DD` of day `day` of 2024.
fn date(day: u32) -> String {
    const MONTHS: [u32; 12] = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let (mut month, mut rest) = (0, day);
    while rest >= MONTHS[month] {
        rest -= MONTHS[month];
        month += 1;
    }
    format!("2024-{:02}-{:02}", month + 1, rest + 1)
}

#[test]
fn a_known_ahead_column_asks_for_its_future_values_and_trains_with_them() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness(Startup::File(history(dir.path())));
    let mut config = tiny(3);
    config.data.targets = vec!["sales".into()];
    config.data.future_covariates = vec!["promo".into()];
    h.state_mut().persisted.config = config;
    step_until(&mut h, "the missing future values to be found", |a| {
        a.session
            .inspection
            .as_ref()
            .is_some_and(|i| i.future_missing.is_some())
    });
    h.run_steps(2);
    h.get_by_label(
        "Read over the horizon: promo. Forecasting past the end needs their next 3 values:",
    );
    h.get_by_label_contains(
        "needs the future values of 'promo' for the 3 steps after the last row; none are \
         given (2024-07-19 … 2024-07-21)",
    );

    // The file of future values (days 200–202) clears it.
    let future = dir.path().join("plan.csv");
    std::fs::write(
        &future,
        "date,promo\n2024-07-19,1\n2024-07-20,0\n2024-07-21,0\n",
    )
    .unwrap();
    h.state_mut().persisted.config.data.future_file = Some(future);
    h.state_mut().persisted.config.data.calendar = CalendarSpec::Auto;
    step_until(&mut h, "the future values to be read", |a| {
        a.session
            .inspection
            .as_ref()
            .is_some_and(|i| i.future_missing.is_none() && !i.series.calendar.is_empty())
    });
    h.run_steps(2);
    assert_eq!(h.query_all_by_label_contains("missing").count(), 0);
    h.get_by_label("plan.csv");
    // 200 days repeat the week but not the year: auto leaves the day of the year out.
    h.get_by_label("weekday");

    h.get_by_role_and_label(Role::Button, "Train").click();
    step_until(&mut h, "training to finish", |a| {
        a.session.summary.is_some() && a.session.busy.is_none()
    });
    let app = h.state();
    let summary = app.session.summary.as_ref().unwrap();
    assert_eq!(
        summary.data.known_ahead.len(),
        1 + 4,
        "promo and the weekday's columns"
    );
    assert_eq!(summary.future.values[0].len(), 3);
}

#[test]
fn the_strategy_combo_trains_a_recursive_model_and_results_say_so() {
    let mut h = harness(Startup::File(super::tests::sample(
        "daily-min-temperatures.csv",
    )));
    h.state_mut().persisted.config = tiny(2);
    step_until(&mut h, "the file to be inspected", |a| {
        a.session.inspection.is_some()
    });
    // Model > Strategy: pick Recursive from the combo.
    h.get_by_label("Strategy").click();
    h.run_steps(2);
    h.get_by_label("Recursive").click();
    h.run_steps(2);
    assert_eq!(
        h.state().persisted.config.model.strategy,
        seqcast_engine::config::Strategy::Recursive
    );
    h.get_by_role_and_label(Role::Button, "Train").click();
    step_until(&mut h, "training to finish", |a| {
        a.session.summary.is_some() && a.session.busy.is_none()
    });
    h.run_steps(3);
    h.get_by_label_contains("GRU 1×8, recursive");
    let summary = h.state().session.summary.clone().unwrap();
    assert_eq!(summary.future.values[0].len(), 3);
}
