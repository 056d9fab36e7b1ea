//! Turns an alert's remedy into a concrete change of the run configuration, so that a
//! user can apply it with one click (GUI) or see exactly what to pass (CLI).

use super::{Alert, AlertKind};
use crate::config::{CellKind, ClipKind, InitKind, RunConfig, ScheduleKind, SkipInit, Strategy};

/// A configuration change that answers an alert.
#[derive(Clone, Debug, PartialEq)]
pub struct Fix {
    /// What changes, for a button or a log line ("lr 1.0e-3 -> 3.0e-4, clip norm 1").
    pub label: String,
    /// The configuration with the change applied.
    pub config: RunConfig,
    /// The settings the change sets (`section`, `field`, new value), for applying it to
    /// settings that moved on since the run ([`Fix::onto`]).
    changes: Vec<(String, String, serde_json::Value)>,
}

impl Fix {
    fn new(label: String, before: &RunConfig, config: RunConfig) -> Self {
        let changes = changed_settings(before, &config);
        Self {
            label,
            config,
            changes,
        }
    }

    /// `current` with this fix's settings and every other setting as it is: the user
    /// may have changed something since the run the alert is about.
    pub fn onto(&self, current: &RunConfig) -> RunConfig {
        let applied = serde_json::to_value(current).ok().and_then(|mut value| {
            for (section, field, new) in &self.changes {
                // Inserted, not looked up: a setting at its default may be left out of
                // the serialised form (`model.residual = false`, `model.attention`).
                value
                    .get_mut(section)?
                    .as_object_mut()?
                    .insert(field.clone(), new.clone());
            }
            serde_json::from_value::<RunConfig>(value).ok()
        });
        // Both come from the same type, so neither step fails; the run's fixed
        // configuration is the fallback all the same.
        applied.unwrap_or_else(|| self.config.clone())
    }
}

/// Words of the vanishing alert about the first layer of a stack (`diag::vanishing`).
pub(super) const FIRST_LAYER: &str = "the first layer barely learns";

/// The `section.field` settings (`train.lr`, `model.cell`) that differ between two
/// configurations, with their values in `after`.
fn changed_settings(
    before: &RunConfig,
    after: &RunConfig,
) -> Vec<(String, String, serde_json::Value)> {
    let (Ok(serde_json::Value::Object(a)), Ok(serde_json::Value::Object(b))) =
        (serde_json::to_value(before), serde_json::to_value(after))
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (section, new) in &b {
        let (Some(serde_json::Value::Object(old)), serde_json::Value::Object(new)) =
            (a.get(section), new)
        else {
            continue;
        };
        for (field, value) in new {
            if old.get(field) != Some(value) {
                out.push((section.clone(), field.clone(), value.clone()));
            }
        }
    }
    out
}

