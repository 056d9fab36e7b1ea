//! The doctor's rules on hand-made histories.

use super::*;

fn epoch(epoch: usize, train: f64, val: f64) -> EpochRecord {
    EpochRecord {
        epoch,
        train_loss: train,
        val_loss: Some(val),
        lr: 1e-3,
        grad_norm: 0.5,
        grad_norm_max: 0.9,
        grad_norm_clipped: 0.5,
        clip_rate: 0.0,
        layer_grad_norms: vec![("layer 1".into(), 0.3), ("head".into(), 0.2)],
        duration_secs: 1.0,
        time_grad: None,
        check: None,
        teacher_forcing: None,
    }
}

fn kinds(alerts: &[Alert]) -> Vec<AlertKind> {
    alerts.iter().map(|a| a.kind).collect()
}

#[test]
fn healthy_history_raises_nothing() {
    let h: Vec<_> = (1..=8)
        .map(|e| epoch(e, 1.0 / e as f64, 1.2 / e as f64))
        .collect();
    assert!(epoch_alerts(&h).is_empty());
}

#[test]
fn each_rule_fires_on_its_signal() {
    let mut h: Vec<_> = (1..=4)
        .map(|e| epoch(e, 1.0 / e as f64, 0.5 + 0.1 * e as f64))
        .collect();
    assert_eq!(kinds(&epoch_alerts(&h)), [AlertKind::Overfitting]);

    h[3].grad_norm_max = 42.0;
    h[3].layer_grad_norms[0].1 = 3e-6;
    let k = kinds(&epoch_alerts(&h));
    assert!(
        k.contains(&AlertKind::Exploding) && k.contains(&AlertKind::Vanishing),
        "{k:?}"
    );

    let flat: Vec<_> = (1..=3)
        .map(|e| epoch(e, 0.5 + 1e-4 * e as f64, 0.6))
        .collect();
    assert_eq!(kinds(&epoch_alerts(&flat)), [AlertKind::Flat]);

    let zigzag: Vec<_> = (1..=6)
        .map(|e| {
            epoch(
                e,
                if e % 2 == 0 {
                    0.6
                } else {
                    0.4 + 0.01 * e as f64
                },
                0.5,
            )
        })
        .collect();
    assert!(kinds(&epoch_alerts(&zigzag)).contains(&AlertKind::Oscillating));
    // A converged loss that wobbles by 0.2% is not oscillating, and a validation
    // loss creeping up by 0.3% is not overfitting.
    let wobble: Vec<_> = (1..=7)
        .map(|e| {
            let train = match e {
                1 => 0.6,
                e if e % 2 == 0 => 0.3006,
                _ => 0.3,
            };
            epoch(e, train, 0.4 + 0.0004 * e as f64)
        })
        .collect();
    assert!(
        epoch_alerts(&wobble).is_empty(),
        "{:?}",
        kinds(&epoch_alerts(&wobble))
    );
}

#[test]
fn a_loss_bouncing_by_a_fifth_without_progress_is_oscillating() {
    // The pinball loss at lr 50 (engine/tests/doctor.rs): rises in only 2 of 5 epochs,
    // but moves 0.74 for 0.16 of net progress, swinging by 25 %.
    let losses = [
        2.08, 1.66, 1.69, 1.44, 1.74, 1.51, 1.72, 1.38, 1.54, 1.67, 1.64, 1.56,
    ];
    let h: Vec<_> = (1..=losses.len())
        .map(|e| epoch(e, losses[e - 1], 0.68))
        .collect();
    let alerts = epoch_alerts(&h);
    let a = alerts
        .iter()
        .find(|a| a.kind == AlertKind::Oscillating)
        .unwrap_or_else(|| panic!("{:?}", kinds(&alerts)));
    assert!(
        a.message.contains("swings by up to 25% between epochs"),
        "{}",
        a.message
    );
    // The same swings on a loss that keeps falling are progress, not oscillation, and
    // a converged loss wobbling by 10 % without progress is noise.
    let falling: Vec<_> = (1..=12)
        .map(|e| {
            epoch(
                e,
                2.0 * 0.8f64.powi(e as i32) * (1.0 + 0.02 * (e % 2) as f64),
                0.5,
            )
        })
        .collect();
    assert!(!kinds(&epoch_alerts(&falling)).contains(&AlertKind::Oscillating));
    let noisy: Vec<_> = (1..=12)
        .map(|e| epoch(e, if e % 3 == 0 { 0.55 } else { 0.5 }, 0.5))
        .collect();
    assert!(!kinds(&epoch_alerts(&noisy)).contains(&AlertKind::Oscillating));
}

