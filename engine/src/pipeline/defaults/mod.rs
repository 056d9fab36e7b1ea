//! Defaults that depend on the data: what seqcast changes in a configuration for a
//! series of this length when the user has not set the value. Each rule is here
//! because a measurement chose it (BENCHMARKS.md, "Accuracy").
//!
//! The engine applies them itself: `Command::Inspect` and `Command::Train` carry the
//! fields the driver leaves to the data ([`AutoDefaults`]), the engine [`resolve`]s them
//! against the loaded table and answers `Event::ConfigResolved` with the configuration
//! and what changed, and why. Neither the GUI nor the CLI runs these rules.
//!
//! - **Short series** (fewer than [`SHORT_SERIES_WINDOWS`] training windows, e.g.
//!   AirPassengers' 144 months): one batch per epoch leaves 100 epochs far from
//!   trained, and the validation rows are a large share of the little history there
//!   is. So epochs go up to [`SHORT_SERIES_EPOCHS`] (early stopping still decides)
//!   and the final model is refit on the training and validation rows together.
//!   Measured on the AirPassengers Darts split: MAPE 8.13 % → 4.53 % (seed 42).
//! - **Series too short for the default split** (one series whose 0.7 / 0.15 / 0.15
//!   split leaves the validation or test part shorter than the horizon, e.g. under 79
//!   monthly rows at horizon 12): the split becomes `last=H,H`, one horizon each for
//!   test and validation, or, with too few rows for a test part after a season of input,
//!   one horizon for validation alone, so the model is judged against the baselines
//!   before its forecast is used ([`super::short_split`]). A seasonal series so split is
//!   forecast recursively from the fitted start, with half its training rows of lookback
//!   in whole seasons. Applied first: the other rules then fit the rows it leaves.
//! - **Series too short for the default window**: when not one training window fits
//!   the lookback, the lookback becomes the largest that leaves
//!   [`SHORT_SERIES_MIN_WINDOWS`] training windows (or, failing that, one), so a
//!   36-month series trains with a shorter window instead of being refused. The
//!   horizon is the user's question and never changes; a series whose training part
//!   cannot hold the horizon plus one input step is still refused.
//! - **Daily series with years of history** (at least [`YEARLY_MIN_TRAIN_ROWS`]
//!   training rows): the lookback becomes a year ([`YEARLY_LOOKBACK`] steps), so the
//!   linear skip sees last year's same season; the recurrent layers still read only
//!   `model.recurrent_steps`, so it costs little. Measured on daily minimum
//!   temperatures: test MASE 0.679 → 0.639 (seeds 42, 1–3: 0.636–0.639).
//! - **The start of a short series** with at least [`FITTED_MIN_VAL_WINDOWS`] validation
//!   windows: the linear skip starts fitted (`model.skip_init = fitted`, a ridge fit
//!   shrunk toward the best of naive, seasonal naive and drift), so the network learns
//!   a correction to a forecast that is already good on a few years of monthly data.
//!   With one validation window, early stopping would pick the epoch count from a
//!   single number, and from the fitted start that stops too early (AirPassengers on
//!   the Darts split: MAPE 9.8 % against 3.5 %), so the zero start stays. Measured on
//!   the suite, seeds 1–3: the model's geometric-mean ratio to the best baseline
//!   1.071 → 0.96 (BENCHMARKS.md, "The fitted start").
//! - **The strategy of a short series** with at least [`RECURSIVE_MIN_VAL_WINDOWS`]
//!   validation windows and a horizon of more than one step: recursive
//!   (`model.strategy = recursive`): a one-step model rolled forward learns from every
//!   one-step window, which on a few years of monthly or quarterly data helps more than
//!   one head per horizon step. Not when a covariate's future is unknown (the rolled
//!   window would need it) and not for panels. With one validation window (the Darts
//!   split of AirPassengers, 36 steps from one origin) it lost 2× (MAPE 6.7–8.8 %
//!   against 3.1–3.5 %), so the direct head stays there. Measured on the suite, seeds
//!   1–3: the model beats the best baseline on 10 of 14 series instead of 8, geometric
//!   mean ratio 0.966 → 0.908 (BENCHMARKS.md, "The strategy of short series").

use crate::config::{RunConfig, SkipInit, Strategy};
use crate::data::split::{SplitRanges, split_rows};
use crate::data::table::CsvTable;
use crate::data::time::Frequency;
use crate::data::window::WindowSpec;
use crate::error::Result;

use super::short_split;
use crate::text::count;

