//! The commands, their arguments and what each does.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use burn::tensor::Device;
use latent_engine::data::first_view::{AeCodes, CLOUD_POINTS, Examples, ae_codes_path, examples_path};
use latent_engine::data::idx::{self, IdxImages};
use latent_engine::data::images_tensor;
use latent_engine::data::{Batch, Dataset, DatasetKind, EpochBatches, IMAGE_PIXELS, IMAGE_SIDE, Split};
use latent_engine::device::{self, Backend};
use latent_engine::infer::{self, Models};
use latent_engine::models::gan::gan_noise;
use latent_engine::models::{Model, ModelKind, ModelOptions, architecture_of};
use latent_engine::readback::{self, ReadbackError, block_on, read, read_now};
use latent_engine::train::eval::{self, EVAL_SEED, Judge};
use latent_engine::train::frechet::Gaussian;
use latent_engine::train::{AnyTrainer, Trainer};
use latent_engine::weights::export::{TorchFormat, to_torch};
use latent_engine::weights::{self, Precision, Provenance, detect_model, load_file};

#[derive(Parser)]
#[command(
    name = "latent-lab",
    version,
    about = "Train, evaluate and sample latent-lab's AE, VAE, GAN and classifier on MNIST or Fashion-MNIST"
)]
struct Cli {
    /// Folder holding the datasets (mnist/, fashion-mnist/ with IDX .gz files).
    #[arg(long, global = true, default_value = "static/data")]
    data_dir: PathBuf,
    /// Folder holding the shipped weights and manifest.json (Fashion-MNIST's in its fashion/).
    #[arg(long, global = true, default_value = "pretrained")]
    pretrained: PathBuf,
    /// The dataset to train, evaluate and ship on: mnist or fashion.
    #[arg(long, global = true, default_value = "mnist", value_parser = parse_dataset)]
    dataset: DatasetKind,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Train one model and save its weights; prints test metrics after every epoch.
    Train {
        #[arg(long, value_parser = parse_model)]
        model: ModelKind,
        #[arg(long, default_value_t = 10)]
        epochs: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long, default_value_t = 128)]
        batch_size: usize,
        /// Where to write the weights (default: runs/<model>-<dataset>-e<epochs>-s<seed>.llw).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Continue from these weights instead of starting from scratch.
        #[arg(long)]
        from: Option<PathBuf>,
        /// Learning rate (default: the tutorial's, 1e-3; the GAN's 2e-4).
        #[arg(long)]
        lr: Option<f64>,
        /// VAE only: the size of its latent code (default: the tutorial's 20).
        #[arg(long)]
        latent: Option<usize>,
    },
    /// Train every shipped model with the pretrained schedule and rewrite the pretrained folder.
    TrainAll {
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Divide every schedule's epochs by this (for a quick trial of the whole pipeline).
        #[arg(long, default_value_t = 1)]
        shorten: usize,
    },
    /// Rewrite the pretrained folder's manifest.json and sample grids from its weight files.
    Manifest,
    /// Re-encode every pretrained weight file at another precision (the shipped files are q8),
    /// measuring each model's test metrics again for its header; `manifest` then records them.
    Quantize {
        #[arg(long, value_parser = parse_precision)]
        precision: Precision,
    },
    /// Evaluate the pretrained weights on the test set (of --dataset).
    Eval {
        /// Print one JSON object instead of a table.
        #[arg(long)]
        json: bool,
        /// Evaluate on the first N test images only.
        #[arg(long)]
        subset: Option<usize>,
        /// Use these weights (ours or the tutorial's .pth) instead of the pretrained ones for
        /// the model they are for; may be given more than once.
        #[arg(long)]
        weights: Vec<PathBuf>,
    },
    /// Reconstruct the images of an IDX file (gzip or not) and write them as an IDX file.
    /// The VAE decodes the mean of q(z|x), so its reconstructions are deterministic.
    /// --weights accepts our weight files and the tutorial's PyTorch .pth files.
    Reconstruct {
        #[arg(long, value_parser = parse_model)]
        model: ModelKind,
        #[arg(long)]
        images: PathBuf,
        #[arg(long)]
        out: PathBuf,
        /// A weight file, ours or the tutorial's PyTorch .pth (default: the pretrained one).
        #[arg(long)]
        weights: Option<PathBuf>,
    },
    /// Convert the PyTorch tutorial's state_dict (.pth) of the AE or the VAE into a latent-lab
    /// weight file, with its MNIST test metrics in the header.
    Import {
        #[arg(long, value_parser = parse_model)]
        model: ModelKind,
        /// The .pth file written by torch.save(model.state_dict(), path).
        file: PathBuf,
        #[arg(long)]
        out: PathBuf,
    },
    /// Export a model for PyTorch: `pth` (the AE and the VAEs, loadable by the tutorial's own
    /// modules with load_state_dict) or `safetensors` (every model).
    Export {
        #[arg(long, value_parser = parse_model)]
        model: ModelKind,
        #[arg(long, value_parser = parse_format)]
        format: TorchFormat,
        /// A weight file, ours or the tutorial's .pth (default: the shipped model).
        #[arg(long)]
        weights: Option<PathBuf>,
        #[arg(long)]
        out: PathBuf,
    },
    /// Write samples of the GAN or a VAE as an IDX image file (and optionally a PNG grid).
    Samples {
        #[arg(long, value_parser = parse_model)]
        model: ModelKind,
        #[arg(long, default_value_t = 64)]
        count: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// GAN only: the digit to draw (default: a random digit per sample).
        #[arg(long)]
        digit: Option<u8>,
        #[arg(long)]
        out: PathBuf,
        #[arg(long)]
        png: Option<PathBuf>,
        #[arg(long)]
        weights: Option<PathBuf>,
    },
    /// Milliseconds per training step (batch 128) for each model, then per live analysis of a
    /// drawing (the shipped models) and per part of it: on the CPU backend, or on the machine's
    /// GPU through wgpu (`--backend webgpu`, a build with `--features webgpu`), there each timing
    /// taken with Burn's kernels and with latent-lab's, and the live analysis on the CPU beside.
    Bench {
        #[arg(long, default_value_t = 30)]
        steps: usize,
        /// Untimed steps (and analyses) before the timed ones: the first compile a GPU's kernels.
        #[arg(long, default_value_t = 5)]
        warmup: usize,
        /// Only the live analysis.
        #[arg(long)]
        live: bool,
        /// cpu, or webgpu.
        #[arg(long, default_value = "cpu", value_parser = parse_backend)]
        backend: Backend,
        /// Only these models' training steps, by name, separated by commas (default: all).
        #[arg(long, value_parser = parse_model, value_delimiter = ',')]
        models: Vec<ModelKind>,
    },
}

