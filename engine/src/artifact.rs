//! Model artifacts: a folder with `model.json` (config, columns, scalers, parameter
//! shapes, a checksum of the weights) and `weights.bin` (little-endian f32, in the
//! manifest's order). Loading verifies sizes, shapes and the checksum, so a truncated
//! or tampered artifact is an error, never garbage predictions.

use std::path::Path;

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::tensor::{Device, Tensor, TensorData};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::RunConfig;
use crate::error::{EngineError, Result};
use crate::export::write_atomic;
use crate::model::{Forecaster, ModelShape};
use crate::panel::predict::PanelSpec;
use crate::pipeline::{Scaling, TrainedModel};
use crate::rng::Rng;

mod product;

const FORMAT: &str = "seqcast-model";
/// 2 added per-window normalisation (`model.window_norm`); version 1 models had none.
/// 3 added the linear skip (`model.linear_skip`); earlier models had none.
const VERSION: u32 = 3;
const MANIFEST: &str = "model.json";
const WEIGHTS: &str = "weights.bin";
/// A manifest is a config, column names and scalers: kilobytes, megabytes for a file of
/// many thousand columns. A larger one was not written by seqcast.
const MAX_MANIFEST_BYTES: u64 = 64 << 20;
/// Weights of the largest model worth loading on a desktop (hidden 4096 × 4 LSTM layers
/// is ~2 GiB); a larger file is refused before it is read.
const MAX_WEIGHTS_BYTES: u64 = 4 << 30;

#[derive(Serialize, Deserialize)]
struct Manifest {
    format: String,
    version: u32,
    config: RunConfig,
    columns: Vec<String>,
    n_targets: usize,
    scaling: Scaling,
    params: Vec<ParamEntry>,
    weights_sha256: String,
    /// SHA-256 of what the manifest says about the model (config, columns, targets,
    /// scalers, product forecast), so that an edited setting is caught like a changed
    /// weight; absent in models saved before it existed.
    #[serde(default)]
    content_sha256: Option<String>,
    trained_on: Option<String>,
    /// The run's product forecast (absent in models saved before it existed).
    #[serde(default)]
    product: Option<crate::pipeline::ProductSpec>,
    /// A model over many series: their layout, scalers and attributes' encoding (the
    /// scalers above are then the identity).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    panel: Option<PanelSpec>,
}

/// A model trained on many series, with what forecasting them again needs.
#[derive(Debug)]
pub struct PanelModel {
    /// The network.
    pub forecaster: Forecaster,
    /// The run's configuration.
    pub config: RunConfig,
    /// The layout, each series' scalers, the attributes' encoding.
    pub spec: PanelSpec,
}

/// A saved model of either kind.
#[derive(Debug)]
pub enum SavedModel {
    /// Trained on one table's target column(s).
    Series(Box<TrainedModel>),
    /// Trained on many series.
    Panel(Box<PanelModel>),
}

#[derive(Serialize, Deserialize)]
struct ParamEntry {
    name: String,
    shape: Vec<usize>,
}

/// Saves `model` into `dir` (created if needed). `trained_on` names the data file.
pub fn save(dir: &Path, model: &TrainedModel, trained_on: Option<&str>) -> Result<()> {
    let parts = Parts {
        forecaster: &model.forecaster,
        config: &model.config,
        columns: model.columns.clone(),
        n_targets: model.n_targets,
        scaling: model.scaling.clone(),
        product: model.product.clone(),
        panel: None,
    };
    write(dir, parts, trained_on)
}

/// Saves a model over many series into `dir` (created if needed).
pub fn save_panel(dir: &Path, model: &PanelModel, trained_on: Option<&str>) -> Result<()> {
    let spec = &model.spec;
    let mut columns = vec!["value".to_string()];
    columns.extend(spec.covariates.iter().cloned());
    for a in &spec.encoding.attributes {
        columns.extend((0..a.width()).map(|i| format!("{}[{i}]", a.name)));
    }
    let scaling = Scaling {
        columns: vec![crate::data::scale::Scaler::identity(); columns.len()],
        levels: vec![crate::data::scale::Scaler::identity()],
        log: model.config.data.log,
        diff: false,
    };
    let parts = Parts {
        forecaster: &model.forecaster,
        config: &model.config,
        columns,
        n_targets: 1,
        scaling,
        product: None,
        panel: Some(spec.clone()),
    };
    write(dir, parts, trained_on)
}

