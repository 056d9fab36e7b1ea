//! Turning the command line's options into a [`RunConfig`]: each option the user gave
//! overrides its field (of the defaults or of `--config`); enums and compound values
//! (`--loss huber=0.5`, `--schedule step=10,0.5`) are parsed with the allowed values
//! named in the error.

use anyhow::{Context, Result, anyhow, bail};
use seqcast_engine::RunConfig;
use seqcast_engine::config::{
    Attention, BacktestConfig, CellKind, ClipKind, CyclicMode, DropoutMode, DuplicatePolicy,
    ForecastMode, InitKind, LossKind, MetricsScale, MissingPolicy, OptimizerKind, QuantileLevels,
    SamplingSchedule, ScaleKind, ScheduleKind, SkipInit, Split, Strategy, Tbptt, WindowNorm,
};

use super::TrainArgs;

/// Copies each option the user gave into its config field:
/// `set_some!(self.a => config.x, self.b => config.y)`.
macro_rules! set_some {
    ($($from:expr => $to:expr),+ $(,)?) => {
        $(if let Some(v) = $from {
            $to = v;
        })+
    };
}

impl TrainArgs {
    /// Applies the given options on top of `config`.
    pub fn apply(&self, config: &mut RunConfig) -> Result<()> {
        self.apply_data(config)?;
        self.apply_model(config)?;
        self.apply_training(config)?;
        self.apply_eval(config)
    }

    fn apply_data(&self, config: &mut RunConfig) -> Result<()> {
        let d = &mut config.data;
        let names = |list: &Vec<String>| -> Vec<String> {
            list.iter()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        };
        if let Some(t) = &self.target {
            d.targets = names(t);
        }
        if let Some(c) = &self.covariates {
            d.covariates = names(c);
        }
        if let Some(c) = &self.future_covariates {
            d.future_covariates = names(c);
        }
        if let Some(f) = &self.future {
            d.future_file = Some(f.clone());
        }
        if let Some(c) = &self.calendar {
            d.calendar = seqcast_engine::config::CalendarSpec::parse(c)?;
        }
        if let Some(t) = &self.time_column {
            d.time_column = Some(t.clone());
        }
        if let Some(c) = &self.series_column {
            d.series_column = (c != "none").then(|| c.clone());
        }
        if let Some(c) = &self.static_columns {
            d.static_columns = if c == "none" {
                Vec::new()
            } else {
                c.split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            };
        }
        if let Some(f) = &self.static_file {
            d.static_file = Some(f.clone());
        }
        if let Some(f) = &self.date_format {
            if seqcast_engine::data::time::format_from_pattern(f).is_none() {
                bail!(
                    "--date-format {f}: not a date format seqcast reads; use one of {}",
                    seqcast_engine::data::time::DATE_FORMAT_PATTERNS
                );
            }
            d.date_format = Some(f.trim().to_owned());
        }
        if let Some(m) = &self.missing {
            let expected = "refuse, drop, forward_fill, interpolate";
            d.missing = parse_enum::<MissingPolicy>("missing", m, expected)?;
        }
        if let Some(m) = &self.duplicates {
            let expected = "first, last, mean, refuse";
            d.duplicates = parse_enum::<DuplicatePolicy>("duplicates", m, expected)?;
        }
        if let Some(s) = &self.split_rows {
            let v = parse_numbers::<usize>("split-rows", s, 3)?;
            d.split = Split::Rows {
                train: v[0],
                val: v[1],
                test: v[2],
            };
        }
        if let Some(s) = &self.split_fractions {
            let v = parse_numbers::<f64>("split-fractions", s, 3)?;
            d.split = Split::Fractions {
                train: v[0],
                val: v[1],
                test: v[2],
            };
        }
        if let Some(s) = &self.split {
            d.split = parse_split(s)?;
        }
        if let Some(s) = &self.scale {
            d.scale = parse_enum::<ScaleKind>("scale", s, "none, zscore, minmax, robust")?;
        }
        d.log |= self.log;
        d.diff |= self.diff;
        let w = &mut config.window;
        set_some!(
            self.lookback => w.lookback,
            self.horizon => w.horizon,
            self.stride => w.stride,
        );
        Ok(())
    }

