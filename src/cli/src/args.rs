//! The command line: the options every command takes, and each command's arguments. The
//! choices (`--model`, `--dataset`, `--format`, `--precision`, `--backend`) are latent-core's
//! enums, whose names clap lists in `--help` and checks.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use latent_engine::data::DatasetKind;
use latent_engine::device::Backend;
use latent_engine::models::ModelKind;
use latent_engine::weights::Precision;
use latent_engine::weights::export::TorchFormat;

#[derive(Parser)]
#[command(
    name = "latent-lab",
    version,
    about = "Train, evaluate and sample latent-lab's AE, VAE, GAN and classifier on MNIST or Fashion-MNIST"
)]
pub struct Cli {
    /// Folder holding the datasets (mnist/, fashion-mnist/ with IDX .gz files).
    #[arg(long, global = true, default_value = "static/data")]
    pub data_dir: PathBuf,
    /// Folder holding the shipped weights and manifest.json (Fashion-MNIST's in its fashion/).
    #[arg(long, global = true, default_value = "pretrained")]
    pub pretrained: PathBuf,
    /// The dataset to train, evaluate and ship on.
    #[arg(long, global = true, default_value = "mnist")]
    pub dataset: DatasetKind,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Train one model and save its weights; prints test metrics after every epoch.
    Train {
        #[arg(long)]
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
        #[arg(long, ignore_case = true)]
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
        #[arg(long)]
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
        #[arg(long)]
        model: ModelKind,
        /// The .pth file written by torch.save(model.state_dict(), path).
        file: PathBuf,
        #[arg(long)]
        out: PathBuf,
    },
    /// Export a model for PyTorch: `pth` (the AE and the VAEs, loadable by the tutorial's own
    /// modules with load_state_dict) or `safetensors` (every model).
    Export {
        #[arg(long)]
        model: ModelKind,
        #[arg(long)]
        format: TorchFormat,
        /// A weight file, ours or the tutorial's .pth (default: the shipped model).
        #[arg(long)]
        weights: Option<PathBuf>,
        #[arg(long)]
        out: PathBuf,
    },
    /// Write samples of the GAN or a VAE as an IDX image file (and optionally a PNG grid).
    Samples {
        #[arg(long)]
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
        /// Where to time: the CPU backend, or the machine's GPU through wgpu.
        #[arg(long, default_value = "cpu")]
        backend: Backend,
        /// Only these models' training steps, by name, separated by commas (default: all).
        #[arg(long, value_delimiter = ',')]
        models: Vec<ModelKind>,
    },
}
