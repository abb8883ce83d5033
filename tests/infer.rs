//! The live analysis of a drawing classifies the drawing and both reconstructions in one batch:
//! each label must be the one the classifier gives that image on its own.

mod common;

use burn::tensor::activation::softmax;
use common::{mnist, repo_path};
use latent_core::protocol::{DrawingAnalysis, Label};
use latent_engine::data::{Split, images_tensor};
use latent_engine::device;
use latent_engine::infer::{self, Models};
use latent_engine::models::ModelKind;
use latent_engine::readback::{block_on, read};
use latent_engine::weights::load_file;

fn shipped(kinds: &[ModelKind], device: &burn::tensor::Device) -> Models {
    let mut models = Models::default();
    for kind in kinds {
        let path = repo_path(&format!("pretrained/{}.llw", kind.name()));
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        models.insert(load_file(&bytes, Some(*kind), device).expect("shipped weights load").model);
    }
    models
}

/// The classifier's label for one image alone, from Burn's softmax (the analysis takes the
/// softmax of the logits it reads back on the CPU).
fn label_alone(models: &Models, pixels: &[f32], device: &burn::tensor::Device) -> Label {
    let classifier = models.classifier().unwrap();
    let probabilities = block_on(read(softmax(classifier.forward(images_tensor(pixels.to_vec(), device)), 1))).unwrap();
    let (class, confidence) = probabilities
        .iter()
        .copied()
        .enumerate()
        .fold((0, 0.0), |best, (class, p)| if p > best.1 { (class, p) } else { best });
    Label { class, confidence }
}

fn assert_same_label(batched: Option<Label>, alone: Label, what: &str) {
    let batched = batched.unwrap_or_else(|| panic!("no label for {what}"));
    assert_eq!(batched.class, alone.class, "{what}");
    assert!((batched.confidence - alone.confidence).abs() < 1e-4, "{what}: {batched:?} vs {alone:?}");
}

fn analyse(models: &Models, pixels: &[f32], device: &burn::tensor::Device) -> DrawingAnalysis {
    block_on(infer::analyse_drawing(models, pixels, device)).unwrap()
}

#[test]
fn each_label_of_the_batched_pass_is_the_classifiers_label_for_that_image() {
    let device = device::cpu(1);
    let models = shipped(&[ModelKind::Classifier, ModelKind::Ae, ModelKind::Vae], &device);
    let test = mnist(Split::Test);
    for index in 0..12 {
        let pixels = test.pixels_unit(&[index]);
        let analysis = analyse(&models, &pixels, &device);
        assert_same_label(analysis.drawing_label, label_alone(&models, &pixels, &device), "the drawing");
        let ae = analysis.ae_reconstruction.as_ref().unwrap();
        assert_same_label(analysis.ae_label, label_alone(&models, &ae.0, &device), "the AE's reconstruction");
        let vae = analysis.vae_reconstruction.as_ref().unwrap();
        assert_same_label(analysis.vae_label, label_alone(&models, &vae.0, &device), "the VAE's reconstruction");
        // The shipped models read the test set's digits right.
        assert_eq!(analysis.drawing_label.unwrap().class, usize::from(test.label(index)));
    }
}

#[test]
fn without_an_ae_the_vae_reconstruction_keeps_its_own_label() {
    let device = device::cpu(1);
    let models = shipped(&[ModelKind::Classifier, ModelKind::Vae], &device);
    let pixels = mnist(Split::Test).pixels_unit(&[3]);
    let analysis = analyse(&models, &pixels, &device);
    assert!(analysis.ae_reconstruction.is_none() && analysis.ae_label.is_none());
    let vae = analysis.vae_reconstruction.as_ref().unwrap();
    assert_same_label(analysis.vae_label, label_alone(&models, &vae.0, &device), "the VAE's reconstruction");
}

#[test]
fn without_a_classifier_nothing_is_labelled_and_the_rest_is_there() {
    let device = device::cpu(1);
    let models = shipped(&[ModelKind::Ae, ModelKind::Vae, ModelKind::Vae2d], &device);
    let analysis = analyse(&models, &mnist(Split::Test).pixels_unit(&[0]), &device);
    assert!(analysis.drawing_label.is_none() && analysis.ae_label.is_none() && analysis.vae_label.is_none());
    assert_eq!(analysis.ae_code.map(|c| c.len()), Some(3));
    assert_eq!(analysis.vae_mean.map(|m| m.len()), Some(20));
    assert_eq!(analysis.vae2d_mean.map(|m| m.len()), Some(2));
}
