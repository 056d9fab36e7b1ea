//! Live knobs driven headless: pause, change the lr, resume; the change reaches the
//! run before its next step, shows on the plots and is recorded in the run.

use egui::accesskit::Role;
use egui_kittest::kittest::Queryable;
use seqcast_engine::config::Knob;

use super::state::Busy;
use super::tests::{step_until, tiny, training_with};

#[test]
fn an_lr_changed_while_paused_applies_at_the_next_step_and_is_recorded() {
    let mut h = training_with(tiny(400));
    step_until(&mut h, "a few steps", |a| {
        a.session.live.as_ref().is_some_and(|l| l.steps.len() >= 5)
    });
    h.get_by_role_and_label(Role::Button, "Pause").click();
    h.run_steps(2);
    assert!(h.state().engine.as_ref().is_some_and(|e| e.is_paused()));
    // The knob row shows the run's values; edit the lr and apply.
    h.get_by_role_and_label(Role::SpinButton, "lr")
        .set_value_accesskit(2e-4);
    h.run_steps(2);
    h.get_by_role_and_label(Role::Button, "Apply").click();
    h.run_steps(2);
    assert!(
        h.state()
            .session
            .live
            .as_ref()
            .is_some_and(|l| l.changes.is_empty()),
        "paused: nothing applies before training resumes"
    );
    h.get_by_role_and_label(Role::Button, "Resume").click();
    step_until(&mut h, "the change to be applied", |a| {
        a.session
            .live
            .as_ref()
            .is_some_and(|l| !l.changes.is_empty())
    });
    step_until(&mut h, "steps after the change", |a| {
        a.session.live.as_ref().is_some_and(|l| {
            let at = l.changes[0].step;
            l.steps.iter().any(|s| s.step > at + 2)
        })
    });
    let (change, after) = {
        let live = h.state().session.live.as_ref().unwrap();
        let change = live.changes[0];
        let after: Vec<f64> = (live.steps.iter())
            .filter(|s| s.step >= change.step)
            .map(|s| s.lr)
            .collect();
        let before = live.steps.iter().rfind(|s| s.step < change.step).unwrap();
        assert_eq!(before.lr, 1e-3);
        (change, after)
    };
    assert_eq!(
        (change.field, change.from, change.to),
        (Knob::Lr, 1e-3, 2e-4)
    );
    assert!(
        after.iter().all(|lr| (lr - 2e-4).abs() < 1e-18),
        "{after:?}"
    );
    // The marker is on the live plots, named in their legends.
    h.run_steps(2);
    let label = format!("step {}: lr 1.0e-3 -> 2.0e-4", change.step);
    assert!(
        h.query_all_by_label(&label).count() >= 2,
        "the loss and gradient plots mark the change"
    );
    h.get_by_role_and_label(Role::Button, "Stop").click();
    step_until(&mut h, "the run to stop", |a| {
        a.session.summary.is_some() && a.session.busy != Some(Busy::Training)
    });
    let summary = h.state().session.summary.clone().unwrap();
    assert_eq!(summary.config.train.changes, [change]);
}

#[test]
fn a_run_branched_from_the_runs_table_continues_from_its_checkpoint_with_the_edit() {
    let mut h = super::tests::trained(4);
    step_until(&mut h, "the run to be listed", |a| {
        a.session.runs.list.len() == 1
    });
    let parent = h.state().session.summary.clone().unwrap();
    h.get_by_label("Runs").click();
    h.run_steps(3);
    h.get_by_role_and_label(Role::Button, "Branch…")
        .scroll_to_me();
    h.run_steps(3);
    h.get_by_role_and_label(Role::Button, "Branch…").click();
    h.run_steps(3);
    assert!(h.state().session.runs.branching.is_some(), "the form opens");
    h.get_by_role_and_label(Role::SpinButton, "after epoch")
        .set_value_accesskit(2.0);
    h.get_by_role_and_label(Role::SpinButton, "lr")
        .set_value_accesskit(2e-4);
    h.run_steps(2);
    // 4 epochs with 3 checkpoints kept: after epochs 2 and 4 (and the best).
    h.get_by_label("Starts from the checkpoint after epoch 2: nothing is retrained.");
    h.get_by_role_and_label(Role::Button, "Train branch")
        .click();
    step_until(&mut h, "the branch to train and be listed", |a| {
        a.session.summary.is_some() && a.session.busy.is_none() && a.session.runs.list.len() == 2
    });
    let branch = h.state().session.summary.clone().unwrap();
    let losses = |s: &seqcast_engine::pipeline::RunSummary| -> Vec<(f64, Option<f64>)> {
        (s.training.history.iter())
            .map(|e| (e.train_loss, e.val_loss))
            .collect()
    };
    let (b, p) = (losses(&branch), losses(&parent));
    assert_eq!(b[..2], p[..2], "the shared epochs");
    assert_ne!(b[2], p[2]);
    let point = branch.config.train.branch.clone().unwrap();
    assert_eq!(point.epoch, 2);
    assert_eq!(branch.training.resumed_from, Some(2), "from the checkpoint");
    // The training view says where the branch started.
    h.get_by_label("Training").click();
    h.run_steps(3);
    h.get_by_label_contains("continued from the checkpoint after epoch 2");
    let lr = branch.config.train.changes.last().map(|c| (c.field, c.to));
    assert_eq!(lr, Some((Knob::Lr, 2e-4)));
    // The runs table names the parent.
    h.get_by_label("Runs").click();
    h.run_steps(3);
    h.get_by_label_contains("@ epoch 2");
}