/// The change `alert` suggests for `config`, when one applies (some remedies, like
/// checking the data, cannot be applied automatically).
pub fn fix(alert: &Alert, config: &RunConfig) -> Option<Fix> {
    let mut c = config.clone();
    let lr = config.train.lr;
    let label = match alert.kind {
        AlertKind::Exploding | AlertKind::NonFinite => {
            let factor = if alert.kind == AlertKind::NonFinite {
                0.1
            } else {
                0.3
            };
            c.train.lr = lr * factor;
            let mut label = format!("lr {lr:.1e} -> {:.1e}", c.train.lr);
            if !matches!(config.train.clip, ClipKind::Norm { max } if max <= 5.0) {
                c.train.clip = ClipKind::Norm { max: 1.0 };
                label.push_str(", clip norm 1");
            }
            label
        }
        AlertKind::Vanishing if config.model.cell == CellKind::Rnn => {
            c.model.cell = CellKind::Gru;
            c.model.init = InitKind::Orthogonal;
            "switch to GRU".into()
        }
        AlertKind::Vanishing
            if alert.message.contains(FIRST_LAYER)
                && config.model.layers >= 3
                && !config.model.residual
                && config.model.strategy != Strategy::Seq2seq =>
        {
            c.model.residual = true;
            "residual connections between the layers".into()
        }
        AlertKind::Vanishing => vanishing(alert, config, &mut c)?,
        AlertKind::Overfitting => {
            c.model.dropout = config.model.dropout.max(0.2);
            c.train.weight_decay = config.train.weight_decay.max(1e-5);
            if config.train.patience == 0 {
                c.train.patience = 10;
            }
            format!(
                "dropout {:.2}, weight decay {:.0e}, early stopping (patience {})",
                c.model.dropout, c.train.weight_decay, c.train.patience
            )
        }
        AlertKind::Flat if alert.remedy != super::FLAT_REMEDY => return None,
        AlertKind::Flat | AlertKind::Collapsed => {
            c.train.lr = (lr * 10.0).min(0.1);
            if c.train.lr <= lr {
                return None;
            }
            format!("lr {lr:.1e} -> {:.1e}", c.train.lr)
        }
        AlertKind::Oscillating => {
            if matches!(config.train.schedule, ScheduleKind::Plateau { .. }) {
                c.train.lr = lr * 0.5;
                format!("lr {lr:.1e} -> {:.1e}", c.train.lr)
            } else {
                c.train.schedule = ScheduleKind::Plateau {
                    factor: 0.5,
                    patience: 5,
                    min_lr: 1e-6,
                };
                "reduce-on-plateau schedule (x0.5 after 5 epochs)".into()
            }
        }
        AlertKind::CopiesLastValue if !config.data.diff => {
            c.data.diff = true;
            "forecast differences (differencing on)".into()
        }
        AlertKind::WorseThanNaive if config.model.cell != CellKind::Gru => {
            c.model.cell = CellKind::Gru;
            "switch to GRU".into()
        }
        AlertKind::WorseThanNaive => {
            c.window.lookback = config.window.lookback * 2;
            format!(
                "lookback {} -> {}",
                config.window.lookback, c.window.lookback
            )
        }
        AlertKind::CopiesLastValue => return None,
        AlertKind::WorseThanBaseline => return worse_than_baseline(alert, config),
        AlertKind::StartKept => {
            let (hidden, layers) = (config.model.hidden, config.model.layers);
            c.model.hidden = (hidden / 2).max(16).min(hidden);
            c.model.layers = 1;
            c.train.lr = lr * 0.3;
            let mut label = Vec::new();
            if c.model.hidden != hidden {
                label.push(format!("hidden {hidden} -> {}", c.model.hidden));
            }
            if layers != 1 {
                label.push(format!("layers {layers} -> 1"));
            }
            label.push(format!("lr {lr:.1e} -> {:.1e}", c.train.lr));
            label.join(", ")
        }
    };
    Some(Fix::new(label, config, c))
}

/// A vanishing-gradient alert on a GRU or LSTM: orthogonal initialisation, and the
/// recurrent window (or, without the linear skip, the lookback) cut to the reach the
/// alert names ("… to about N steps"); `None` when nothing would change.
fn vanishing(alert: &Alert, config: &RunConfig, c: &mut RunConfig) -> Option<String> {
    c.model.init = InitKind::Orthogonal;
    let reach = reach_hint(alert)?;
    let lookback = config.window.lookback;
    if config.model.linear_skip {
        // The linear skip keeps the whole lookback; only the recurrent layers get the
        // window their gradient reaches.
        let now = config.model.recurrent_len(lookback);
        let new = reach.clamp(1, now);
        if new == now && config.model.init == InitKind::Orthogonal {
            return None;
        }
        if new < now {
            c.model.recurrent_steps = new;
        }
        Some(format!("recurrent steps {now} -> {new}, orthogonal init"))
    } else {
        c.window.lookback = reach.clamp(1, lookback);
        if c.window.lookback == lookback && config.model.init == InitKind::Orthogonal {
            return None;
        }
        Some(format!(
            "lookback {lookback} -> {}, orthogonal init",
            c.window.lookback
        ))
    }
}