#[test]
fn early_time_steps_below_1e_5_raise_vanishing_with_the_reach() {
    let mut h: Vec<_> = (1..=2).map(|e| epoch(e, 1.0 / e as f64, 1.0)).collect();
    h[0].time_grad = Some(crate::train::TimeGrad {
        early: 3e-9,
        late: 0.05,
        reach: 37,
        lookback: 120,
    });
    // The latest measurement counts even when the last epoch had no snapshot.
    let a = epoch_alerts(&h);
    assert_eq!(kinds(&a), [AlertKind::Vanishing]);
    assert!(
        a[0].message.contains("120-step window is 3.0e-9"),
        "{}",
        a[0].message
    );
    assert!(a[0].remedy.contains("about 37 steps"));
    assert!(
        a[0].message
            .contains("only the last 37 steps train the model")
    );
    // Vanishing everywhere: no lookback to shorten to.
    h[0].time_grad = Some(crate::train::TimeGrad {
        early: 0.0,
        late: 7e-6,
        reach: 1,
        lookback: 200,
    });
    let a = epoch_alerts(&h);
    assert!(
        a[0].message.contains("below 1e-5 at every step"),
        "{}",
        a[0].message
    );
    assert!(!a[0].remedy.contains("shorten"), "{}", a[0].remedy);
    h[0].time_grad.as_mut().unwrap().early = 2e-5;
    assert!(epoch_alerts(&h).is_empty());
}

#[test]
fn forecast_rules_read_the_validation_checks() {
    let check = |model_mae, spread_ratio, copy_ratio| ValCheck {
        model_mae,
        naive_mae: 1.0,
        spread_ratio,
        copy_ratio,
    };
    let mut h: Vec<_> = (1..=3)
        .map(|e| epoch(e, 1.0 / e as f64, 1.0 / e as f64))
        .collect();
    for e in &mut h {
        e.check = Some(check(0.8, 0.9, 0.6));
    }
    assert!(epoch_alerts(&h).is_empty());
    h[2].check = Some(check(0.9, 0.05, 0.6));
    assert_eq!(kinds(&epoch_alerts(&h)), [AlertKind::Collapsed]);
    h[2].check = Some(check(1.0, 0.9, 0.1));
    assert_eq!(kinds(&epoch_alerts(&h)), [AlertKind::CopiesLastValue]);
    // Worse than naive needs three measured epochs in a row.
    h[2].check = Some(check(1.2, 0.9, 0.6));
    assert!(epoch_alerts(&h).is_empty());
    for e in &mut h {
        e.check = Some(check(1.1, 0.9, 0.6));
    }
    let a = epoch_alerts(&h);
    assert_eq!(kinds(&a), [AlertKind::WorseThanNaive]);
    assert!(a[0].message.contains("1.1000") && a[0].message.contains("1.0000"));
    // A single epoch says nothing yet.
    assert!(epoch_alerts(&h[..1]).is_empty());
}

#[test]
fn final_alerts_name_nan_stops_and_losing_to_a_baseline() {
    let h = vec![epoch(1, 1.0, 1.0)];
    let stop = StopReason::NonFinite {
        epoch: 1,
        batch: 3,
        step: 7,
        what: "training loss".into(),
        param: None,
        last_loss: Some(0.5),
        last_grad_norm: Some(2.0),
    };
    let m = |mae: f64| crate::eval::metrics::HorizonMetrics {
        overall: crate::eval::metrics::Metrics {
            mae,
            count: 3,
            ..Default::default()
        },
        per_step: Vec::new(),
    };
    let model = m(2.0);
    let baselines =
        std::collections::BTreeMap::from([(crate::eval::baselines::BaselineKind::Naive, m(1.5))]);
    let check = super::baseline::plain_check(&model, &baselines);
    let a = final_alerts(&h, &stop, Some(5), Some(&check));
    assert_eq!(
        kinds(&a),
        [AlertKind::NonFinite, AlertKind::WorseThanBaseline]
    );
    assert!(
        a[0].message.contains("at step 7")
            && a[0]
                .message
                .contains("loss 5.000e-1 and gradient norm 2.000e0"),
        "{}",
        a[0].message
    );
    assert!(
        a[1].message
            .contains("MAE 2.000 is worse than naive (repeat the last value)'s 1.500"),
        "{}",
        a[1].message
    );
    let better = m(1.0);
    let check = BaselineCheck {
        model: &better,
        ..check
    };
    assert!(final_alerts(&h, &StopReason::Completed, Some(5), Some(&check)).is_empty());
}