    fn apply_model(&self, config: &mut RunConfig) -> Result<()> {
        let m = &mut config.model;
        if let Some(c) = &self.cell {
            // `lstm-peephole`: an LSTM whose gates also read the cell state.
            let peephole = c.trim().eq_ignore_ascii_case("lstm-peephole");
            m.cell = if peephole {
                CellKind::Lstm
            } else {
                parse_enum::<CellKind>("cell", c, "lstm, lstm-peephole, gru, rnn")?
            };
            m.peephole = peephole;
        }
        if let Some(orthogonal) = self.orthogonal_init {
            m.init = if orthogonal {
                InitKind::Orthogonal
            } else {
                InitKind::Pytorch
            };
        }
        if let Some(v) = &self.dropout_mode {
            m.dropout_mode = parse_enum::<DropoutMode>("dropout-mode", v, "standard, variational")?;
        }
        if let Some(v) = &self.init {
            m.init = parse_enum::<InitKind>("init", v, "orthogonal, xavier, he, pytorch")?;
        }
        set_some!(
            self.hidden => m.hidden,
            self.layers => m.layers,
            self.dropout => m.dropout,
            self.forget_bias => m.forget_bias,
            self.residual => m.residual,
            self.bidirectional => m.bidirectional,
            self.layer_norm => m.layer_norm,
            self.linear_skip => m.linear_skip,
            self.recurrent_steps => m.recurrent_steps,
        );
        if let Some(v) = &self.tbptt {
            m.tbptt = match v.trim() {
                "off" | "none" => None,
                text => Some(Tbptt::parse(text).ok_or_else(|| {
                    anyhow!("--tbptt '{v}': expected K1,K2 (two step counts, e.g. 100,200) or off")
                })?),
            };
        }
        if let Some(v) = &self.window_norm {
            m.window_norm = parse_enum::<WindowNorm>("window-norm", v, "none, last, mean")?;
        }
        if let Some(v) = &self.skip_init {
            let expected = "zero, naive, seasonal_naive, best, fitted";
            m.skip_init = parse_enum::<SkipInit>("skip-init", v, expected)?;
        }
        if let Some(v) = &self.strategy {
            m.strategy = parse_enum::<Strategy>("strategy", v, "direct, recursive, seq2seq")?;
        }
        if let Some(v) = &self.attention {
            m.attention = parse_enum::<Attention>("attention", v, "none, dot, general, additive")?;
        }
        Ok(())
    }

    fn apply_training(&self, config: &mut RunConfig) -> Result<()> {
        let t = &mut config.train;
        set_some!(
            self.epochs => t.epochs,
            self.batch => t.batch,
            self.lr => t.lr,
            self.momentum => t.momentum,
            self.weight_decay => t.weight_decay,
            self.patience => t.patience,
            self.weight_average => t.weight_average,
            self.checkpoints => t.checkpoints,
            self.checkpoint_every => t.checkpoint_every,
            self.refit => t.refit,
            self.unroll => t.unroll,
            self.seed => t.seed,
            self.diag_every => t.diag_every,
        );
        if let Some(o) = &self.optimizer {
            t.optimizer = parse_enum::<OptimizerKind>("optimizer", o, "adam, adamw, rmsprop, sgd")?;
        }
        t.nesterov |= self.nesterov;
        if let Some(l) = &self.loss {
            t.loss = match kv(l) {
                (k, None) if k == "mse" => LossKind::Mse,
                (k, None) if k == "mae" => LossKind::Mae,
                (k, v) if k == "huber" => LossKind::Huber {
                    delta: v.map(|v| number("loss", v)).transpose()?.unwrap_or(1.0),
                },
                (k, v) if k == "quantile" => LossKind::Quantile {
                    levels: parse_quantiles(v)?,
                },
                _ => bail!("--loss '{l}': expected mse, mae, huber[=DELTA] or quantile[=LEVELS]"),
            };
        }
        if let Some(c) = &self.clip {
            t.clip = match kv(c) {
                (k, None) if k == "none" => ClipKind::None,
                (k, Some(v)) if k == "norm" => ClipKind::Norm {
                    max: number("clip", v)?,
                },
                (k, Some(v)) if k == "value" => ClipKind::Value {
                    max: number("clip", v)?,
                },
                _ => bail!("--clip '{c}': expected none, norm=X or value=X"),
            };
        }
        if let Some(s) = &self.schedule {
            t.schedule = parse_schedule(s)?;
        }
        if let Some(r) = self.teacher_forcing {
            t.teacher_forcing.start = r;
        }
        if let Some(s) = &self.sampling_schedule {
            t.teacher_forcing.schedule = parse_sampling(s)?;
        }
        Ok(())
    }