/// Fewer training windows than this makes a series short.
pub const SHORT_SERIES_WINDOWS: usize = 200;
/// Training windows the shortened lookback of a too-short series aims to leave.
pub const SHORT_SERIES_MIN_WINDOWS: usize = 8;
/// Epoch limit for short series.
pub const SHORT_SERIES_EPOCHS: usize = 1000;
/// Lookback of a daily series with years of history: one year.
pub const YEARLY_LOOKBACK: usize = 365;
/// Training rows a daily series needs for the year of lookback: three years.
pub const YEARLY_MIN_TRAIN_ROWS: usize = 3 * 365;
/// One day, in seconds.
const DAY: i64 = 86_400;
/// Validation windows a short series needs for the fitted start.
pub const FITTED_MIN_VAL_WINDOWS: usize = 2;
/// Validation windows a short series needs for the recursive strategy.
pub const RECURSIVE_MIN_VAL_WINDOWS: usize = 2;

/// A setting the data-dependent defaults may choose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AutoField {
    /// `data.split`.
    Split,
    /// `window.lookback`.
    Lookback,
    /// `train.epochs`.
    Epochs,
    /// `train.refit`.
    Refit,
    /// `model.skip_init`.
    SkipInit,
    /// `model.strategy`.
    Strategy,
}

impl AutoField {
    /// The field as the command line names it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Split => "split",
            Self::Lookback => "lookback",
            Self::Epochs => "epochs",
            Self::Refit => "refit",
            Self::SkipInit => "skip-init",
            Self::Strategy => "strategy",
        }
    }
}

impl std::fmt::Display for AutoField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Which settings the driver leaves to the data (the user did not set them).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AutoDefaults {
    /// `data.split` may change.
    pub split: bool,
    /// `window.lookback` may change.
    pub lookback: bool,
    /// `train.epochs` may change.
    pub epochs: bool,
    /// `train.refit` may change.
    pub refit: bool,
    /// `model.skip_init` may change.
    pub skip_init: bool,
    /// `model.strategy` may change.
    pub strategy: bool,
}

impl AutoDefaults {
    /// Every rule may apply.
    pub const ALL: Self = Self {
        split: true,
        lookback: true,
        epochs: true,
        refit: true,
        skip_init: true,
        strategy: true,
    };
    /// None applies: the configuration is used as given.
    pub const NONE: Self = Self {
        split: false,
        lookback: false,
        epochs: false,
        refit: false,
        skip_init: false,
        strategy: false,
    };

    /// Whether the rules may change `field`.
    pub fn allows(self, field: AutoField) -> bool {
        match field {
            AutoField::Split => self.split,
            AutoField::Lookback => self.lookback,
            AutoField::Epochs => self.epochs,
            AutoField::Refit => self.refit,
            AutoField::SkipInit => self.skip_init,
            AutoField::Strategy => self.strategy,
        }
    }

    /// The same set without `field`.
    pub fn without(mut self, field: AutoField) -> Self {
        match field {
            AutoField::Split => self.split = false,
            AutoField::Lookback => self.lookback = false,
            AutoField::Epochs => self.epochs = false,
            AutoField::Refit => self.refit = false,
            AutoField::SkipInit => self.skip_init = false,
            AutoField::Strategy => self.strategy = false,
        }
        self
    }

    /// Whether any rule may apply.
    pub fn any(self) -> bool {
        self.split || self.lookback || self.epochs || self.refit || self.skip_init || self.strategy
    }
}

/// A configuration after the data-dependent defaults, and what they changed.
#[derive(Clone, Debug, PartialEq)]
pub struct Resolved {
    /// The configuration to run.
    pub config: RunConfig,
    /// The changes, in the order the rules made them (empty: none applied).
    pub changes: Vec<DataDefault>,
}

/// Applies the data-dependent defaults to `config` for `table`, changing only the
/// fields `auto` allows: the rules on the row count first (a window that does not fit
/// would make the cleaning's window checks fail), then, once the series is loaded, all
/// of them again from `config` with the cleaned series' length and frequency.
pub fn resolve(table: &CsvTable, config: &RunConfig, auto: AutoDefaults) -> Result<Resolved> {
    let mut loadable = config.clone();
    let changes = apply_data_defaults(&mut loadable, table.n_rows, None, auto);
    if !auto.any() {
        return Ok(Resolved {
            config: loadable,
            changes,
        });
    }
    // Once the cleaned series is known (loaded with windows that fit), the rules run
    // again on the configuration as given, with its length and frequency.
    let (series, _, _) = super::load_series(table, &loadable)?;
    let mut config = config.clone();
    let rows = series.len();
    // The season as the run will take it: the user's, the time axis's, or read from the
    // values before the rows a short split would hold out.
    let before_held_out = SplitRanges {
        train: 0..rows.saturating_sub(config.window.horizon.saturating_mul(2)),
        val: 0..0,
        test: 0..0,
    };
    let (season, _) = super::prepare::season_of(&series, &config, &before_held_out);
    let changes = apply_rules(&mut config, rows, (series.frequency(), Some(season)), auto);
    Ok(Resolved { config, changes })
}

