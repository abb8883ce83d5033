//! Every shipped weight file (MNIST's and Fashion-MNIST's) loads into its model, matches its
//! manifest's checksum, and reproduces the manifest's metrics on the test subset it names.

mod common;

use common::{dataset, repo_path};
use latent_engine::data::{DatasetKind, Split};
use latent_engine::device;
use latent_engine::models::ModelKind;
use latent_engine::readback::block_on;
use latent_engine::train::eval::{self, EVAL_SEED, Judge};
use latent_engine::weights::{load_file, sha256_hex};

fn manifest(data: DatasetKind) -> serde_json::Value {
    let path = format!("{}/manifest.json", data.pretrained_folder());
    let text = std::fs::read_to_string(repo_path(&path)).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).expect("the manifest is JSON")
}

fn read(data: DatasetKind, file: &str) -> Vec<u8> {
    let path = format!("{}/{file}", data.pretrained_folder());
    std::fs::read(repo_path(&path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn every_pretrained_mnist_file_reproduces_its_manifest_metrics() {
    reproduces_manifest_metrics(DatasetKind::Mnist);
}

#[test]
fn every_pretrained_fashion_file_reproduces_its_manifest_metrics() {
    reproduces_manifest_metrics(DatasetKind::Fashion);
}

fn reproduces_manifest_metrics(data: DatasetKind) {
    let manifest = manifest(data);
    let read = |file: &str| read(data, file);
    let subset_size = manifest["subset_size"].as_u64().unwrap() as usize;
    assert_eq!(manifest["eval_seed"].as_u64(), Some(EVAL_SEED));
    let subset = dataset(data, Split::Test).first(subset_size);
    let device = device::cpu(EVAL_SEED);
    let classifier =
        load_file(&read("classifier.llw"), Some(ModelKind::Classifier), &device).expect("classifier loads").model;
    let classifier = classifier.classifier().unwrap();
    let reference = block_on(eval::reference_gaussian(classifier, &subset, &device)).unwrap();
    let judge = Judge { classifier, reference: &reference, samples: subset_size };
    let models = manifest["models"].as_array().unwrap();
    let kinds: Vec<&str> = models.iter().map(|m| m["model"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["classifier", "ae", "vae", "vae2d", "gan"]);
    for entry in models {
        let file = entry["file"].as_str().unwrap();
        let bytes = read(file);
        assert_eq!(entry["dataset"].as_str(), Some(data.name()), "{file} was trained on another dataset");
        assert_eq!(bytes.len() as u64, entry["bytes"].as_u64().unwrap(), "{file} size");
        assert_eq!(sha256_hex(&bytes), entry["sha256"].as_str().unwrap(), "{file} checksum");
        let loaded = load_file(&bytes, None, &device).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(loaded.model.kind().name(), entry["model"].as_str().unwrap());
        let metrics = block_on(eval::metrics(&loaded.model, &subset, Some(&judge), &device)).unwrap();
        let expected = entry["subset_metrics"].as_object().unwrap();
        assert_eq!(metrics.len(), expected.len(), "{file}: {metrics:?}");
        for (name, value) in expected {
            let value = value.as_f64().unwrap();
            let got = metrics[name];
            assert!((got - value).abs() <= 1e-4 * value.abs().max(1.0), "{file} {name}: {got} vs manifest {value}");
        }
    }
}

/// A test metric of a shipped model, as its dataset's manifest records it.
fn test_metric(manifest: &serde_json::Value, model: &str, name: &str) -> f64 {
    let entry = manifest["models"].as_array().unwrap().iter().find(|m| m["model"] == model).unwrap();
    entry["test_metrics"][name].as_f64().unwrap_or_else(|| panic!("{model}: no {name}"))
}

#[test]
fn shipped_metrics_beat_the_tutorial() {
    let manifest = manifest(DatasetKind::Mnist);
    let metric = |model: &str, name: &str| test_metric(&manifest, model, name);
    assert!(metric("ae", "ae_test_mse") <= 0.033);
    assert!(metric("vae", "vae_test_loss") <= 103.0);
    assert!(metric("vae2d", "vae2d_test_loss") <= 155.0);
    assert!(metric("classifier", "classifier_test_accuracy") >= 0.99);
    assert!(metric("gan", "gan_conditional_agreement") >= 0.9);
    for class in 0..10 {
        let fraction = metric("gan", &format!("gan_class_fraction_{class}"));
        assert!((0.07..=0.13).contains(&fraction), "class {class}: {fraction}");
    }
}

/// Fashion-MNIST has no tutorial to beat: its goals are the data's own references
/// (../shared/data/README.md) and what the models do on MNIST.
#[test]
fn shipped_fashion_metrics_meet_their_goals() {
    let manifest = manifest(DatasetKind::Fashion);
    let metric = |model: &str, name: &str| test_metric(&manifest, model, name);
    // The 3-D autoencoder below PCA with 12 components (0.0312 per pixel on this test set).
    assert!(metric("ae", "ae_test_mse") <= 0.0312);
    // 20 latent dimensions beat 2; neither can go below the data's entropy floor (45.53 nats).
    assert!(metric("vae", "vae_test_loss") < metric("vae2d", "vae2d_test_loss"));
    assert!(metric("vae", "vae_test_loss") > 45.53);
    assert!(metric("classifier", "classifier_test_accuracy") >= 0.90);
    assert!(metric("gan", "gan_conditional_agreement") >= 0.9);
    for class in 0..10 {
        let fraction = metric("gan", &format!("gan_class_fraction_{class}"));
        assert!((0.07..=0.13).contains(&fraction), "class {class}: {fraction}");
    }
}
