//! The Diagnostics view driven headless: an absurd learning rate raises the alarm and
//! its Apply button fixes the config; gate norms and per-step gradients arrive (a seq2seq
//! decoder's per horizon step too); the
//! overfit and lr range tools run from their buttons and "Use lr" sets the lr; alerts
//! that no longer hold are listed apart.

use egui::accesskit::Role;
use egui_kittest::kittest::Queryable;
use seqcast_engine::config::{ClipKind, OptimizerKind};
use seqcast_engine::diag::AlertKind;

use super::app::{SeqcastApp, Startup};
use super::state::Tab;
use super::tests::{harness, sample, step_until, tiny};

fn inspected(config: seqcast_engine::RunConfig) -> egui_kittest::Harness<'static, SeqcastApp> {
    let mut h = harness(Startup::File(sample("daily-min-temperatures.csv")));
    h.state_mut().persisted.config = config;
    step_until(&mut h, "the file to be inspected", |a| {
        a.session.inspection.is_some()
    });
    h
}

fn show_diagnostics(h: &mut egui_kittest::Harness<'static, SeqcastApp>) {
    h.get_by_label("Diagnostics").click();
    h.run_steps(3);
    assert_eq!(h.state().persisted.tab, Tab::Diagnostics);
}

#[test]
fn an_absurd_learning_rate_raises_the_alarm_and_apply_fixes_the_config() {
    let mut config = tiny(3);
    // MSE: its gradient grows with the error, so lr 50 blows up (the pinball loss's is
    // bounded; the engine's doctor tests cover it).
    config.train.loss = seqcast_engine::config::LossKind::Mse;
    config.train.lr = 50.0;
    config.train.optimizer = OptimizerKind::Sgd;
    config.train.momentum = 0.0;
    config.train.clip = ClipKind::None;
    let mut h = inspected(config);
    h.get_by_role_and_label(Role::Button, "Train").click();
    step_until(&mut h, "training to end", |a| {
        a.session.summary.is_some() && a.session.busy.is_none()
    });
    show_diagnostics(&mut h);
    let live = h.state().session.live.clone().unwrap();
    let alarm = live
        .alerts
        .iter()
        .map(|d| &d.alert)
        .find(|a| matches!(a.kind, AlertKind::Exploding | AlertKind::NonFinite))
        .unwrap_or_else(|| panic!("no alarm in {:?}", live.alerts));
    h.get_by_label_contains(alarm.kind.title());
    h.get_by_label_contains(&alarm.remedy);
    // Apply lowers the lr and turns clipping on.
    h.get_by_label_contains("Apply: lr 5.0e1 -> ").click();
    h.run_steps(2);
    let train = &h.state().persisted.config.train;
    assert!(train.lr < 50.0, "lr {}", train.lr);
    assert_eq!(train.clip, ClipKind::Norm { max: 1.0 });
}

#[test]
fn gate_norms_and_per_step_gradients_reach_the_view() {
    let mut config = tiny(2);
    config.train.diag_every = 2;
    let mut h = inspected(config);
    h.get_by_role_and_label(Role::Button, "Train").click();
    step_until(&mut h, "training to end", |a| {
        a.session.summary.is_some() && a.session.busy.is_none()
    });
    show_diagnostics(&mut h);
    let live = h.state().session.live.clone().unwrap();
    assert!(
        live.snapshots.len() >= 2,
        "{} snapshots",
        live.snapshots.len()
    );
    let last = live.snapshots.last().unwrap();
    let gates: Vec<&str> = last.gates.iter().map(|g| g.gate.as_str()).collect();
    assert_eq!(gates, ["reset", "update", "new"]);
    assert_eq!(last.time_norms.len(), 1);
    assert_eq!(last.time_norms[0].len(), 14);
    assert!(
        last.time_norms[0]
            .iter()
            .all(|v| v.is_finite() && *v >= 0.0)
    );
    h.get_by_label(&format!(
        "Gradient reaching each time step, |dL/dh_t| (step {})",
        last.step
    ));
    h.get_by_label_contains("clipping fired on");
    // The per-parameter table opens on a click and lists every parameter.
    h.get_by_label(&format!("Per-parameter statistics at step {}", last.step))
        .click();
    h.run_steps(3);
    for p in &last.params {
        assert!(h.query_by_label(&p.name).is_some(), "{} listed", p.name);
    }
}

