//! `seqcast predict`: apply a saved model to a CSV file and export its forecasts.

use anyhow::{Context, Result};
use seqcast_engine::artifact;
use seqcast_engine::data::table::read_csv;
use seqcast_engine::eval::choice::Source;
use seqcast_engine::eval::metrics::HorizonMetrics;
use seqcast_engine::export::panel::future_csv;
use seqcast_engine::export::{
    Bands, ForecastColumns, Product, refuse_overwriting, write_atomic, write_predictions,
};
use seqcast_engine::panel::attributes::attach_file;
use seqcast_engine::panel::layout::panel_from_table;
use seqcast_engine::panel::predict::forecast;
use seqcast_engine::pipeline::predict::predict;

use super::args::PredictArgs;

/// Runs `seqcast predict`. It works on this thread, not the engine's (whose runner turns
/// a panic into an error event), so it has its own boundary: a bug becomes an error
/// message and a non-zero exit, never an abort mid-write.
pub fn run(args: &PredictArgs) -> Result<()> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| predict_file(args))) {
        Ok(result) => result,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "no message".into());
            anyhow::bail!(
                "seqcast predict stopped on an internal error ({what}). \
                 Please report it with the model folder and the CSV file"
            )
        }
    }
}

fn predict_file(args: &PredictArgs) -> Result<()> {
    refuse_overwriting(&args.export, &args.csv)?;
    let saved = artifact::load_any(&args.model)
        .with_context(|| format!("loading the model in {}", args.model.display()))?;
    let mut model = match saved {
        artifact::SavedModel::Series(model) => *model,
        artifact::SavedModel::Panel(model) => return predict_panel(args, &model),
    };
    // Future values belong to this file, not to the one the model was trained on.
    model.config.data.future_file = args.future.clone();
    let table = read_csv(&args.csv)?;
    let prediction = predict(&model, &table)?;
    let targets: Vec<String> = model
        .columns
        .iter()
        .take(model.n_targets)
        .cloned()
        .collect();
    // The run's conformal intervals around the forecast, as it fitted them.
    let bands = model
        .product
        .as_ref()
        .and_then(|p| p.intervals.as_ref())
        .map(|i| Bands {
            levels: &i.levels,
            radii: &i.radii,
            pairs: &i.pairs,
        });
    let product = model
        .product
        .as_ref()
        .map(|p| Product::of(p.source, model.config.model.cell.name()));
    let csv = write_predictions(
        &targets,
        &prediction.series,
        &[("all", &prediction.windows)],
        &[],
        Some(&prediction.future),
        &ForecastColumns {
            product: product.as_ref(),
            bands: bands.as_ref(),
            quantile_levels: model
                .config
                .train
                .loss
                .quantiles()
                .map_or(&[], |q| q.as_slice()),
        },
    );
    write_atomic(&args.export, csv.as_bytes())?;
    let horizon = model.config.window.horizon;
    let cell = model.config.model.cell.name();
    let using = match model.product.as_ref().map(|p| p.source) {
        Some(source) if source != Source::Model => {
            format!(
                ", as the run chose: {}",
                source.describe(&cell.to_uppercase())
            )
        }
        _ => String::new(),
    };
    println!(
        "{} windows of {} steps forecast with the {cell} model from {}{using}",
        prediction.windows.origins.len(),
        horizon,
        args.model.display()
    );
    for (j, name) in targets.iter().enumerate() {
        // The product forecast's errors (the model's own when it is the product).
        let predicted = prediction
            .windows
            .product
            .get(j)
            .or(prediction.windows.model.get(j));
        let (Some(actual), Some(pred)) = (prediction.windows.actual.get(j), predicted) else {
            continue;
        };
        let m = HorizonMetrics::compute(actual, pred, horizon, None).overall;
        println!(
            "  {name}: MAE {:.4}  RMSE {:.4}  (in the data's units, over every complete window)",
            m.mae, m.rmse
        );
    }
    if let (Some(first), Some(last)) = (
        prediction.future.labels.first(),
        prediction.future.labels.last(),
    ) {
        println!("  forecast past the end: {first} … {last}");
    }
    println!("wrote {}", args.export.display());
    Ok(())
}

/// A model trained on many series: every series of the file (read in the layout it was
/// trained on) forecast past its end, one row per series and step.
fn predict_panel(args: &PredictArgs, model: &artifact::PanelModel) -> Result<()> {
    let Some(layout) = &model.spec.layout else {
        anyhow::bail!(
            "{}: the model does not record how its table holds the series",
            args.model.display()
        );
    };
    let table = read_csv(&args.csv)?;
    let mut panel = panel_from_table(&table, layout)?;
    if let Some(path) = &model.config.data.static_file {
        let statics = read_csv(path).with_context(|| {
            format!(
                "the model reads static attributes from {}, as it was trained",
                path.display()
            )
        })?;
        attach_file(
            &mut panel,
            &statics,
            model.config.data.series_column.as_deref(),
        )?;
    }
    let prediction = forecast(&model.forecaster, &model.config, &model.spec, &panel)?;
    write_atomic(&args.export, future_csv(&prediction).as_bytes())?;
    println!(
        "{} steps past each series' end forecast with the {} model over many series from {}",
        model.config.window.horizon,
        model.config.model.cell.name(),
        args.model.display()
    );
    for line in prediction.lines() {
        println!("  {line}");
    }
    println!("wrote {}", args.export.display());
    Ok(())
}
