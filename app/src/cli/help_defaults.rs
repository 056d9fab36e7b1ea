//! The default of every `seqcast train` option as `--help` shows it, read from
//! `RunConfig::default()` so the help never disagrees with the engine.

use seqcast_engine::RunConfig;
use seqcast_engine::config::{ClipKind, CyclicMode, LossKind, ScheduleKind, Split};

/// The default of each option, as shown by `--help`, read from `RunConfig::default()`.
pub fn defaults() -> Vec<(&'static str, String)> {
    let c = RunConfig::default();
    let split = match c.data.split {
        Split::Fractions { train, val, test } => format!("{train},{val},{test}"),
        Split::Rows { train, val, test } => format!("rows {train},{val},{test}"),
        Split::Last { val, test } => format!("last {val},{test}"),
    };
    vec![
        ("missing", serde_plain(&c.data.missing)),
        ("duplicates", serde_plain(&c.data.duplicates)),
        ("split_fractions", split),
        ("scale", serde_plain(&c.data.scale)),
        ("lookback", c.window.lookback.to_string()),
        ("horizon", c.window.horizon.to_string()),
        ("stride", c.window.stride.to_string()),
        ("cell", c.model.cell.name().to_string()),
        ("hidden", c.model.hidden.to_string()),
        ("layers", c.model.layers.to_string()),
        ("dropout", c.model.dropout.to_string()),
        ("init", c.model.init.name().to_string()),
        ("residual", c.model.residual.to_string()),
        ("bidirectional", c.model.bidirectional.to_string()),
        ("layer_norm", c.model.layer_norm.to_string()),
        ("dropout_mode", c.model.dropout_mode.name().to_string()),
        (
            "tbptt",
            c.model
                .tbptt
                .map_or_else(|| "off".into(), |t| format!("{},{}", t.k1, t.k2)),
        ),
        ("forget_bias", c.model.forget_bias.to_string()),
        ("window_norm", c.model.window_norm.name().to_string()),
        ("linear_skip", c.model.linear_skip.to_string()),
        ("recurrent_steps", c.model.recurrent_steps.to_string()),
        ("skip_init", c.model.skip_init.name().to_string()),
        ("epochs", c.train.epochs.to_string()),
        ("batch", c.train.batch.to_string()),
        ("lr", c.train.lr.to_string()),
        ("optimizer", serde_plain(&c.train.optimizer)),
        ("momentum", c.train.momentum.to_string()),
        ("weight_decay", c.train.weight_decay.to_string()),
        ("loss", loss_text(c.train.loss)),
        ("clip", clip_text(c.train.clip)),
        ("schedule", schedule_text(c.train.schedule)),
        ("patience", c.train.patience.to_string()),
        ("weight_average", c.train.weight_average.to_string()),
        ("checkpoints", c.train.checkpoints.to_string()),
        ("checkpoint_every", c.train.checkpoint_every.to_string()),
        ("refit", c.train.refit.to_string()),
        ("seed", c.train.seed.to_string()),
        ("diag_every", c.train.diag_every.to_string()),
        ("metrics_scale", serde_plain(&c.eval.metrics_scale)),
        ("forecast", c.eval.forecast.name().to_string()),
    ]
}

fn serde_plain<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// `--clip` text for a clip setting.
fn clip_text(clip: ClipKind) -> String {
    match clip {
        ClipKind::None => "none".into(),
        ClipKind::Norm { max } => format!("norm={max}"),
        ClipKind::Value { max } => format!("value={max}"),
    }
}

fn loss_text(loss: LossKind) -> String {
    match loss {
        LossKind::Mse => "mse".into(),
        LossKind::Mae => "mae".into(),
        LossKind::Huber { delta } => format!("huber={delta}"),
        LossKind::Quantile { levels } => format!(
            "quantile={}",
            levels
                .as_slice()
                .iter()
                .map(f64::to_string)
                .collect::<Vec<_>>()
                .join(",")
        ),
    }
}

fn schedule_text(s: ScheduleKind) -> String {
    match s {
        ScheduleKind::Constant => "constant".into(),
        ScheduleKind::Warmup { epochs } => format!("warmup={epochs}"),
        ScheduleKind::Step { every, gamma } => format!("step={every},{gamma}"),
        ScheduleKind::Cosine { min_lr } => format!("cosine={min_lr}"),
        ScheduleKind::Plateau {
            factor, patience, ..
        } => format!("plateau={factor},{patience}"),
        ScheduleKind::Cyclic {
            low,
            high,
            step,
            mode,
        } => {
            let mode = match mode {
                CyclicMode::Triangular => "triangular".to_string(),
                CyclicMode::Triangular2 => "triangular2".to_string(),
                CyclicMode::ExpRange { gamma } => format!("exp_range={gamma}"),
            };
            format!("cyclic={low},{high},{step},{mode}")
        }
        ScheduleKind::OneCycle { max_lr } => format!("onecycle={max_lr}"),
    }
}