    fn apply_eval(&self, config: &mut RunConfig) -> Result<()> {
        let e = &mut config.eval;
        if let Some(s) = &self.metrics_scale {
            let expected = "original, normalised";
            e.metrics_scale = parse_enum::<MetricsScale>("metrics-scale", s, expected)?;
        }
        if let Some(s) = self.season {
            e.season = Some(s);
        }
        if let Some(f) = &self.forecast {
            let expected = "auto, model, ensemble, naive, seasonal_naive, drift, linear";
            e.forecast = parse_enum::<ForecastMode>("forecast", f, expected)?;
        }
        if let Some(levels) = &self.intervals {
            e.intervals = parse_levels(levels)?;
        }
        if let Some(text) = &self.backtest {
            e.backtest = parse_backtest(text)?;
        }
        Ok(())
    }
}

/// `every=K[,refit=N]` (either key may be left out: every 1, no refit), or `none`.
fn parse_backtest(text: &str) -> Result<Option<BacktestConfig>> {
    if text.trim() == "none" {
        return Ok(None);
    }
    let mut settings = BacktestConfig { every: 1, refit: 0 };
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (key, value) = part.split_once('=').unwrap_or((part, ""));
        let n: usize = value.trim().parse().map_err(|_| {
            anyhow::anyhow!(
                "--backtest {text}: '{part}' needs a whole number (every=24,refit=10), or none"
            )
        })?;
        match key.trim() {
            "every" if n >= 1 => settings.every = n,
            "every" => bail!("--backtest {text}: every is at least 1"),
            "refit" => settings.refit = n,
            other => bail!(
                "--backtest {text}: '{other}' is not a setting; expected every=K[,refit=N] or none"
            ),
        }
    }
    Ok(Some(settings))
}

/// `80,95` (percent) or `0.8,0.95` (shares) as shares; `none` as no intervals.
fn parse_levels(text: &str) -> Result<Vec<f64>> {
    if text.trim() == "none" {
        return Ok(Vec::new());
    }
    text.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| match t.trim_end_matches('%').parse::<f64>() {
            Ok(v) if v > 1.0 && v < 100.0 => Ok(v / 100.0),
            Ok(v) if v > 0.0 && v < 1.0 => Ok(v),
            _ => bail!(
                "--intervals {text}: each level is a percentage between 0 and 100 (80,95), or none"
            ),
        })
        .collect()
}

/// Parses a snake_case enum value through serde, listing the allowed values on error.
fn parse_enum<T: serde::de::DeserializeOwned>(flag: &str, text: &str, allowed: &str) -> Result<T> {
    serde_json::from_value(serde_json::Value::String(text.trim().to_ascii_lowercase()))
        .with_context(|| format!("--{flag} '{text}': expected one of {allowed}"))
}

fn parse_numbers<T: std::str::FromStr>(flag: &str, text: &str, count: usize) -> Result<Vec<T>> {
    let parts: Vec<&str> = text.split(',').map(str::trim).collect();
    if parts.len() != count {
        bail!("--{flag} '{text}': expected {count} comma-separated numbers");
    }
    parts
        .iter()
        .map(|p| {
            p.parse::<T>()
                .map_err(|_| anyhow::anyhow!("--{flag} '{text}': '{p}' is not a number"))
        })
        .collect()
}

/// Splits `name=value` (or bare `name`).
fn kv(text: &str) -> (String, Option<&str>) {
    match text.split_once('=') {
        Some((k, v)) => (k.trim().to_ascii_lowercase(), Some(v.trim())),
        None => (text.trim().to_ascii_lowercase(), None),
    }
}

/// `--loss quantile=0.1,0.5,0.9`; bare `quantile` trains the levels of the default
/// 80 % and 95 % intervals and the median.
fn parse_quantiles(value: Option<&str>) -> Result<QuantileLevels> {
    let levels = match value {
        None => return Ok(QuantileLevels::default()),
        Some(list) => list
            .split(',')
            .map(|v| number("loss", v.trim()))
            .collect::<Result<Vec<f64>>>()?,
    };
    QuantileLevels::new(&levels).map_err(|e| anyhow::anyhow!("--loss quantile: {e}"))
}

fn number(flag: &str, text: &str) -> Result<f64> {
    text.parse::<f64>()
        .map_err(|_| anyhow::anyhow!("--{flag}: '{text}' is not a number"))
}