#[test]
fn a_seq2seq_decoders_per_step_gradients_reach_the_view() {
    let mut config = tiny(2);
    config.train.diag_every = 2;
    config.model.strategy = seqcast_engine::config::Strategy::Seq2seq;
    config.model.layers = 2;
    let horizon = config.window.horizon;
    let mut h = inspected(config);
    h.get_by_role_and_label(Role::Button, "Train").click();
    step_until(&mut h, "training to end", |a| {
        a.session.summary.is_some() && a.session.busy.is_none()
    });
    show_diagnostics(&mut h);
    let live = h.state().session.live.clone().unwrap();
    let last = live.snapshots.last().unwrap();
    // Two decoder layers, one value per horizon step, every one measured.
    assert_eq!(last.decoder_time_norms.len(), 2);
    for layer in &last.decoder_time_norms {
        assert_eq!(layer.len(), horizon);
        assert!(layer.iter().all(|v| v.is_finite() && *v > 0.0), "{layer:?}");
    }
    h.get_by_label("Gradient reaching each decoder step, |dL/dh_k|");
}

#[test]
fn the_checklist_tools_run_from_their_buttons() {
    let mut h = inspected(tiny(2));
    show_diagnostics(&mut h);
    h.get_by_role_and_label(Role::Button, "Overfit one batch")
        .click();
    step_until(&mut h, "the overfit check", |a| {
        a.session.overfit.is_some() && a.session.busy.is_none()
    });
    h.run_steps(2);
    assert!(h.state().session.overfit.as_ref().unwrap().reached);
    // In the view and in the status bar.
    assert!(
        h.query_all_by_label_contains("the model and the data pipeline can learn")
            .count()
            >= 2
    );

    h.get_by_role_and_label(Role::Button, "Learning-rate range test")
        .click();
    step_until(&mut h, "the lr range test", |a| {
        a.session.lr_range.is_some() && a.session.busy.is_none()
    });
    h.run_steps(2);
    let suggested = h
        .state()
        .session
        .lr_range
        .as_ref()
        .unwrap()
        .suggested
        .unwrap();
    assert!((1e-4..=1e-1).contains(&suggested), "{suggested}");
    h.get_by_label(&format!("Use lr {suggested:.1e}")).click();
    h.run_steps(2);
    assert_eq!(h.state().persisted.config.train.lr, suggested);
}

#[test]
fn alerts_that_no_longer_hold_are_listed_apart_as_earlier_in_training() {
    use seqcast_engine::diag::{Alert, Diagnosis};
    let mut h = inspected(tiny(2));
    h.get_by_role_and_label(Role::Button, "Train").click();
    step_until(&mut h, "training to end", |a| {
        a.session.summary.is_some() && a.session.busy.is_none()
    });
    // An alert the doctor raised at epoch 1 and the end no longer confirms (as the
    // engine's Doctor marks it), beside whatever the run itself raised.
    let live = h.state_mut().session.live.as_mut().unwrap();
    let now = live.alerts.iter().filter(|d| d.current).count();
    live.alerts.push(Diagnosis {
        alert: Alert {
            kind: AlertKind::CopiesLastValue,
            epoch: 1,
            message: "validation forecasts stay near the last input value".into(),
            remedy: "Forecast changes instead of levels.".into(),
        },
        fix: None,
        current: false,
    });
    show_diagnostics(&mut h);
    h.get_by_label(&format!("Alerts ({now} now, 1 earlier in training)"));
    h.get_by_label("Earlier in training, no longer true at the end:");
    h.get_by_label("(epoch 1): validation forecasts stay near the last input value");
    // Its remedy is not offered: it no longer applies.
    assert!(
        h.query_by_label_contains("Forecast changes instead of levels.")
            .is_none()
    );
}
