//! `eval`: every model's test metrics (the pretrained ones, or the files given), as a table or
//! as one JSON object.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use latent_engine::data::Split;
use latent_engine::device;
use latent_engine::models::ModelKind;
use latent_engine::train::eval::{self, EVAL_SEED, Judge};
use latent_engine::weights::detect_model;

use crate::args::Cli;
use crate::common::{CliResult, load_model, load_split, measure};
use crate::files::read_file;

pub fn eval_command(cli: &Cli, json: bool, subset: Option<usize>, overrides: &[PathBuf]) -> CliResult<()> {
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