/// One change to a configuration, for people.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataDefault {
    /// The config field.
    pub field: AutoField,
    /// The new value, as text.
    pub value: String,
    /// Why, in a few words.
    pub why: String,
}

/// Training windows `config` gives a series of `rows` rows (0 when it does not fit).
pub fn training_windows(rows: usize, config: &RunConfig) -> usize {
    let Ok(split) = split_rows(rows, &config.data.split) else {
        return 0;
    };
    let w = &config.window;
    let needed = w.lookback + w.horizon;
    let span = split.train.len();
    if span < needed {
        return 0;
    }
    (span - needed) / w.stride.max(1) + 1
}

/// Applies the data-dependent defaults to `config` for a series of `rows` rows at
/// `frequency` (`None` when it is not known yet: the rules that need it wait),
/// changing only the fields `auto` allows. Returns what changed.
pub fn apply_data_defaults(
    config: &mut RunConfig,
    rows: usize,
    frequency: Option<Frequency>,
    auto: AutoDefaults,
) -> Vec<DataDefault> {
    let season = frequency.and_then(Frequency::season);
    apply_rules(config, rows, (frequency, season), auto)
}

/// [`apply_data_defaults`] with the season given apart from the frequency (the user's,
/// or read from the values of a series without timestamps).
fn apply_rules(
    config: &mut RunConfig,
    rows: usize,
    (frequency, season): (Option<Frequency>, Option<usize>),
    auto: AutoDefaults,
) -> Vec<DataDefault> {
    let mut changes = Vec::new();
    let mut held_out = false;
    if auto.split
        && let Some((split, why)) = short_split::reason(rows, config, auto.lookback, season)
    {
        config.data.split = split;
        changes.push(DataDefault {
            field: AutoField::Split,
            value: short_split::spelling(&split),
            why,
        });
        held_out = true;
    }
    let rolled = held_out && held_out_rolled(config, rows, season, auto, &mut changes);
    if !rolled
        && frequency == Some(Frequency::Seconds(DAY))
        && auto.lookback
        && config.window.lookback < YEARLY_LOOKBACK
    {
        let train = split_rows(rows, &config.data.split).map_or(0, |s| s.train.len());
        if train >= YEARLY_MIN_TRAIN_ROWS {
            config.window.lookback = YEARLY_LOOKBACK;
            changes.push(DataDefault {
                field: AutoField::Lookback,
                value: YEARLY_LOOKBACK.to_string(),
                why: format!(
                    "daily series with {:.1} years of training rows",
                    train as f64 / 365.25
                ),
            });
        }
    }
    if !rolled
        && auto.lookback
        && training_windows(rows, config) == 0
        && let Some(lookback) = fitting_lookback(rows, config)
    {
        let windows = windows_at(rows, config, lookback);
        changes.push(DataDefault {
            field: AutoField::Lookback,
            value: lookback.to_string(),
            why: format!(
                "lookback {} leaves no training window in {rows} rows; {lookback} leaves {windows}",
                config.window.lookback
            ),
        });
        config.window.lookback = lookback;
    }
    let windows = match rolled {
        true => one_step_windows(rows, config),
        false => training_windows(rows, config),
    };
    if windows == 0 || windows >= SHORT_SERIES_WINDOWS {
        return changes;
    }
    let noun = if rolled {
        "one-step training window"
    } else {
        "training window"
    };
    let why = format!("short series: {}", count(windows, noun));
    if auto.epochs && config.train.epochs < SHORT_SERIES_EPOCHS {
        config.train.epochs = SHORT_SERIES_EPOCHS;
        changes.push(DataDefault {
            field: AutoField::Epochs,
            value: SHORT_SERIES_EPOCHS.to_string(),
            why: why.clone(),
        });
    }
    if auto.refit && !config.train.refit {
        config.train.refit = true;
        changes.push(DataDefault {
            field: AutoField::Refit,
            value: "true".into(),
            why: why.clone(),
        });
    }
    let val = validation_windows(rows, config);
    if auto.skip_init
        && config.model.skip_init == SkipInit::Zero
        && (val >= FITTED_MIN_VAL_WINDOWS || rolled)
    {
        config.model.skip_init = SkipInit::Fitted;
        changes.push(DataDefault {
            field: AutoField::SkipInit,
            value: "fitted".into(),
            why: format!("short series with {}", count(val, "validation window")),
        });
    }
    if auto.strategy && recursive_fits(config) && val >= RECURSIVE_MIN_VAL_WINDOWS {
        config.model.strategy = Strategy::Recursive;
        changes.push(DataDefault {
            field: AutoField::Strategy,
            value: Strategy::Recursive.name().into(),
            why: format!("short series with {}", count(val, "validation window")),
        });
    }
    changes
}

