//! `import`: the PyTorch tutorial's state_dict (.pth) of the AE or the VAE as a latent-lab
//! weight file, its MNIST test metrics in the header.

use std::path::Path;

use latent_engine::data::Split;
use latent_engine::device;
use latent_engine::models::ModelKind;
use latent_engine::train::eval::{self, EVAL_SEED};
use latent_engine::weights::{Precision, Provenance};

use crate::args::Cli;
use crate::common::{CliResult, describe_metrics, encode, load_model, load_split, measure, untrained};
use crate::files::write_file;

pub fn import(cli: &Cli, kind: ModelKind, file: &Path, out: &Path) -> CliResult<()> {
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
