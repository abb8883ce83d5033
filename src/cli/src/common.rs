//! What the commands share: the datasets and shipped models where `--data-dir`, `--pretrained`
//! and `--dataset` say, loading a model, blocking on a measurement, weight files' headers.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use burn::tensor::Device;
use latent_engine::data::{Dataset, DatasetKind, Split};
use latent_engine::models::{Model, ModelKind, architecture_of};
use latent_engine::readback::{self, ReadbackError, block_on};
use latent_engine::train::eval;
use latent_engine::train::frechet::Gaussian;
use latent_engine::weights::{self, Precision, Provenance, load_file};

use crate::args::Cli;
use crate::files::read_file;

/// A command's outcome; its error is printed after `error: `.
pub type CliResult<T> = Result<T, String>;

pub fn load_split(cli: &Cli, kind: DatasetKind, split: Split) -> CliResult<Dataset> {
    Dataset::load(&cli.data_dir, kind, split).map_err(|e| e.to_string())
}

/// The folder of the chosen dataset's shipped models, as the site lays them out.
pub fn shipped_dir(cli: &Cli) -> PathBuf {
    let folder = Path::new(cli.dataset.pretrained_folder());
    cli.pretrained.join(folder.strip_prefix("pretrained").unwrap_or(folder))
}

pub fn pretrained_path(cli: &Cli, kind: ModelKind) -> PathBuf {
    shipped_dir(cli).join(format!("{}.llw", kind.name()))
}

/// Loads the model of `kind` from `path` (or the pretrained file); `path` may be one of our
/// weight files or the PyTorch tutorial's `.pth`.
pub fn load_model(cli: &Cli, kind: ModelKind, path: Option<&Path>, device: &Device) -> CliResult<Model> {
    let path = path.map(Path::to_path_buf).unwrap_or_else(|| pretrained_path(cli, kind));
    let bytes = read_file(&path)?;
    load_file(&bytes, Some(kind), device).map(|loaded| loaded.model).map_err(|e| format!("{}: {e}", path.display()))
}

/// Blocks on an async measurement (`train::eval`, the benchmark): the CPU backend answers at
/// once, wgpu natively once the device has run the work. A read-back fails only if the backend
/// does; its error becomes the command's.
pub fn measure<T>(future: impl std::future::Future<Output = Result<T, ReadbackError>>) -> CliResult<T> {
    block_on(future).map_err(|e| e.to_string())
}

/// The classifier that judges the GAN, and the test set's feature Gaussian it compares with.
pub fn judge_parts(cli: &Cli, test: &Dataset, device: &Device) -> CliResult<(Model, Gaussian)> {
    let classifier = load_model(cli, ModelKind::Classifier, None, device)?;
    let reference = measure(eval::reference_gaussian(classifier.classifier().expect("a classifier"), test, device))?;
    Ok((classifier, reference))
}

/// What a file without a header (the tutorial's .pth) says about itself: nothing trained here.
pub fn untrained(model: ModelKind) -> Provenance {
    Provenance {
        model,
        architecture: architecture_of(model),
        dataset: "mnist".into(),
        epochs: 0,
        steps: 0,
        seed: 0,
        metrics: BTreeMap::new(),
    }
}

/// A model's weights as a weight file.
pub fn encode(model: &Model, provenance: Provenance, precision: Precision) -> CliResult<Vec<u8>> {
    Ok(weights::encode(&measure(readback::named_tensors(model))?, provenance, precision))
}

/// Test metrics on one line: `name value, ...`.
pub fn describe_metrics(metrics: &BTreeMap<String, f64>) -> String {
    metrics.iter().map(|(n, v)| format!("{n} {v:.4}")).collect::<Vec<_>>().join(", ")
}