/// What a manifest records about a model.
struct Parts<'a> {
    forecaster: &'a Forecaster,
    config: &'a RunConfig,
    columns: Vec<String>,
    n_targets: usize,
    scaling: Scaling,
    product: Option<crate::pipeline::ProductSpec>,
    panel: Option<PanelSpec>,
}

fn write(dir: &Path, parts: Parts<'_>, trained_on: Option<&str>) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| EngineError::io("cannot create", dir, e))?;
    let mut collector = Collector::default();
    parts.forecaster.visit(&mut collector);
    let mut bytes = Vec::with_capacity(collector.values.len() * 4);
    for v in &collector.values {
        bytes.extend_from_slice(&v.to_le_bytes());
    }
    let mut manifest = Manifest {
        format: FORMAT.into(),
        version: VERSION,
        config: parts.config.clone(),
        columns: parts.columns,
        n_targets: parts.n_targets,
        scaling: parts.scaling,
        params: collector.params,
        weights_sha256: hex(&Sha256::digest(&bytes)),
        content_sha256: None,
        trained_on: trained_on.map(str::to_string),
        product: parts.product,
        panel: parts.panel,
    };
    manifest.content_sha256 = Some(content_digest(&manifest)?);
    let json = serde_json::to_string_pretty(&manifest)
        .map_err(|e| EngineError::Artifact(format!("cannot serialise the model manifest: {e}")))?;
    // Weights first: a manifest only ever points at complete weights.
    write_atomic(&dir.join(WEIGHTS), &bytes)?;
    write_atomic(&dir.join(MANIFEST), json.as_bytes())
}

/// Loads a model saved by [`save`] (one series), onto the plain CPU device; a model over
/// many series is an error that says how to use it.
pub fn load(dir: &Path) -> Result<TrainedModel> {
    match load_any(dir)? {
        SavedModel::Series(m) => Ok(*m),
        SavedModel::Panel(_) => Err(EngineError::Artifact(format!(
            "{}: this model was trained on many series; it forecasts a table of series \
             (seqcast predict --model DIR --csv FILE)",
            dir.display()
        ))),
    }
}

