//! `bench`: milliseconds per training step of each model, then per live analysis of a drawing
//! and per part of it, on the CPU backend or on WebGPU (there with Burn's kernels and with
//! latent-lab's, the CPU beside).

use std::time::Instant;

use burn::tensor::Device;
use latent_engine::data::{Batch, Dataset, EpochBatches, Split, images_tensor};
use latent_engine::device::{self, Backend};
use latent_engine::infer::{self, Models};
use latent_engine::models::{Model, ModelKind, ModelOptions};
use latent_engine::readback::read;
use latent_engine::train::{AnyTrainer, Trainer};

use crate::args::Cli;
use crate::common::{CliResult, load_model, load_split, measure};

/// `bench`: the training steps of `models` (every model where none is named) unless only the
/// live analysis is asked for, then the live analysis, in each setup `backend` asks for.
pub fn bench(cli: &Cli, runs: Runs, live: bool, backend: Backend, models: &[ModelKind]) -> CliResult<()> {
    let setups = bench_setups(backend)?;
    if !live {
        let models = if models.is_empty() { &ModelKind::ALL[..] } else { models };
        bench_training(cli, runs, models, &setups)?;
    }
    bench_live(cli, runs, &setups)
}

/// How many runs a benchmark times, after how many untimed ones.
#[derive(Clone, Copy)]
pub struct Runs {
    pub timed: usize,
    pub warmup: usize,
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
            latent_engine::models::product::use_own_kernels(&self.device, own);
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
        let batch = Batch::of(train, &batches.next_indices(), device);
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
