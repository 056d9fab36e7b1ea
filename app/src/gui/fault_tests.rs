//! Faults seen from the window: a panic on the engine thread becomes an error message
//! and the app trains again; closing the window during training stops the engine
//! thread and waits for it, leaving the run store complete.

use egui::accesskit::Role;
use egui_kittest::kittest::Queryable;
use seqcast_engine::runs::RunStore;
use seqcast_engine::train::StopReason;
use seqcast_engine::worker::Command;

use super::app::Startup;
use super::state::Busy;
use super::tests::{harness, sample, step_until, tiny};

#[test]
fn a_panic_in_the_engine_shows_an_error_and_train_works_again() {
    let mut h = harness(Startup::File(sample("daily-min-temperatures.csv")));
    h.state_mut().persisted.config = tiny(3);
    step_until(&mut h, "the file to be inspected", |a| {
        a.session.inspection.is_some()
    });
    // a bug in the training loop, injected (nothing in the app sends this command)
    let config = tiny(3);
    h.state_mut().send(
        Command::FaultTrainThenPanic {
            config,
            after_epochs: 1,
        },
        Some(Busy::Training),
    );
    step_until(&mut h, "the failure to arrive", |a| {
        a.session.busy.is_none()
    });
    let text = "Train failed: internal error (please report it): injected fault: panic in the \
                training loop after 1 epochs";
    assert!(
        h.state()
            .session
            .messages
            .iter()
            .any(|m| m.is_error && m.text == text),
        "{:?}",
        h.state().session.messages
    );
    h.run_steps(2);
    h.get_by_label_contains("injected fault: panic in the training loop");

    // the window is alive and the engine trains again
    h.get_by_role_and_label(Role::Button, "Train").click();
    step_until(&mut h, "training to finish", |a| {
        a.session.summary.is_some() && a.session.busy.is_none()
    });
    let summary = h.state().session.summary.clone().unwrap();
    assert_eq!(summary.training.stop, StopReason::Completed);
    assert_eq!(summary.training.history.len(), 3);
}

#[test]
fn closing_the_window_during_training_stops_and_joins_the_engine() {
    let mut h = harness(Startup::File(sample("daily-min-temperatures.csv")));
    h.state_mut().persisted.config = tiny(500);
    step_until(&mut h, "the file to be inspected", |a| {
        a.session.inspection.is_some()
    });
    h.get_by_role_and_label(Role::Button, "Train").click();
    step_until(&mut h, "an epoch", |a| {
        a.session
            .live
            .as_ref()
            .is_some_and(|l| !l.history.is_empty())
    });
    let runs_dir = h.state().runs_dir();
    // what eframe calls when the window closes
    eframe::App::on_exit(h.state_mut(), None);
    assert_eq!(
        h.state().train_blocker().as_deref(),
        Some("the engine is not running")
    );
    // on_exit returned only after the engine thread ended: the cancelled run it was
    // training has been recorded, complete, and nothing half-written is left
    let store = RunStore::open(&runs_dir).unwrap();
    let (runs, skipped) = store.list().unwrap();
    assert!(skipped.is_empty(), "{skipped:?}");
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].row.stop, "cancelled");
    assert!(runs[0].row.epochs_run >= 1 && runs[0].row.epochs_run < 500);
    let hidden: Vec<_> = std::fs::read_dir(&runs_dir)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert!(hidden.is_empty(), "{hidden:?}");
}