/// Loads a model saved by [`save`] or [`save_panel`], onto the plain CPU device.
pub fn load_any(dir: &Path) -> Result<SavedModel> {
    let bad = |msg: String| EngineError::Artifact(format!("{}: {msg}", dir.display()));
    let manifest = read_manifest(dir, &bad)?;
    let n_targets = manifest.n_targets;
    if n_targets == 0 || n_targets > manifest.columns.len() {
        return Err(bad(format!(
            "{n_targets} targets among {} columns",
            manifest.columns.len()
        )));
    }
    check_scaling(&manifest.scaling, manifest.columns.len(), n_targets).map_err(bad)?;
    // The transforms are recorded twice (the configuration, the scalers); forecasts
    // follow the scalers, so the two must agree.
    let (data, scaling) = (&manifest.config.data, &manifest.scaling);
    if (data.log, data.diff) != (scaling.log, scaling.diff) {
        return Err(bad(format!(
            "model.json does not hold together: its configuration says data.log = {}, \
             data.diff = {}, but its scalers were fitted with log = {}, diff = {}: the \
             manifest was modified or damaged",
            data.log, data.diff, scaling.log, scaling.diff
        )));
    }
    let shape = ModelShape {
        features: manifest.columns.len(),
        lookback: manifest.config.window.lookback,
        horizon: manifest
            .config
            .model
            .strategy
            .model_horizon(manifest.config.window.horizon),
        targets: n_targets,
        quantiles: manifest.config.train.loss.quantiles().copied(),
        known: manifest.config.data.known_ahead_count(),
    };
    // The configuration must describe exactly the listed parameters, and they the
    // weights, before anything is allocated from the manifest's numbers.
    check_shapes(&manifest, shape).map_err(&bad)?;
    // The product forecast after the shapes: a changed window is named there first.
    if let Some(product) = &manifest.product {
        let w = &manifest.config.window;
        let quantiles = manifest
            .config
            .train
            .loss
            .quantiles()
            .map_or(0, |q| q.len());
        product::check_product(product, n_targets, (w.lookback, w.horizon), quantiles)
            .map_err(&bad)?;
    }
    // Specific checks first (they name what is wrong), then the checksum of the settings
    // (an edit that is still a valid model: a scaler, the window norm, a column name).
    if let Some(recorded) = &manifest.content_sha256
        && *recorded != content_digest(&manifest)?
    {
        return Err(bad(
            "model.json was edited after it was saved: its settings (configuration, columns, \
             scalers or product forecast) no longer match the checksum it was saved with"
                .into(),
        ));
    }
    let values = read_weights(dir, &manifest, &bad)?;
    let device = crate::model::cpu_device();
    // Every value is overwritten by the loader: the cheap initialisation will do.
    let mut skeleton_config = manifest.config.model.clone();
    skeleton_config.init = crate::config::InitKind::Pytorch;
    let skeleton = Forecaster::new(&skeleton_config, shape, &mut Rng::new(0), &device);
    let mut loader = Loader {
        params: &manifest.params,
        values: &values,
        offset: 0,
        index: 0,
        path: Vec::new(),
        device: device.clone(),
        error: None,
    };
    let forecaster = skeleton.map(&mut loader);
    if let Some(e) = loader.error {
        return Err(bad(e));
    }
    if loader.index != manifest.params.len() {
        return Err(bad(format!(
            "the manifest lists {} parameters but the model has {}",
            manifest.params.len(),
            loader.index
        )));
    }
    if let Some(spec) = manifest.panel {
        if spec.features() != manifest.columns.len() {
            return Err(bad(format!(
                "model.json does not hold together: its series' inputs are {} columns, the \
                 model reads {}",
                spec.features(),
                manifest.columns.len()
            )));
        }
        return Ok(SavedModel::Panel(Box::new(PanelModel {
            forecaster,
            config: manifest.config,
            spec,
        })));
    }
    Ok(SavedModel::Series(Box::new(TrainedModel {
        forecaster,
        config: manifest.config,
        scaling: manifest.scaling,
        columns: manifest.columns,
        n_targets,
        product: manifest.product,
    })))
}

/// The SHA-256 of the manifest's meaning: everything that changes a forecast.
fn content_digest(m: &Manifest) -> Result<String> {
    let content = (&m.config, &m.columns, m.n_targets, &m.scaling, &m.product);
    // A panel's spec joins the digest only when there is one: the digests of models on
    // one series saved before panels existed stay valid.
    let bytes = match &m.panel {
        None => serde_json::to_vec(&content),
        Some(panel) => serde_json::to_vec(&(content, panel)),
    }
    .map_err(|e| EngineError::Artifact(format!("cannot serialise the model manifest: {e}")))?;
    Ok(hex(&Sha256::digest(&bytes)))
}

/// `model.json`, upgraded from older versions and validated.
fn read_manifest(dir: &Path, bad: &dyn Fn(String) -> EngineError) -> Result<Manifest> {
    let manifest_path = dir.join(MANIFEST);
    let bytes = read_bounded(&manifest_path, MAX_MANIFEST_BYTES)?;
    let text = String::from_utf8(bytes)
        .map_err(|_| bad("model.json is not UTF-8 text: it is not a seqcast manifest".into()))?;
    let mut manifest: Manifest = serde_json::from_str(&text)
        .map_err(|e| bad(format!("model.json is not a valid seqcast manifest ({e})")))?;
    if manifest.format == FORMAT && matches!(manifest.version, 1 | 2) {
        // Saved before these options existed: trained without them.
        if manifest.version == 1 {
            manifest.config.model.window_norm = crate::config::WindowNorm::None;
        }
        manifest.config.model.linear_skip = false;
        manifest.version = VERSION;
    }
    if manifest.format != FORMAT || manifest.version != VERSION {
        return Err(bad(format!(
            "unsupported model format '{}' version {} (this seqcast reads '{FORMAT}' version {VERSION})",
            manifest.format, manifest.version
        )));
    }
    manifest.config.validate()?;
    Ok(manifest)
}

