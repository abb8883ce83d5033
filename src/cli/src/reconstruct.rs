//! `reconstruct`: an IDX file's images through the AE or a VAE, written as an IDX file.

use std::path::Path;

use burn::tensor::Device;
use latent_engine::data::idx;
use latent_engine::data::{IMAGE_PIXELS, IMAGE_SIDE, images_tensor};
use latent_engine::device;
use latent_engine::models::{Model, ModelKind};
use latent_engine::readback::read_now;
use latent_engine::train::eval::EVAL_SEED;

use crate::args::Cli;
use crate::common::{CliResult, load_model};
use crate::files::{read_file, write_idx};

pub fn reconstruct(cli: &Cli, kind: ModelKind, images: &Path, out: &Path, weights: Option<&Path>) -> CliResult<()> {
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
pub fn reconstruct_with(model: &Model, pixels: Vec<f32>, device: &Device) -> CliResult<Vec<f32>> {
    let images = images_tensor(pixels, device);
    match model {
        Model::Ae(ae) => Ok(read_now(ae.reconstruct_pixels(images))),
        Model::Vae(vae) | Model::Vae2d(vae) => Ok(read_now(vae.reconstruct_mean(images))),
        other => Err(format!("the {} does not reconstruct images", other.kind().name())),
    }
}
