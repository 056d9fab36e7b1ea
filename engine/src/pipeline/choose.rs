//! The product forecast of a run: [`crate::eval::choice`] applied to the validation
//! forecasts, then to every part and to the forecast past the end.

use super::evaluate::{BaselineSet, PartForecast, ScoreTable, baseline_forecasts};
use super::prepare::Prepared;
use super::{FutureForecast, ProductSpec};
use crate::config::{RunConfig, SkipInit};
use crate::diag::BaselineCheck;
use crate::eval::baselines::BaselineKind;
use crate::eval::choice::{self, ForecastChoice, Source, ValidationForecasts};

/// Chooses what to forecast with, from the validation forecasts `val` alone (of the
/// validated model, before any refit).
pub fn choose(
    prepared: &Prepared,
    config: &RunConfig,
    val: Option<&PartForecast>,
) -> ForecastChoice {
    let scales = prepared.mase_scales();
    let forecasts = val
        .filter(|p| !p.origins.is_empty())
        .map(|p| ValidationForecasts {
            actual: &p.actual,
            model: &p.model,
            baselines: &p.baselines,
            scales: &scales,
            windows: p.origins.len(),
        });
    choice::choose(
        config.eval.forecast,
        forecasts.as_ref(),
        &model_name(config),
    )
}

/// The model as people name it: `LSTM`, `GRU`, `RNN`.
pub fn model_name(config: &RunConfig) -> String {
    config.model.cell.name().to_uppercase()
}

/// Fills `part.product` with `source`'s forecast (the model's where the chosen
/// baseline could not be computed for these windows, which the choice rules out for
/// parts of the same series).
pub fn apply(source: Source, part: &mut PartForecast) {
    part.product = source
        .combine(&part.model, &part.baselines)
        .unwrap_or_else(|| part.model.clone());
}

/// Turns `future.values` (the model's forecast past the end, also in `future.model`)
/// into `source`'s.
pub fn apply_future(
    source: Source,
    prepared: &Prepared,
    baselines: &BaselineSet,
    future: &mut FutureForecast,
) {
    if source == Source::Model {
        return;
    }
    let last = prepared.series.len().saturating_sub(1);
    let by_kind = baseline_forecasts(prepared, baselines, &[last]);
    if let Some(values) = source.combine(&future.model, &by_kind) {
        future.values = values;
    }
}

/// What a saved model needs to forecast as the run did: the chosen source, and the
/// fitted linear autoregressions when the choice uses them.
pub fn product_spec(choice: &ForecastChoice, baselines: &BaselineSet) -> ProductSpec {
    let uses_linear = choice.chosen.uses(BaselineKind::Linear);
    ProductSpec {
        source: choice.chosen,
        linear: if uses_linear {
            baselines.linear().to_vec()
        } else {
            Vec::new()
        },
        intervals: None,
    }
}

/// What the doctor compares on validation, and what `choice` forecasts with.
pub fn baseline_check<'a>(
    prepared: &Prepared,
    config: &RunConfig,
    table: &'a ScoreTable,
    choice: &ForecastChoice,
) -> BaselineCheck<'a> {
    BaselineCheck {
        model: &table.model,
        baselines: &table.baselines,
        season: prepared.season,
        lookback: prepared.spec.lookback,
        diff: prepared.scaling.diff,
        seasonal_start_unused: config.model.linear_skip
            && matches!(config.model.skip_init, SkipInit::Zero | SkipInit::Naive),
        forecast_uses: choice
            .replaces_model()
            .then(|| choice.chosen.describe(&choice.model_name)),
        recursive_untried: config.model.strategy.is_direct()
            && prepared.train.len() < super::defaults::SHORT_SERIES_WINDOWS
            && prepared.series.covariates().len() == prepared.known_ahead.len(),
    }
}