/// `weights.bin` as the manifest describes it: the size its shapes add up to, the
/// checksum it records, every value finite.
fn read_weights(
    dir: &Path,
    manifest: &Manifest,
    bad: &dyn Fn(String) -> EngineError,
) -> Result<Vec<f32>> {
    let weights_path = dir.join(WEIGHTS);
    let expected = manifest
        .params
        .iter()
        .try_fold(0usize, |total, p| {
            let count = p.shape.iter().try_fold(1usize, |n, d| n.checked_mul(*d))?;
            total.checked_add(count)
        })
        .filter(|n| n.checked_mul(4).is_some());
    let Some(expected) = expected else {
        return Err(bad(
            "the parameter shapes in model.json describe more weights than memory can hold: \
             the manifest was modified or damaged"
                .into(),
        ));
    };
    // What loading will take, before reading: the weights, the model, a conversion.
    crate::budget::model_load(expected as u64).check(
        "loading this model",
        crate::budget::Limits::for_this_machine(),
    )?;
    // The size on disk first: a file of another size is not read at all.
    let on_disk = std::fs::metadata(&weights_path)
        .map_err(|e| EngineError::io("cannot read", &weights_path, e))?
        .len();
    let bytes = if on_disk == expected as u64 * 4 {
        read_bounded(&weights_path, MAX_WEIGHTS_BYTES)?
    } else {
        Vec::new()
    };
    if on_disk != expected as u64 * 4 || bytes.len() != expected * 4 {
        return Err(bad(format!(
            "weights.bin has {on_disk} bytes but the manifest describes {expected} weights ({} bytes): the file is truncated or not this model's",
            expected * 4
        )));
    }
    if hex(&Sha256::digest(&bytes)) != manifest.weights_sha256 {
        return Err(bad(
            "weights.bin does not match the checksum in model.json: it was modified or damaged"
                .into(),
        ));
    }
    let values: Vec<f32> = bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    if values.iter().any(|v| !v.is_finite()) {
        return Err(bad("the weights contain NaN or infinite values".into()));
    }
    Ok(values)
}

/// Reads at most `cap` bytes of a model file ([`crate::budget::read_bounded`]).
fn read_bounded(path: &Path, cap: u64) -> Result<Vec<u8>> {
    crate::budget::read_bounded(path, cap, &|| {
        EngineError::Artifact(format!(
            "{} is larger than the {} MiB a seqcast model file can be: it is not a saved \
             model's",
            path.display(),
            cap >> 20
        ))
    })
}

/// The manifest's configuration against its parameter list: the same number of
/// parameters, of the same shapes, so that building the model allocates only what the
/// weights hold. The message names the part of the configuration that disagrees.
fn check_shapes(manifest: &Manifest, shape: ModelShape) -> Result<(), String> {
    let m = &manifest.config.model;
    let listed = &manifest.params;
    let decoder = match (m.strategy, m.attention) {
        (crate::config::Strategy::Seq2seq, a) if !a.is_none() => {
            format!(", seq2seq with {} attention", a.name())
        }
        (crate::config::Strategy::Seq2seq, _) => ", seq2seq".to_string(),
        _ => String::new(),
    };
    let config = format!(
        "{} columns, {} targets, lookback {}, horizon {}, {} × {} layers{}{decoder}",
        shape.features,
        shape.targets,
        shape.lookback,
        shape.horizon,
        m.cell.name(),
        m.layers,
        if m.linear_skip { ", linear skip" } else { "" }
    );
    let expected = shape
        .param_shapes(m, listed.len())
        .filter(|e| e.len() == listed.len());
    let Some(expected) = expected else {
        return Err(format!(
            "model.json's configuration ({config}, hidden {}) does not describe the {} \
             parameters it lists (layers, linear skip, strategy or attention differ): the \
             manifest was modified or damaged",
            m.hidden,
            listed.len()
        ));
    };
    let directions = 1 + usize::from(m.bidirectional);
    let layers =
        (4 + usize::from(m.peephole) + 2 * usize::from(m.layer_norm)) * m.layers * directions;
    for (i, (want, entry)) in expected.iter().zip(listed).enumerate() {
        if *want == entry.shape {
            continue;
        }
        let part = if i < layers {
            format!(
                "the recurrent layers (hidden {}, {} columns)",
                m.hidden, shape.features
            )
        } else if i < layers + 2 {
            format!(
                "the output head (hidden {}, horizon {} × {} targets)",
                m.hidden, shape.horizon, shape.targets
            )
        } else {
            format!(
                "the linear skip (lookback {} × horizon {})",
                shape.lookback, shape.horizon
            )
        };
        return Err(format!(
            "model.json does not hold together: {part} needs '{}' of shape {want:?}, but the \
             manifest lists {:?} ({config}): the manifest was modified or damaged",
            entry.name, entry.shape
        ));
    }
    Ok(())
}