fn parse_model(name: &str) -> Result<ModelKind, String> {
    ModelKind::parse(name).ok_or_else(|| format!("unknown model {name:?}: use ae, vae, vae2d, gan or classifier"))
}

fn parse_precision(name: &str) -> Result<Precision, String> {
    serde_json::from_value(serde_json::Value::String(name.to_lowercase()))
        .map_err(|_| format!("unknown precision {name:?}: use f32, f16 or q8"))
}

fn parse_format(name: &str) -> Result<TorchFormat, String> {
    TorchFormat::parse(name).ok_or_else(|| format!("unknown format {name:?}: use pth or safetensors"))
}

fn parse_backend(name: &str) -> Result<Backend, String> {
    match name {
        "cpu" => Ok(Backend::Cpu),
        "webgpu" => Ok(Backend::WebGpu),
        _ => Err(format!("unknown backend {name:?}: use cpu or webgpu")),
    }
}

fn parse_dataset(name: &str) -> Result<DatasetKind, String> {
    DatasetKind::parse(name).ok_or_else(|| format!("unknown dataset {name:?}: use mnist or fashion"))
}

type CliResult<T> = Result<T, String>;

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Train { model, epochs, seed, batch_size, ref out, ref from, lr, latent } => {
            let out = out.clone().unwrap_or_else(|| {
                PathBuf::from(format!("runs/{}-{}-e{epochs}-s{seed}.llw", model.name(), cli.dataset.name()))
            });
            let dataset = cli.dataset;
            let plan = TrainPlan { model, epochs, seed, dataset, batch_size, from: from.clone(), lr, latent };
            train_command(&cli, &plan, &out).map(|_| ())
        }
        Command::TrainAll { seed, shorten } => train_all(&cli, seed, shorten),
        Command::Manifest => write_manifest(&cli),
        Command::Quantize { precision } => quantize(&cli, precision),
        Command::Eval { json, subset, ref weights } => eval_command(&cli, json, subset, weights),
        Command::Reconstruct { model, ref images, ref out, ref weights } => {
            reconstruct(&cli, model, images, out, weights.as_deref())
        }
        Command::Samples { model, count, seed, digit, ref out, ref png, ref weights } => {
            samples(&cli, model, count, seed, digit, out, png.as_deref(), weights.as_deref())
        }
        Command::Bench { steps, warmup, live, backend, ref models } => {
            let runs = Runs { timed: steps, warmup };
            let models = if models.is_empty() { ModelKind::ALL.to_vec() } else { models.clone() };
            bench_setups(backend).and_then(|setups| {
                if live { Ok(()) } else { bench_training(&cli, runs, &models, &setups) }
                    .and_then(|()| bench_live(&cli, runs, &setups))
            })
        }
        Command::Import { model, ref file, ref out } => import(&cli, model, file, out),
        Command::Export { model, format, ref weights, ref out } => export_command(&cli, model, format, weights, out),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn load_split(cli: &Cli, kind: DatasetKind, split: Split) -> CliResult<Dataset> {
    Dataset::load(&cli.data_dir, kind, split).map_err(|e| e.to_string())
}