#[test]
fn the_doctor_keeps_one_alert_per_kind_with_its_fix_and_settles_on_the_final_verdict() {
    let mut config = crate::config::RunConfig::default();
    config.train.lr = 1e-2;
    let mut doctor = Doctor::new(&config);
    assert!(
        !doctor.epoch(epoch(1, 1.0, 1.2)),
        "a healthy epoch changes nothing"
    );
    let mut hot = epoch(2, 0.8, 1.0);
    hot.grad_norm_max = 42.0;
    assert!(doctor.epoch(hot.clone()));
    let list = doctor.diagnoses();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].alert.kind, AlertKind::Exploding);
    let fix = list[0].fix.as_ref().unwrap();
    assert!((fix.config.train.lr - 3e-3).abs() < 1e-12, "{}", fix.label);
    // The same evidence again is no change; new evidence refreshes the one alert.
    hot.epoch = 3;
    hot.grad_norm_max = 50.0;
    assert!(doctor.epoch(hot));
    assert_eq!(doctor.diagnoses().len(), 1);
    assert!(doctor.diagnoses()[0].alert.message.contains("50.000"));

    let naive = Alert {
        kind: AlertKind::WorseThanNaive,
        epoch: 3,
        message: "worse than naive".into(),
        remedy: "longer lookback".into(),
    };
    assert!(doctor.finish(std::slice::from_ref(&naive)));
    assert_eq!(doctor.diagnoses().len(), 2);
    // The verdict against every baseline replaces the comparison with naive alone.
    let baseline = Alert {
        kind: AlertKind::WorseThanBaseline,
        remedy: "… (hidden 32, one layer) …".into(),
        ..naive
    };
    assert!(doctor.finish(&[baseline]));
    let kinds: Vec<_> = doctor.diagnoses().iter().map(|d| d.alert.kind).collect();
    assert_eq!(kinds, [AlertKind::Exploding, AlertKind::WorseThanBaseline]);
    let fix = doctor.diagnoses()[1].fix.as_ref().unwrap();
    assert_eq!(fix.config.model.hidden, 32);
    // The spikes of epochs 2–3 are not in the final verdict: listed, as history.
    let current: Vec<_> = doctor.diagnoses().iter().map(|d| d.current).collect();
    assert_eq!(current, [false, true]);
}

#[test]
fn an_alert_later_epochs_outgrow_stays_listed_but_not_current() {
    let mut doctor = Doctor::new(&crate::config::RunConfig::default());
    let mut hot = epoch(1, 1.0, 1.2);
    hot.grad_norm_max = 42.0;
    assert!(doctor.epoch(hot));
    assert!(doctor.diagnoses()[0].current);
    // A calm epoch: the spike is history now, and that is a change to show.
    assert!(doctor.epoch(epoch(2, 0.8, 1.0)));
    let d = &doctor.diagnoses()[0];
    assert_eq!(
        (d.alert.kind, d.alert.epoch, d.current),
        (AlertKind::Exploding, 1, false)
    );
    // Another spike makes it current again, with the new evidence.
    let mut again = epoch(3, 0.7, 0.9);
    again.grad_norm_max = 55.0;
    assert!(doctor.epoch(again));
    let d = &doctor.diagnoses()[0];
    assert_eq!((d.alert.epoch, d.current), (3, true));
    // The final verdict decides at the end: no alerts, nothing current.
    assert!(doctor.finish(&[]));
    assert!(doctor.diagnoses().iter().all(|d| !d.current));
}