/// One scaler per column and per target level, each with a finite centre and a finite,
/// non-zero scale: anything else would turn every forecast into NaN or infinity.
fn check_scaling(scaling: &Scaling, columns: usize, targets: usize) -> Result<(), String> {
    if scaling.columns.len() != columns || scaling.levels.len() != targets {
        return Err(format!(
            "model.json has {} column scalers and {} level scalers for {columns} columns and \
             {targets} targets",
            scaling.columns.len(),
            scaling.levels.len()
        ));
    }
    let all = scaling.columns.iter().chain(&scaling.levels);
    if let Some(s) = all
        .into_iter()
        .find(|s| !(s.center.is_finite() && s.scale.is_finite() && s.scale != 0.0))
    {
        return Err(format!(
            "model.json has a scaler with centre {} and scale {}: the manifest was modified or \
             damaged",
            s.center, s.scale
        ));
    }
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[derive(Default)]
struct Collector {
    path: Vec<String>,
    params: Vec<ParamEntry>,
    values: Vec<f32>,
}

impl ModuleVisitor for Collector {
    fn enter_module(&mut self, name: &str, _: &str) {
        self.path.push(name.to_string());
    }
    fn exit_module(&mut self, _: &str, _: &str) {
        self.path.pop();
    }
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let tensor = param.val();
        self.params.push(ParamEntry {
            name: self.path.join("."),
            shape: tensor.dims().to_vec(),
        });
        self.values.extend(tensor.into_data().iter::<f32>());
    }
}

struct Loader<'a> {
    params: &'a [ParamEntry],
    values: &'a [f32],
    offset: usize,
    index: usize,
    path: Vec<String>,
    device: Device,
    error: Option<String>,
}

impl ModuleMapper for Loader<'_> {
    fn enter_module(&mut self, name: &str, _: &str) {
        self.path.push(name.to_string());
    }
    fn exit_module(&mut self, _: &str, _: &str) {
        self.path.pop();
    }
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let name = self.path.join(".");
        let index = self.index;
        self.index += 1;
        if self.error.is_some() {
            return param;
        }
        let dims = param.val().dims().to_vec();
        let Some(entry) = self.params.get(index) else {
            self.error = Some(format!("parameter '{name}' is missing from the manifest"));
            return param;
        };
        if entry.name != name || entry.shape != dims {
            self.error = Some(format!(
                "parameter {index} is '{}' {:?} in the file but '{name}' {dims:?} in a model with this config",
                entry.name, entry.shape
            ));
            return param;
        }
        let count: usize = dims.iter().product();
        let Some(slice) = self.values.get(self.offset..self.offset + count) else {
            self.error = Some(format!("weights end before parameter '{name}'"));
            return param;
        };
        self.offset += count;
        let tensor = Tensor::<D>::from_data(TensorData::new(slice.to_vec(), dims), &self.device);
        param.map(|_| tensor)
    }
}
