//! `samples`: images drawn by the GAN or a VAE, as an IDX file and optionally a PNG grid.

use std::path::Path;

use latent_engine::device;
use latent_engine::models::ModelKind;
use latent_engine::train::eval;

use crate::args::Cli;
use crate::common::{CliResult, load_model, measure};
use crate::files::{write_idx, write_png_grid};

#[allow(clippy::too_many_arguments)]
pub fn samples(
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