/// A seasonal series split by [`short_split`] becomes recursive (when the strategy is
/// left to the data and allows it), and its lookback [`short_split::held_out_lookback`]:
/// a one-step model rolled forward learns from every one-step window of the few training
/// rows, with a season of input where one fits (and the skip then starts fitted, near
/// seasonal naive). Returns whether it did (the model is recursive on the held-out
/// split). Not without a season (yearly data, an index axis, or before the frequency is
/// known): on yearly series of 40–47 rows it was no better (BENCHMARKS.md, "The split of
/// short series").
fn held_out_rolled(
    config: &mut RunConfig,
    rows: usize,
    season: Option<usize>,
    auto: AutoDefaults,
    changes: &mut Vec<DataDefault>,
) -> bool {
    let Some(season) = season.filter(|&s| s > 1) else {
        return false;
    };
    if !auto.strategy || !recursive_fits(config) {
        return false;
    }
    let h = config.window.horizon;
    let train = split_rows(rows, &config.data.split).map_or(0, |s| s.train.len());
    let why = format!("one horizon held out for validation: {train} training rows");
    config.model.strategy = Strategy::Recursive;
    changes.push(DataDefault {
        field: AutoField::Strategy,
        value: Strategy::Recursive.name().into(),
        why: why.clone(),
    });
    if auto.lookback {
        let base = config.window.lookback;
        let lookback = short_split::held_out_lookback(train, h, base, Some(season));
        if lookback != config.window.lookback {
            config.window.lookback = lookback;
            changes.push(DataDefault {
                field: AutoField::Lookback,
                value: lookback.to_string(),
                why,
            });
        }
    }
    true
}

/// One-step training windows of a recursive `config` on `rows` rows.
fn one_step_windows(rows: usize, config: &RunConfig) -> usize {
    let train = split_rows(rows, &config.data.split).map_or(0, |s| s.train.len());
    let lookback = config.window.lookback;
    match train > lookback {
        true => (train - lookback - 1) / config.window.stride.max(1) + 1,
        false => 0,
    }
}

/// Whether the direct `config` may become recursive: a horizon of several steps and
/// [`recursive_allowed`].
fn recursive_fits(config: &RunConfig) -> bool {
    config.model.strategy == Strategy::Direct
        && config.window.horizon > 1
        && recursive_allowed(config)
}

/// Whether the data of `config` allows the recursive strategy by default: one series,
/// and every covariate known in advance (the rolled-forward window reads them).
pub fn recursive_allowed(config: &RunConfig) -> bool {
    let data = &config.data;
    data.series_column.is_none()
        && data
            .covariates
            .iter()
            .all(|c| data.future_covariates.contains(c))
}

/// Validation windows `config` gives a series of `rows` rows: those whose targets lie in
/// the validation part (their inputs may reach back into training), as preparing forms them.
fn validation_windows(rows: usize, config: &RunConfig) -> usize {
    let Ok(split) = split_rows(rows, &config.data.split) else {
        return 0;
    };
    let w = &config.window;
    let spec = WindowSpec {
        lookback: w.lookback,
        horizon: w.horizon,
        stride: w.stride,
    };
    spec.targets_inside(split.val, 0).len()
}

/// Training windows of `config` at another `lookback`.
fn windows_at(rows: usize, config: &RunConfig, lookback: usize) -> usize {
    let mut trial = config.clone();
    trial.window.lookback = lookback;
    training_windows(rows, &trial)
}

/// The largest lookback below the configured one that leaves
/// [`SHORT_SERIES_MIN_WINDOWS`] training windows, else the largest that leaves one;
/// `None` when not even a one-step lookback fits.
fn fitting_lookback(rows: usize, config: &RunConfig) -> Option<usize> {
    let fits = |want: usize| {
        (1..config.window.lookback)
            .rev()
            .find(|&l| windows_at(rows, config, l) >= want)
    };
    fits(SHORT_SERIES_MIN_WINDOWS).or_else(|| fits(1))
}

/// The changes in one line: `epochs 1000, refit true (short series: 66 training
/// windows)`; `None` when there are none.
pub fn describe(changes: &[DataDefault]) -> Option<String> {
    changes.first()?;
    let mut groups: Vec<(&str, Vec<String>)> = Vec::new();
    for c in changes {
        let item = format!("{} {}", c.field, c.value);
        match groups.iter_mut().find(|(why, _)| *why == c.why) {
            Some((_, items)) => items.push(item),
            None => groups.push((&c.why, vec![item])),
        }
    }
    let parts: Vec<String> = groups
        .into_iter()
        .map(|(why, items)| format!("{} ({why})", items.join(", ")))
        .collect();
    Some(parts.join("; "))
}

#[cfg(test)]
mod tests;
