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