fn read_file(path: &Path) -> CliResult<Vec<u8>> {
    std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn write_file(path: &Path, bytes: &[u8]) -> CliResult<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    std::fs::write(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// The folder of the chosen dataset's shipped models, as the site lays them out.
fn shipped_dir(cli: &Cli) -> PathBuf {
    let folder = Path::new(cli.dataset.pretrained_folder());
    cli.pretrained.join(folder.strip_prefix("pretrained").unwrap_or(folder))
}

fn pretrained_path(cli: &Cli, kind: ModelKind) -> PathBuf {
    shipped_dir(cli).join(format!("{}.llw", kind.name()))
}

/// Loads the model of `kind` from `path` (or the pretrained file); `path` may be one of our
/// weight files or the PyTorch tutorial's `.pth`.
fn load_model(cli: &Cli, kind: ModelKind, path: Option<&Path>, device: &Device) -> CliResult<Model> {
    let path = path.map(Path::to_path_buf).unwrap_or_else(|| pretrained_path(cli, kind));
    let bytes = read_file(&path)?;
    load_file(&bytes, Some(kind), device).map(|loaded| loaded.model).map_err(|e| format!("{}: {e}", path.display()))
}

/// A read-back on the CPU, named as a CLI error (it fails only if the backend does).
fn measured<T>(result: Result<T, ReadbackError>) -> CliResult<T> {
    result.map_err(|e| e.to_string())
}

/// Blocks on an async measurement (`train::eval`, the benchmark): the CPU backend answers at
/// once, wgpu natively once the device has run the work.
fn measure<T>(future: impl std::future::Future<Output = Result<T, ReadbackError>>) -> CliResult<T> {
    measured(block_on(future))
}

/// The classifier that judges the GAN, and the test set's feature Gaussian it compares with.
fn judge_parts(cli: &Cli, test: &Dataset, device: &Device) -> CliResult<(Model, Gaussian)> {
    let classifier = load_model(cli, ModelKind::Classifier, None, device)?;
    let reference = measure(eval::reference_gaussian(classifier.classifier().expect("a classifier"), test, device))?;
    Ok((classifier, reference))
}

struct TrainPlan {
    model: ModelKind,
    epochs: usize,
    seed: u64,
    dataset: DatasetKind,
    batch_size: usize,
    from: Option<PathBuf>,
    lr: Option<f64>,
    /// The VAE's latent size (None: the tutorial's).
    latent: Option<usize>,
}

/// Trains one model per the plan, evaluating after each epoch; writes the weights to `out`.
fn train_command(cli: &Cli, plan: &TrainPlan, out: &Path) -> CliResult<BTreeMap<String, f64>> {
    let device = device::cpu(plan.seed);
    // The model first: a bad --from or --latent is reported before the data loads.
    let (model, earlier_epochs, earlier_steps) = match &plan.from {
        None => (fresh_model(plan, &device)?, 0, 0),
        Some(_) if plan.latent.is_some() => {
            return Err("--latent is for a model trained from scratch; --from keeps its file's latent size".into());
        }
        Some(path) => {
            let loaded = load_file(&read_file(path)?, Some(plan.model), &device)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            let provenance = loaded.provenance.unwrap_or_else(|| untrained(plan.model));
            (loaded.model, provenance.epochs, provenance.steps)
        }
    };
    let mut trainer = AnyTrainer::new(model, &device);
    if let Some(lr) = plan.lr {
        trainer.retune(trainer.settings().with_learning_rate(lr)).map_err(|e| e.to_string())?;
    }
    let train = load_split(cli, plan.dataset, Split::Train)?;
    let test = load_split(cli, plan.dataset, Split::Test)?;
    let judge = if plan.model == ModelKind::Gan && plan.dataset == cli.dataset {
        judge_parts(cli, &test, &device).ok()
    } else {
        None
    };
    let judge = judge.as_ref().map(|(classifier, reference)| Judge {
        classifier: classifier.classifier().expect("a classifier"),
        reference,
        samples: 10_000,
    });
    let mut batches = EpochBatches::new(train.len(), plan.batch_size, plan.seed);
    let names = trainer.metric_names();
    let mut metrics = BTreeMap::new();
    let mut steps = earlier_steps;
    for epoch in 1..=plan.epochs {
        let bar =
            progress_bar(batches.batches_per_epoch(), &format!("{} epoch {epoch}/{}", plan.model.name(), plan.epochs));
        let started = Instant::now();
        let mut sums = vec![0.0f64; names.len()];
        for step in 0..batches.batches_per_epoch() {
            let batch = Batch::of(&train, &batches.next_indices(), &device);
            let values = read_now(trainer.step(&batch));
            if values.iter().any(|v| !v.is_finite()) {
                return Err(format!("the loss became {values:?} at epoch {epoch}, step {step}: training stopped"));
            }
            sums.iter_mut().zip(&values).for_each(|(s, v)| *s += *v as f64);
            steps += 1;
            let rate = (step + 1) as f64 / started.elapsed().as_secs_f64();
            bar.set_message(format!("{} | {rate:.1} steps/s", describe(names, &values)));
            bar.inc(1);
        }
        bar.finish_and_clear();
        let means: Vec<f32> = sums.iter().map(|s| (*s / batches.batches_per_epoch() as f64) as f32).collect();
        metrics = measure(eval::metrics(&trainer.model(), &test, judge.as_ref(), &device))?;
        println!(
            "{} epoch {epoch}/{}: train {} | test {} | {:.1}s",
            plan.model.name(),
            plan.epochs,
            describe(names, &means),
            describe_metrics(&metrics),
            started.elapsed().as_secs_f64()
        );
    }
    let model = trainer.model();
    let provenance = Provenance {
        model: plan.model,
        architecture: model.architecture(),
        dataset: plan.dataset.name().to_string(),
        epochs: earlier_epochs + plan.epochs,
        steps,
        seed: plan.seed,
        metrics: metrics.clone(),
    };
    write_file(out, &encode(&model, provenance, Precision::F16)?)?;
    println!("wrote {}", out.display());
    Ok(metrics)
}

/// What a file without a header (the tutorial's .pth) says about itself: nothing trained here.
fn untrained(model: ModelKind) -> Provenance {
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
fn encode(model: &Model, provenance: Provenance, precision: Precision) -> CliResult<Vec<u8>> {
    Ok(weights::encode(&measure(readback::named_tensors(model))?, provenance, precision))
}

/// A freshly initialised model per the plan; `--latent` is the VAE's to choose.
fn fresh_model(plan: &TrainPlan, device: &Device) -> CliResult<Model> {
    let options = match (plan.model, plan.latent) {
        (_, None) => ModelOptions::default(),
        (ModelKind::Vae, Some(latent)) => ModelOptions { vae_latent: latent },
        (model, Some(_)) => {
            return Err(format!("--latent is for --model vae; the {} model's size is fixed", model.name()));
        }
    };
    Model::fresh(plan.model, &options, device).map_err(|e| format!("--latent {}: {e}", options.vae_latent))
}

fn progress_bar(len: usize, prefix: &str) -> ProgressBar {
    let bar = ProgressBar::new(len as u64);
    bar.set_style(
        ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {msg}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar.set_prefix(prefix.to_string());
    bar
}

fn describe(names: &[&str], values: &[f32]) -> String {
    names.iter().zip(values).map(|(n, v)| format!("{n} {v:.4}")).collect::<Vec<_>>().join(", ")
}

fn describe_metrics(metrics: &BTreeMap<String, f64>) -> String {
    metrics.iter().map(|(n, v)| format!("{n} {v:.4}")).collect::<Vec<_>>().join(", ")
}

/// Epochs of the shipped models: longer than the tutorial's 10 so that they beat it.
const PRETRAIN_SCHEDULE: [(ModelKind, usize); 5] = [
    (ModelKind::Classifier, 6),
    (ModelKind::Ae, 100),
    (ModelKind::Vae, 50),
    (ModelKind::Vae2d, 50),
    (ModelKind::Gan, 10),
];

/// A second stage at a tenth of the learning rate, from the first stage's weights: the 3-D
/// autoencoder keeps improving there (test MSE 0.0322 -> 0.0297 measured) where 1e-3 stalls.
const FINE_TUNE: [(ModelKind, usize, f64); 1] = [(ModelKind::Ae, 20, 1e-4)];

/// Test images whose metrics the manifest also records, for a quick check that files load right.
pub const MANIFEST_SUBSET: usize = 1000;

fn train_all(cli: &Cli, seed: u64, shorten: usize) -> CliResult<()> {
    let plan = |model: ModelKind, epochs: usize| TrainPlan {
        model,
        epochs: (epochs / shorten.max(1)).max(1),
        seed,
        dataset: cli.dataset,
        batch_size: 128,
        from: None,
        lr: None,
        latent: None,
    };
    for (kind, epochs) in PRETRAIN_SCHEDULE {
        train_command(cli, &plan(kind, epochs), &pretrained_path(cli, kind))?;
    }
    for (kind, epochs, lr) in FINE_TUNE {
        let path = pretrained_path(cli, kind);
        let fine_tune = TrainPlan { from: Some(path.clone()), lr: Some(lr), ..plan(kind, epochs) };
        train_command(cli, &fine_tune, &path)?;
    }
    write_manifest(cli)
}

/// Describes the pretrained folder's weight files in manifest.json (from their headers, plus
/// checksums and metrics on a test subset) and redraws the sample grids.
fn write_manifest(cli: &Cli) -> CliResult<()> {
    let device = device::cpu(EVAL_SEED);
    let test = load_split(cli, cli.dataset, Split::Test)?;
    let subset = test.first(MANIFEST_SUBSET);
    let (classifier, reference) = judge_parts(cli, &subset, &device)?;
    let judge = Judge {
        classifier: classifier.classifier().expect("a classifier"),
        reference: &reference,
        samples: MANIFEST_SUBSET,
    };
    let mut models = Vec::new();
    for (kind, _) in PRETRAIN_SCHEDULE {
        let path = pretrained_path(cli, kind);
        let bytes = read_file(&path)?;
        let file = weights::WeightFile::decode(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
        let provenance = &file.header.provenance;
        models.push(serde_json::json!({
            "model": kind.name(),
            "file": path.file_name().and_then(|f| f.to_str()),
            "architecture": provenance.architecture,
            "dataset": provenance.dataset,
            "epochs": provenance.epochs,
            "steps": provenance.steps,
            "seed": provenance.seed,
            "precision": file.header.precision,
            "bytes": bytes.len(),
            "sha256": weights::sha256_hex(&bytes),
            "test_metrics": provenance.metrics,
            "subset_metrics": measure(eval::metrics(&load_model(cli, kind, None, &device)?, &subset, Some(&judge), &device))?,
        }));
    }
    let manifest = serde_json::json!({
        "subset_size": MANIFEST_SUBSET,
        "eval_seed": EVAL_SEED,
        "models": models,
    });
    write_file(&shipped_dir(cli).join("manifest.json"), serde_json::to_string_pretty(&manifest).unwrap().as_bytes())?;
    write_sample_grids(cli, &test, &device)?;
    write_first_view(cli, &test, &device)?;
    println!("wrote {}/manifest.json", shipped_dir(cli).display());
    Ok(())
}

fn quantize(cli: &Cli, precision: Precision) -> CliResult<()> {
    let device = device::cpu(EVAL_SEED);
    let test = load_split(cli, cli.dataset, Split::Test)?;
    // The GAN is judged by the classifier as it was, so that its figures compare with before.
    let (classifier, reference) = judge_parts(cli, &test, &device)?;
    let judge = Judge {
        classifier: classifier.classifier().expect("a classifier"),
        reference: &reference,
        samples: test.len(),
    };
    for (kind, _) in PRETRAIN_SCHEDULE {
        let path = pretrained_path(cli, kind);
        let file = weights::WeightFile::decode(&read_file(&path)?).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut provenance = file.header.provenance.clone();
        let requantized = weights::encode(&file.tensors, provenance.clone(), precision);
        let model = load_file(&requantized, Some(kind), &device).map_err(|e| e.to_string())?.model;
        provenance.metrics = measure(eval::metrics(&model, &test, Some(&judge), &device))?;
        println!(
            "{}: {:?} -> {precision:?}: {}",
            kind.name(),
            file.header.precision,
            describe_metrics(&provenance.metrics)
        );
        write_file(&path, &weights::encode(&file.tensors, provenance, precision))?;
    }
    println!("now run `latent-lab manifest` to record them");
    Ok(())
}

/// The page's first view (`latent_core::data::first_view`): example digits, the shipped AE's codes.
fn write_first_view(cli: &Cli, test: &Dataset, device: &Device) -> CliResult<()> {
    let examples = serde_json::to_vec(&Examples::from_test_set(test)).expect("examples serialise");
    write_file(&cli.data_dir.join(examples_path(cli.dataset).trim_start_matches("static/data/")), &examples)?;
    let cloud = test.first(CLOUD_POINTS);
    let pixels = cloud.pixels_unit(&(0..cloud.len()).collect::<Vec<_>>());
    let ae = load_model(cli, ModelKind::Ae, None, device)?;
    let codes = measure(latent_engine::infer::encode_codes(ae.ae().expect("an AE"), pixels, device))?;
    let sha = weights::sha256_hex(&read_file(&pretrained_path(cli, ModelKind::Ae))?);
    let codes = AeCodes::new(sha, cloud.labels().to_vec(), &codes);
    let path = cli.pretrained.join(ae_codes_path(cli.dataset).trim_start_matches("pretrained/"));
    write_file(&path, &serde_json::to_vec(&codes).expect("codes serialise"))
}

/// Sample grids like the tutorial's `mlp_img/` and `vae_img/`: reconstructions and samples.
fn write_sample_grids(cli: &Cli, test: &Dataset, device: &burn::tensor::Device) -> CliResult<()> {
    let first: Vec<usize> = (0..64).collect();
    let originals = test.pixels_unit(&first);
    let ae_out = reconstruct_with(&load_model(cli, ModelKind::Ae, None, device)?, originals.clone(), device)?;
    let vae = load_model(cli, ModelKind::Vae, None, device)?;
    let vae_out = reconstruct_with(&vae, originals.clone(), device)?;
    let gan = load_model(cli, ModelKind::Gan, None, device)?;
    let digits: Vec<u8> = (0..100).map(|i| (i / 10) as u8).collect();
    let gan_out = measure(eval::generate(&gan.gan().expect("a GAN").generator, &gan_noise(100, 7), &digits, device))?;
    let vae_samples = measure(eval::vae_samples(vae.vae().expect("a VAE"), 64, 7, device))?;
    let grids = [
        ("test_originals.png", originals, 8),
        ("ae_reconstructions.png", ae_out, 8),
        ("vae_reconstructions.png", vae_out, 8),
        ("vae_samples.png", vae_samples, 8),
        ("gan_samples.png", gan_out, 10),
    ];
    for (name, pixels, columns) in grids {
        write_png_grid(&shipped_dir(cli).join(name), &pixels, columns)?;
    }
    Ok(())
}

fn eval_command(cli: &Cli, json: bool, subset: Option<usize>, overrides: &[PathBuf]) -> CliResult<()> {
    let device = device::cpu(EVAL_SEED);
    let mut test = load_split(cli, cli.dataset, Split::Test)?;
    if let Some(n) = subset {
        test = test.first(n);
    }
    let mut chosen: BTreeMap<ModelKind, &Path> = BTreeMap::new();
    for path in overrides {
        let kind = detect_model(&read_file(path)?).map_err(|e| format!("{}: {e}", path.display()))?;
        chosen.insert(kind, path);
    }
    let model = |kind: ModelKind| load_model(cli, kind, chosen.get(&kind).copied(), &device);
    let classifier = model(ModelKind::Classifier)?;
    let classifier = classifier.classifier().expect("a classifier");
    let reference = measure(eval::reference_gaussian(classifier, &test, &device))?;
    let samples = test.len();
    let judge = Judge { classifier, reference: &reference, samples };
    let mut metrics = BTreeMap::new();
    for kind in [ModelKind::Ae, ModelKind::Vae, ModelKind::Vae2d, ModelKind::Classifier, ModelKind::Gan] {
        metrics.extend(measure(eval::metrics(&model(kind)?, &test, Some(&judge), &device))?);
    }
    let vae = model(ModelKind::Vae)?;
    let vae_samples = measure(eval::vae_samples(vae.vae().expect("a VAE"), samples, EVAL_SEED, &device))?;
    let vae_frechet = measure(eval::frechet_to(classifier, &vae_samples, &reference, &device))?;
    let fractions: Vec<f64> = (0..10).map(|c| metrics[&format!("gan_class_fraction_{c}")]).collect();
    let report = serde_json::json!({
        "ae_test_mse": metrics["ae_test_mse"],
        "vae_test_loss": metrics["vae_test_loss"],
        "vae_test_recon": metrics["vae_test_recon"],
        "vae_test_kl": metrics["vae_test_kl"],
        "vae2d_test_loss": metrics["vae2d_test_loss"],
        "classifier_test_accuracy": metrics["classifier_test_accuracy"],
        "gan_class_fractions": fractions,
        "gan_conditional_agreement": metrics["gan_conditional_agreement"],
        "gan_frechet": metrics["gan_frechet"],
        "vae_frechet": vae_frechet,
        "test_images": test.len(),
    });
    if json {
        println!("{report}");
    } else {
        for (key, value) in report.as_object().expect("an object") {
            println!("{key:28} {value}");
        }
    }
    Ok(())
}

fn reconstruct(cli: &Cli, kind: ModelKind, images: &Path, out: &Path, weights: Option<&Path>) -> CliResult<()> {
    let device = device::cpu(EVAL_SEED);
    let input = idx::decode_images(&read_file(images)?).map_err(|e| format!("{}: {e}", images.display()))?;
    if (input.rows, input.cols) != (IMAGE_SIDE, IMAGE_SIDE) {
        return Err(format!("{}: images are {}x{}, expected 28x28", images.display(), input.rows, input.cols));
    }
    let pixels: Vec<f32> = input.pixels.iter().map(|&p| p as f32 / 255.0).collect();
    let model = match kind {
        ModelKind::Ae | ModelKind::Vae | ModelKind::Vae2d => load_model(cli, kind, weights, &device)?,
        _ => return Err("reconstruct works with --model ae, vae or vae2d".into()),
    };
    let mut output = Vec::with_capacity(pixels.len());
    for chunk in pixels.chunks(1000 * IMAGE_PIXELS) {
        output.extend(reconstruct_with(&model, chunk.to_vec(), &device)?);
    }
    write_idx(out, &output)
}

/// Reconstructions (pixels in [0, 1]) by the AE, or by a VAE decoding its mean (deterministic).
fn reconstruct_with(model: &Model, pixels: Vec<f32>, device: &Device) -> CliResult<Vec<f32>> {
    let images = images_tensor(pixels, device);
    match model {
        Model::Ae(ae) => Ok(read_now(ae.reconstruct_pixels(images))),
        Model::Vae(vae) | Model::Vae2d(vae) => Ok(read_now(vae.reconstruct_mean(images))),
        other => Err(format!("the {} does not reconstruct images", other.kind().name())),
    }
}

fn to_bytes(pixels: &[f32]) -> Vec<u8> {
    pixels.iter().map(|&p| (p.clamp(0.0, 1.0) * 255.0).round() as u8).collect()
}

fn write_idx(out: &Path, pixels: &[f32]) -> CliResult<()> {
    let images =
        IdxImages { count: pixels.len() / IMAGE_PIXELS, rows: IMAGE_SIDE, cols: IMAGE_SIDE, pixels: to_bytes(pixels) };
    write_file(out, &idx::encode_images(&images))?;
    println!("wrote {} images to {}", images.count, out.display());
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn samples(
    cli: &Cli,
    kind: ModelKind,
    count: usize,
    seed: u64,
    digit: Option<u8>,
    out: &Path,
    png: Option<&Path>,
    weights: Option<&Path>,
) -> CliResult<()> {
    let device = device::cpu(seed);
    if digit.is_some_and(|d| d > 9) {
        return Err("--digit must be 0-9".into());
    }
    let pixels = match kind {
        ModelKind::Gan => {
            let gan = load_model(cli, kind, weights, &device)?;
            measure(eval::gan_samples(&gan.gan().expect("a GAN").generator, count, digit, seed, &device))?
        }
        ModelKind::Vae | ModelKind::Vae2d if digit.is_none() => {
            let vae = load_model(cli, kind, weights, &device)?;
            measure(eval::vae_samples(vae.vae().expect("a VAE"), count, seed, &device))?
        }
        ModelKind::Vae | ModelKind::Vae2d => return Err("--digit needs the conditional GAN (--model gan)".into()),
        _ => return Err("samples works with --model gan, vae or vae2d".into()),
    };
    write_idx(out, &pixels)?;
    if let Some(png) = png {
        write_png_grid(png, &pixels, (count as f64).sqrt().ceil() as usize)?;
    }
    Ok(())
}

/// Writes images as one grey PNG, `columns` a row, with a 2-pixel gap.
fn write_png_grid(path: &Path, pixels: &[f32], columns: usize) -> CliResult<()> {
    const GAP: usize = 2;
    let count = pixels.len() / IMAGE_PIXELS;
    let rows = count.div_ceil(columns.max(1));
    let width = columns * (IMAGE_SIDE + GAP) + GAP;
    let height = rows * (IMAGE_SIDE + GAP) + GAP;
    let mut canvas = vec![40u8; width * height];
    for (i, image) in to_bytes(pixels).chunks_exact(IMAGE_PIXELS).enumerate() {
        let (top, left) = (GAP + (i / columns) * (IMAGE_SIDE + GAP), GAP + (i % columns) * (IMAGE_SIDE + GAP));
        for y in 0..IMAGE_SIDE {
            let row = &image[y * IMAGE_SIDE..(y + 1) * IMAGE_SIDE];
            canvas[(top + y) * width + left..(top + y) * width + left + IMAGE_SIDE].copy_from_slice(row);
        }
    }
    let mut bytes = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut bytes, width as u32, height as u32);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
        writer.write_image_data(&canvas).map_err(|e| e.to_string())?;
    }
    write_file(path, &bytes)?;
    println!("wrote {}", path.display());
    Ok(())
}

/// How many runs a benchmark times, after how many untimed ones.
#[derive(Clone, Copy)]
struct Runs {
    timed: usize,
    warmup: usize,
}

/// One column of the benchmark: a device and, on WebGPU, whose kernels it takes.
struct Setup {
    label: &'static str,
    device: Device,
    /// On WebGPU: whether with latent-lab's kernels (`models::product::use_own_kernels`).
    own_kernels: Option<bool>,
}

impl Setup {
    fn cpu() -> Self {
        Self { label: "CPU (Flex)", device: device::cpu(1), own_kernels: None }
    }

    /// Makes WebGPU work take this setup's kernels from now on.
    fn select(&self) {
        if let Some(own) = self.own_kernels {
            latent_engine::models::product::use_own_kernels(own);
        }
    }
}

/// The columns `--backend` asks for: the CPU, or WebGPU with Burn's kernels and with ours.
fn bench_setups(backend: Backend) -> CliResult<Vec<Setup>> {
    match backend {
        Backend::Cpu => {
            let threads = std::env::var("RAYON_NUM_THREADS").unwrap_or_else(|_| "all cores".into());
            println!("CPU backend (Flex), threads: {threads}");
            Ok(vec![Setup::cpu()])
        }
        Backend::WebGpu => webgpu_setups(),
    }
}

fn webgpu_setups() -> CliResult<Vec<Setup>> {
    let (gpu, adapter, name) = device::webgpu_native()?;
    gpu.seed(1);
    let default = if adapter == device::Adapter::Software { "latent-lab's" } else { "Burn's" };
    println!("WebGPU through wgpu on {name}; the page would take {default} kernels on it");
    let on_gpu = |label, own| Setup { label, device: gpu.clone(), own_kernels: Some(own) };
    Ok(vec![on_gpu("WebGPU, Burn's kernels", false), on_gpu("WebGPU, latent-lab's", true)])
}

/// A table's header: the first column's name, then a column per setup.
fn print_header<'a>(first: &str, setups: impl IntoIterator<Item = &'a Setup>) {
    let columns: Vec<String> = setups.into_iter().map(|setup| format!("{:>24}", setup.label)).collect();
    println!("{first:40}{}", columns.join(""));
}

/// Median milliseconds per training step (batch 128) of each model in each setup.
fn bench_training(cli: &Cli, runs: Runs, models: &[ModelKind], setups: &[Setup]) -> CliResult<()> {
    let train = load_split(cli, cli.dataset, Split::Train)?;
    println!(
        "\ntraining, batch 128, {} timed steps after {} warm-up steps, median ms per step",
        runs.timed, runs.warmup
    );
    print_header("model", setups);
    for &kind in models {
        let mut line = format!("{:40}", kind.name());
        for setup in setups {
            setup.select();
            line += &format!("{:>24.2}", median(&time_training(kind, &train, runs, &setup.device)?));
        }
        println!("{line}");
    }
    Ok(())
}

/// Milliseconds per training step of a fresh `kind`, after the warm-up steps.
fn time_training(kind: ModelKind, train: &Dataset, runs: Runs, device: &Device) -> CliResult<Vec<f64>> {
    let model = Model::fresh(kind, &ModelOptions::default(), device).map_err(|e| e.to_string())?;
    let mut trainer = AnyTrainer::new(model, device);
    let mut batches = EpochBatches::new(train.len(), 128, 1);
    let mut times = Vec::with_capacity(runs.timed);
    for step in 0..runs.timed + runs.warmup {
        let batch = Batch::of(&train, &batches.next_indices(), device);
        let started = Instant::now();
        measure(read(trainer.step(&batch)))?;
        if step >= runs.warmup {
            times.push(started.elapsed().as_secs_f64() * 1e3);
        }
    }
    Ok(times)
}

/// The page's live analysis of one drawing with the shipped models (what the inference worker
/// runs per frame: `infer::analyse_drawing`), and the classifier's share of it, on test images,
/// in each setup; on WebGPU the CPU's beside it (Auto's choice for live work is between the two).
fn bench_live(cli: &Cli, runs: Runs, setups: &[Setup]) -> CliResult<()> {
    let test = load_split(cli, cli.dataset, Split::Test)?;
    let drawings: Vec<Vec<f32>> = (0..runs.timed + runs.warmup).map(|i| test.pixels_unit(&[i % test.len()])).collect();
    let cpu_beside = setups.iter().any(|setup| setup.own_kernels.is_some()).then(Setup::cpu);
    let setups: Vec<&Setup> = setups.iter().chain(&cpu_beside).collect();
    let mut columns = Vec::new();
    for setup in &setups {
        setup.select();
        columns.push(time_live(cli, &drawings, runs.warmup, &setup.device)?);
    }
    println!(
        "\nlive analysis of a drawing (shipped models), {} timed runs after {}, median ms",
        runs.timed, runs.warmup
    );
    print_header("", setups.iter().copied());
    for (row, what) in LIVE_PARTS.iter().enumerate() {
        let cells: Vec<String> = columns.iter().map(|live| format!("{:>24.3}", median(&live.times[row]))).collect();
        println!("{what:40}{}", cells.join(""));
    }
    if let (Some(cpu), true) = (columns.last(), cpu_beside.is_some()) {
        // The kernels are tested against Burn's on SwiftShader; this checks them on this adapter.
        let differences: Vec<f32> =
            columns.iter().map(|live| largest_difference(&live.outputs, &cpu.outputs)).collect();
        let cells: Vec<String> = differences.iter().map(|d| format!("{d:>24.1e}")).collect();
        println!("{:40}{}", "outputs: largest difference from the CPU", cells.join(""));
        if differences.iter().any(|d| *d > AGREEMENT) {
            return Err(format!("on this adapter the outputs differ from the CPU's by more than {AGREEMENT}"));
        }
    }
    Ok(())
}

/// How far a live analysis's reconstructions and codes on WebGPU may be from the CPU's (which
/// computes with the weights' 8-bit rows, exactly the values the GPU gets as f32): rounding
/// alone, about 2e-6 on SwiftShader.
const AGREEMENT: f32 = 1e-3;

/// The largest absolute difference between two runs of values, infinite where their lengths
/// differ or a value is not a number.
fn largest_difference(a: &[f32], b: &[f32]) -> f32 {
    if a.len() != b.len() {
        return f32::INFINITY;
    }
    let difference = |(x, y): (&f32, &f32)| if (x - y).is_nan() { f32::INFINITY } else { (x - y).abs() };
    a.iter().zip(b).map(difference).fold(0.0, f32::max)
}

/// A setup's times for each of [`LIVE_PARTS`], and the first drawing's reconstructions and codes.
struct LiveTimes {
    times: [Vec<f64>; 3],
    outputs: Vec<f32>,
}

/// The rows of the live analysis's table, in [`time_live`]'s order.
const LIVE_PARTS: [&str; 3] =
    ["whole analysis (AE, VAE, 2-D VAE, labels)", "classifier, one image", "classifier, three images in one batch"];

/// Milliseconds of the whole live analysis, then of the classifier on one and on three images,
/// with the shipped models on `device`.
fn time_live(cli: &Cli, drawings: &[Vec<f32>], warmup: usize, device: &Device) -> CliResult<LiveTimes> {
    let mut models = Models::default();
    for kind in [ModelKind::Classifier, ModelKind::Ae, ModelKind::Vae, ModelKind::Vae2d] {
        models.insert(load_model(cli, kind, None, device)?);
    }
    let classifier = models.classifier().ok_or("no classifier")?;
    let classify = |n: usize| {
        timed_runs(drawings, warmup, |pixels| {
            measure(read(classifier.forward(images_tensor(pixels.repeat(n), device)))).map(drop)
        })
    };
    let analyse = |pixels: &[f32]| measure(infer::analyse_drawing(&models, pixels, device));
    let whole = timed_runs(drawings, warmup, |pixels| analyse(pixels).map(drop))?;
    let first = analyse(&drawings[0])?;
    let outputs =
        [first.ae_reconstruction.map(|f| f.0), first.vae_reconstruction.map(|f| f.0), first.ae_code, first.vae_mean]
            .into_iter()
            .flatten()
            .flatten()
            .collect();
    Ok(LiveTimes { times: [whole, classify(1)?, classify(3)?], outputs })
}

/// Milliseconds of `run` on each input after the first `warmup`.
fn timed_runs(inputs: &[Vec<f32>], warmup: usize, run: impl Fn(&[f32]) -> CliResult<()>) -> CliResult<Vec<f64>> {
    let mut times = Vec::with_capacity(inputs.len());
    for (i, input) in inputs.iter().enumerate() {
        let started = Instant::now();
        run(input)?;
        if i >= warmup {
            times.push(started.elapsed().as_secs_f64() * 1e3);
        }
    }
    Ok(times)
}

fn median(times: &[f64]) -> f64 {
    let mut sorted = times.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[sorted.len() / 2]
}

fn import(cli: &Cli, kind: ModelKind, file: &Path, out: &Path) -> CliResult<()> {
    if !matches!(kind, ModelKind::Ae | ModelKind::Vae) {
        return Err("the tutorial's .pth files hold the AE or the VAE: use --model ae or vae".into());
    }
    let device = device::cpu(EVAL_SEED);
    let test = load_split(cli, cli.dataset, Split::Test)?;
    let model = load_model(cli, kind, Some(file), &device)?;
    let metrics = measure(eval::metrics(&model, &test, None, &device))?;
    // Full precision: it is the person's own model.
    let provenance = Provenance { architecture: model.architecture(), metrics: metrics.clone(), ..untrained(kind) };
    write_file(out, &encode(&model, provenance, Precision::F32)?)?;
    println!("imported {} into {} | test {}", file.display(), out.display(), describe_metrics(&metrics));
    Ok(())
}

fn export_command(
    cli: &Cli,
    kind: ModelKind,
    format: TorchFormat,
    from: &Option<PathBuf>,
    out: &Path,
) -> CliResult<()> {
    let path = from.clone().unwrap_or_else(|| pretrained_path(cli, kind));
    let failed = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
    let file = weights::read_file(&read_file(&path)?, Some(kind)).map_err(|e| failed(&e))?;
    if file.kind != kind {
        return Err(format!("{} holds the {}, not the {}", path.display(), file.kind.name(), kind.name()));
    }
    let exported = to_torch(kind, &file.tensors, format).map_err(|e| failed(&e))?;
    write_file(out, &exported)?;
    println!("exported the {} of {} as {} ({} bytes)", kind.name(), path.display(), out.display(), exported.len());
    Ok(())
}