/// The change a worse-than-baseline remedy names: two seasons of lookback, differencing,
/// or a smaller model — in that order of what the remedy asks for.
fn worse_than_baseline(alert: &Alert, config: &RunConfig) -> Option<Fix> {
    let mut c = config.clone();
    let label = if let Some(lookback) =
        super::baseline::lookback_hint(&alert.remedy).filter(|l| *l > config.window.lookback)
    {
        c.window.lookback = lookback;
        format!("lookback {} -> {lookback}", config.window.lookback)
    } else if alert.remedy.contains("skip starts as seasonal naive") && config.model.linear_skip {
        c.model.skip_init = SkipInit::SeasonalNaive;
        format!(
            "skip starts as seasonal naive (was {})",
            config.model.skip_init.name()
        )
    } else if alert.remedy.contains("strategy recursive") && config.model.strategy.is_direct() {
        c.model.strategy = Strategy::Recursive;
        "strategy direct -> recursive".into()
    } else if alert.remedy.contains("differencing on") && !config.data.diff {
        c.data.diff = true;
        "forecast differences (differencing on)".into()
    } else if alert.remedy.contains("hidden 32") && config.model.hidden > 32 {
        c.model.hidden = 32;
        c.model.layers = 1;
        format!(
            "hidden {} -> 32, layers {} -> 1",
            config.model.hidden, config.model.layers
        )
    } else {
        return None;
    };
    Some(Fix::new(label, config, c))
}