fn parse_sampling(s: &str) -> Result<SamplingSchedule> {
    let (kind, value) = kv(s);
    let expected = "expected constant, linear[=EPOCHS], exp=K or sigmoid=K";
    Ok(match (kind.as_str(), value) {
        ("constant", None) => SamplingSchedule::Constant,
        ("linear", v) => SamplingSchedule::Linear {
            epochs: v
                .map(|v| v.parse::<usize>())
                .transpose()
                .with_context(|| format!("--sampling-schedule '{s}': {expected}"))?,
        },
        ("exp", Some(v)) => SamplingSchedule::Exp {
            k: number("sampling-schedule", v)?,
        },
        ("sigmoid", Some(v)) => SamplingSchedule::Sigmoid {
            k: number("sampling-schedule", v)?,
        },
        _ => bail!("--sampling-schedule '{s}': {expected}"),
    })
}

fn parse_schedule(s: &str) -> Result<ScheduleKind> {
    let (kind, value) = kv(s);
    Ok(match (kind.as_str(), value) {
        ("constant", None) => ScheduleKind::Constant,
        ("warmup", Some(v)) => ScheduleKind::Warmup {
            epochs: v
                .parse()
                .with_context(|| format!("--schedule '{s}': warmup=EPOCHS"))?,
        },
        ("step", Some(v)) => {
            let p = parse_numbers::<f64>("schedule", v, 2)?;
            ScheduleKind::Step {
                every: p[0] as usize,
                gamma: p[1],
            }
        }
        ("cosine", v) => ScheduleKind::Cosine {
            min_lr: v.map(|v| number("schedule", v)).transpose()?.unwrap_or(0.0),
        },
        ("plateau", v) => {
            let p = match v {
                Some(v) => parse_numbers::<f64>("schedule", v, 2)?,
                None => vec![0.5, 5.0],
            };
            ScheduleKind::Plateau {
                factor: p[0],
                patience: p[1] as usize,
                min_lr: 1e-6,
            }
        }
        ("cyclic", Some(v)) => parse_cyclic(s, v)?,
        ("onecycle" | "one_cycle", Some(v)) => ScheduleKind::OneCycle {
            max_lr: number("schedule", v)?,
        },
        _ => bail!(
            "--schedule '{s}': expected constant, warmup=EPOCHS, step=EVERY,GAMMA, cosine[=MIN_LR], plateau[=FACTOR,PATIENCE], cyclic=LOW,HIGH,STEP[,triangular|triangular2|exp_range=GAMMA] or onecycle=MAX_LR"
        ),
    })
}

/// The value of `--schedule cyclic=LOW,HIGH,STEP[,MODE]`.
fn parse_cyclic(s: &str, v: &str) -> Result<ScheduleKind> {
    let parts: Vec<&str> = v.split(',').map(str::trim).collect();
    let (numbers, mode) = match parts.as_slice() {
        [a, b, c] => ([*a, *b, *c], CyclicMode::Triangular),
        [a, b, c, m] => {
            let mode = match kv(m) {
                (k, None) if k == "triangular" => CyclicMode::Triangular,
                (k, None) if k == "triangular2" => CyclicMode::Triangular2,
                (k, Some(g)) if k == "exp_range" => CyclicMode::ExpRange {
                    gamma: number("schedule", g)?,
                },
                _ => bail!(
                    "--schedule '{s}': '{m}' is not a cycle mode; expected triangular, triangular2 or exp_range=GAMMA"
                ),
            };
            ([*a, *b, *c], mode)
        }
        _ => bail!("--schedule '{s}': expected cyclic=LOW,HIGH,STEP[,MODE]"),
    };
    let [low, high, step] = numbers.map(|n| number("schedule", n));
    Ok(ScheduleKind::Cyclic {
        low: low?,
        high: high?,
        step: step?,
        mode,
    })
}

/// `--split per-series-last=H` or `last=VAL,TEST`.
fn parse_split(s: &str) -> Result<Split> {
    let (kind, value) = kv(s);
    Ok(match (kind.as_str(), value) {
        ("per-series-last" | "per_series_last", Some(v)) => {
            let h = parse_numbers::<usize>("split", v, 1)?[0];
            Split::Last { val: h, test: h }
        }
        ("last", Some(v)) => {
            let p = parse_numbers::<usize>("split", v, 2)?;
            Split::Last {
                val: p[0],
                test: p[1],
            }
        }
        _ => bail!("--split '{s}': expected per-series-last=H or last=VAL,TEST"),
    })
}
