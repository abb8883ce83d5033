//! latent-lab's command-line trainer: trains the models, evaluates them, writes `pretrained/`,
//! reconstructs and samples images, and benchmarks training steps. Native only: in the browser
//! the playground (latent-page) is the front end.
//!
//! `args` is the command line; each command has a module of its own (`train` holds `train` and
//! `train-all`); `common` and `files` are what they share.

mod args;
mod bench;
mod common;
mod eval;
mod export;
mod files;
mod import;
mod manifest;
mod quantize;
mod reconstruct;
mod samples;
mod train;

use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Train { model, epochs, seed, batch_size, ref out, ref from, lr, latent } => {
            let dataset = cli.dataset;
            let plan = train::TrainPlan { model, epochs, seed, dataset, batch_size, from: from.clone(), lr, latent };
            train::train(&cli, &plan, out.as_deref())
        }
        Command::TrainAll { seed, shorten } => train::train_all(&cli, seed, shorten),
        Command::Manifest => manifest::write_manifest(&cli),
        Command::Quantize { precision } => quantize::quantize(&cli, precision),
        Command::Eval { json, subset, ref weights } => eval::eval_command(&cli, json, subset, weights),
        Command::Reconstruct { model, ref images, ref out, ref weights } => {
            reconstruct::reconstruct(&cli, model, images, out, weights.as_deref())
        }
        Command::Samples { model, count, seed, digit, ref out, ref png, ref weights } => {
            samples::samples(&cli, model, count, seed, digit, out, png.as_deref(), weights.as_deref())
        }
        Command::Bench { steps, warmup, live, backend, ref models } => {
            bench::bench(&cli, bench::Runs { timed: steps, warmup }, live, backend, models)
        }
        Command::Import { model, ref file, ref out } => import::import(&cli, model, file, out),
        Command::Export { model, format, ref weights, ref out } => {
            export::export_command(&cli, model, format, weights.as_deref(), out)
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
