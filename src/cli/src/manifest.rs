//! `manifest`: the pretrained folder's manifest.json, its sample grids and the page's first view,
//! from the weight files there.

use burn::tensor::Device;
use latent_engine::data::Dataset;
use latent_engine::data::Split;
use latent_engine::data::first_view::{AeCodes, CLOUD_POINTS, Examples, ae_codes_path, examples_path};
use latent_engine::device;
use latent_engine::models::ModelKind;
use latent_engine::models::gan::gan_noise;
use latent_engine::train::eval::{self, EVAL_SEED, Judge};
use latent_engine::weights;

use crate::args::Cli;
use crate::common::{CliResult, judge_parts, load_model, load_split, measure, pretrained_path, shipped_dir};
use crate::files::{read_file, write_file, write_png_grid};
use crate::reconstruct::reconstruct_with;
use crate::train::PRETRAIN_SCHEDULE;

/// Test images whose metrics the manifest also records, for a quick check that files load right.
const MANIFEST_SUBSET: usize = 1000;

/// Describes the pretrained folder's weight files in manifest.json (from their headers, plus
/// checksums and metrics on a test subset) and redraws the sample grids.
pub fn write_manifest(cli: &Cli) -> CliResult<()> {
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
fn write_sample_grids(cli: &Cli, test: &Dataset, device: &Device) -> CliResult<()> {
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