/// The "… to about N steps" count from a vanishing alert's remedy.
fn reach_hint(alert: &Alert) -> Option<usize> {
    let (_, rest) = alert.remedy.split_once(" to about ")?;
    rest.split_whitespace().next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert(kind: AlertKind, message: &str) -> Alert {
        Alert {
            kind,
            epoch: 3,
            message: message.into(),
            remedy: String::new(),
        }
    }

    #[test]
    fn exploding_lowers_lr_and_adds_clipping() {
        let mut config = RunConfig::default();
        config.train.lr = 1e-2;
        config.train.clip = ClipKind::None;
        let f = fix(&alert(AlertKind::Exploding, ""), &config).unwrap();
        assert!((f.config.train.lr - 3e-3).abs() < 1e-12);
        assert_eq!(f.config.train.clip, ClipKind::Norm { max: 1.0 });
        assert_eq!(f.label, "lr 1.0e-2 -> 3.0e-3, clip norm 1");
        let nan = fix(&alert(AlertKind::NonFinite, ""), &config).unwrap();
        assert!((nan.config.train.lr - 1e-3).abs() < 1e-12);
    }

    #[test]
    fn vanishing_switches_an_rnn_to_gru_and_shortens_a_gru_window() {
        let mut config = RunConfig::default();
        config.model.cell = CellKind::Rnn;
        config.window.lookback = 100;
        let mut a = alert(AlertKind::Vanishing, "");
        a.remedy = "Use a GRU ..., or shorten the lookback to about 42 steps.".into();
        assert_eq!(fix(&a, &config).unwrap().config.model.cell, CellKind::Gru);
        config.model.cell = CellKind::Gru;
        config.model.linear_skip = false;
        let f = fix(&a, &config).unwrap();
        assert_eq!(f.config.window.lookback, 42);
        assert_eq!(f.label, "lookback 100 -> 42, orthogonal init");
        // With the linear skip, the lookback stays and the recurrent window shrinks.
        config.model.linear_skip = true;
        config.model.recurrent_steps = 0; // all 100
        let f = fix(&a, &config).unwrap();
        assert_eq!(f.config.window.lookback, 100);
        assert_eq!(f.config.model.recurrent_steps, 42);
        assert_eq!(f.label, "recurrent steps 100 -> 42, orthogonal init");
        config.model.recurrent_steps = 48;
        let f = fix(&a, &config).unwrap();
        assert_eq!(f.label, "recurrent steps 48 -> 42, orthogonal init");
        config.model.recurrent_steps = 30;
        assert!(fix(&a, &config).is_none(), "already inside the reach");
        config.model.recurrent_steps = 0;
        config.model.linear_skip = false;
        a.remedy = "Use a GRU or LSTM ...".into();
        assert!(
            fix(&a, &config).is_none(),
            "no reach, nothing to apply to a GRU"
        );
    }

    #[test]
    fn a_deep_stack_whose_first_layer_vanishes_gets_residual_connections() {
        let mut config = RunConfig::default();
        config.model.layers = 4;
        let a = alert(
            AlertKind::Vanishing,
            "layer 1 gradient norm is 3.1e-7, below 1e-5: the first layer barely learns",
        );
        let f = fix(&a, &config).unwrap();
        assert!(f.config.model.residual);
        assert_eq!(f.label, "residual connections between the layers");
        // Applied onto a configuration that left the setting at its default (and so out
        // of its serialised form).
        let mut current = config.clone();
        current.model.hidden = 32;
        let applied = f.onto(&current);
        assert!(applied.model.residual);
        assert_eq!(applied.model.hidden, 32);
        // Two layers: the usual vanishing remedy instead.
        config.model.layers = 2;
        let f = fix(&a, &config);
        assert!(f.is_none_or(|f| !f.config.model.residual));
    }

    #[test]
    fn worse_than_a_baseline_applies_what_its_remedy_names() {
        let config = RunConfig::default(); // lookback 24, hidden 64, 2 layers
        let mut a = alert(AlertKind::WorseThanBaseline, "");
        a.remedy = "… look back at least two seasons (lookback 104). Meanwhile …".into();
        let f = fix(&a, &config).unwrap();
        assert_eq!(
            (f.label.as_str(), f.config.window.lookback),
            ("lookback 24 -> 104", 104)
        );
        a.remedy = "… forecast differences (differencing on). Meanwhile …".into();
        assert!(fix(&a, &config).unwrap().config.data.diff);
        a.remedy = "… use a smaller model (hidden 32, one layer) …".into();
        let f = fix(&a, &config).unwrap();
        assert_eq!(f.label, "hidden 64 -> 32, layers 2 -> 1");
        let mut small = config.clone();
        small.model.hidden = 32;
        assert!(fix(&a, &small).is_none(), "already small");
        a.remedy =
            "… start the linear skip from seasonal naive (skip starts as seasonal naive) …".into();
        let f = fix(&a, &config).unwrap();
        assert_eq!(f.label, "skip starts as seasonal naive (was zero)");
        assert_eq!(f.config.model.skip_init, SkipInit::SeasonalNaive);
        a.remedy = "… (lookback 12) …".into();
        assert!(fix(&a, &config).is_none(), "never shortens the window");
        a.remedy = "… forecast recursively (strategy recursive: …), or … (hidden 32, …)".into();
        let f = fix(&a, &config).unwrap();
        assert_eq!(f.label, "strategy direct -> recursive");
        assert_eq!(f.config.model.strategy, Strategy::Recursive);
    }

    #[test]
    fn a_fix_applies_its_settings_onto_settings_that_moved_on() {
        let mut run = RunConfig::default();
        run.train.lr = 1e-2;
        run.train.clip = ClipKind::None;
        let f = fix(&alert(AlertKind::Exploding, ""), &run).unwrap();
        // Since the run, the user chose a GRU and a longer lookback.
        let mut current = run.clone();
        current.model.cell = CellKind::Gru;
        current.window.lookback = 96;
        let applied = f.onto(&current);
        assert!((applied.train.lr - 3e-3).abs() < 1e-12);
        assert_eq!(applied.train.clip, ClipKind::Norm { max: 1.0 });
        assert_eq!(
            (applied.model.cell, applied.window.lookback),
            (CellKind::Gru, 96),
            "what the fix does not touch stays as the user left it"
        );
        assert_eq!(f.onto(&run), f.config);
    }

    #[test]
    fn remedies_that_cannot_apply_return_none() {
        let mut config = RunConfig::default();
        config.data.diff = true;
        assert!(fix(&alert(AlertKind::CopiesLastValue, ""), &config).is_none());
        let mut flat = alert(AlertKind::Flat, "");
        flat.remedy = super::super::FLAT_REMEDY.into();
        config.train.lr = 1e-3;
        assert_eq!(fix(&flat, &config).unwrap().label, "lr 1.0e-3 -> 1.0e-2");
        config.train.lr = 0.1;
        assert!(fix(&flat, &config).is_none(), "already at the ceiling");
        config.train.lr = 1e-3;
        flat.remedy = super::super::FLAT_WHILE_EXPLODING.into();
        assert!(fix(&flat, &config).is_none(), "no lr raise while exploding");
    }
}
