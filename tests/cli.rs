//! The command-line forms other tools rely on, and its answers to bad input.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{mnist, repo_path, scratch};
use latent_engine::data::Split;
use latent_engine::data::idx::{self, IdxImages};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_latent-lab")).args(args).current_dir(repo_path("")).output().expect("the CLI runs")
}

fn first_test_images(n: usize) -> PathBuf {
    let test = mnist(Split::Test);
    let pixels: Vec<u8> = (0..n).flat_map(|i| test.image_bytes(i).to_vec()).collect();
    let path = scratch(&format!("first-{n}.idx"));
    std::fs::write(&path, idx::encode_images(&IdxImages { count: n, rows: 28, cols: 28, pixels })).unwrap();
    path
}

/// `latent-lab reconstruct` of the IDX images at `images` into `out`, with the weights at
/// `weights` where given (the shipped ones otherwise).
fn reconstruct(model: &str, images: &Path, out: &Path, weights: Option<&Path>) -> Output {
    let mut args =
        vec!["reconstruct", "--model", model, "--images", images.to_str().unwrap(), "--out", out.to_str().unwrap()];
    if let Some(weights) = weights {
        args.extend(["--weights", weights.to_str().unwrap()]);
    }
    run(&args)
}

fn read_idx(path: &Path) -> IdxImages {
    idx::decode_images(&std::fs::read(path).unwrap()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn assert_clean_failure(output: &Output, needle: &str) {
    let err = stderr(output);
    assert!(!output.status.success(), "should fail: {err}");
    assert!(err.contains(needle), "expected {needle:?} in: {err}");
    assert!(!err.contains("panicked"), "must not panic: {err}");
}

#[test]
fn reconstruct_writes_one_image_per_input_and_the_vae_is_deterministic() {
    let input = first_test_images(20);
    let original = read_idx(&input);
    for model in ["ae", "vae", "vae2d"] {
        let out = scratch(&format!("{model}-recon.idx"));
        let output = reconstruct(model, &input, &out, None);
        assert!(output.status.success(), "{}", stderr(&output));
        let recon = read_idx(&out);
        assert_eq!((recon.count, recon.rows, recon.cols), (20, 28, 28));
        let mse: f64 = recon
            .pixels
            .iter()
            .zip(&original.pixels)
            .map(|(&a, &b)| ((a as f64 - b as f64) / 255.0).powi(2))
            .sum::<f64>()
            / recon.pixels.len() as f64;
        assert!(mse < 0.06, "{model} reconstruction mse {mse}");
        if model == "vae" {
            let again = scratch("vae-recon-again.idx");
            reconstruct(model, &input, &again, None);
            assert_eq!(read_idx(&again), recon, "decoding the mean is deterministic");
        }
    }
}

#[test]
fn samples_are_reproducible_by_seed_and_write_a_png_grid() {
    let (a, b, c, png) = (scratch("gan-a.idx"), scratch("gan-b.idx"), scratch("gan-c.idx"), scratch("gan.png"));
    let args = |out: &Path, seed: &str| {
        run(&[
            "samples",
            "--model",
            "gan",
            "--count",
            "16",
            "--seed",
            seed,
            "--digit",
            "3",
            "--out",
            out.to_str().unwrap(),
            "--png",
            png.to_str().unwrap(),
        ])
    };
    assert!(args(&a, "5").status.success());
    assert!(args(&b, "5").status.success());
    assert!(args(&c, "6").status.success());
    assert_eq!(read_idx(&a), read_idx(&b));
    assert_ne!(read_idx(&a), read_idx(&c));
    assert_eq!(read_idx(&a).count, 16);
    assert!(std::fs::read(&png).unwrap().starts_with(b"\x89PNG"));
    let out = scratch("vae-samples.idx");
    assert!(run(&["samples", "--model", "vae2d", "--count", "9", "--out", out.to_str().unwrap()]).status.success());
    assert_eq!(read_idx(&out).count, 9);
}

#[test]
fn eval_json_has_every_key() {
    let output = run(&["eval", "--json", "--subset", "300"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("one JSON object");
    for key in [
        "ae_test_mse",
        "vae_test_loss",
        "vae_test_recon",
        "vae_test_kl",
        "vae2d_test_loss",
        "classifier_test_accuracy",
        "gan_conditional_agreement",
        "gan_frechet",
        "vae_frechet",
    ] {
        assert!(report[key].as_f64().is_some_and(f64::is_finite), "{key}: {report}");
    }
    assert_eq!(report["gan_class_fractions"].as_array().unwrap().len(), 10);

    // The tutorial's own VAE (.pth) in place of ours: trained 2 epochs with the MSE loss, it does
    // worse on the Bernoulli test loss than the shipped VAE.
    let pth = repo_path("tests/fixtures/seed-pytorch/vae.pth");
    let output = run(&["eval", "--json", "--subset", "300", "--weights", pth.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let theirs: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(theirs["vae_test_loss"].as_f64().unwrap() > report["vae_test_loss"].as_f64().unwrap());
    assert_eq!(theirs["ae_test_mse"], report["ae_test_mse"]);
}

#[test]
fn fashion_mnist_has_its_own_shipped_models_and_test_set() {
    let output = run(&["--dataset", "fashion", "eval", "--json", "--subset", "300"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let fashion: serde_json::Value = serde_json::from_slice(&output.stdout).expect("one JSON object");
    // Fashion-MNIST's classifier on its own test images, not MNIST's.
    let accuracy = fashion["classifier_test_accuracy"].as_f64().unwrap();
    assert!(accuracy > 0.8, "{fashion}");
    // MNIST's classifier on Fashion-MNIST's images is no better than chance, give or take.
    let mnist_classifier = repo_path("pretrained/classifier.llw");
    let output = run(&[
        "--dataset",
        "fashion",
        "eval",
        "--json",
        "--subset",
        "300",
        "--weights",
        mnist_classifier.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let crossed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(crossed["classifier_test_accuracy"].as_f64().unwrap() < 0.5, "{crossed}");
}

#[test]
fn import_converts_the_tutorials_pth_into_our_format() {
    let out = scratch("imported-ae.llw");
    let pth = repo_path("tests/fixtures/seed-pytorch/sim_autoencoder.pth");
    let output = run(&["import", "--model", "ae", pth.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let input = first_test_images(5);
    let (a, b) = (scratch("via-pth.idx"), scratch("via-llw.idx"));
    for (weights, target) in [(&pth, &a), (&out, &b)] {
        let output = reconstruct("ae", &input, target, Some(weights));
        assert!(output.status.success(), "{}", stderr(&output));
    }
    assert_eq!(read_idx(&a), read_idx(&b), "the imported file holds the same weights");
    let output = run(&["import", "--model", "vae", pth.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_clean_failure(&output, "missing fc1.weight");
}

#[test]
fn bad_input_gets_a_clear_error_and_no_panic() {
    let images = first_test_images(2);
    let out = scratch("never.idx");

    let labels = repo_path("static/data/mnist/t10k-labels-idx1-ubyte.gz");
    assert_clean_failure(&reconstruct("ae", &labels, &out, None), "IDX label file");

    // The AE's reconstruction of the test images with the weights at `weights`.
    let reconstruct_with = |weights: &Path| reconstruct("ae", &images, &out, Some(weights));
    assert_clean_failure(&reconstruct_with(&scratch("missing.llw")), "cannot read");

    let mut corrupt = std::fs::read(repo_path("pretrained/ae.llw")).unwrap();
    let middle = corrupt.len() - 10;
    corrupt[middle] ^= 1;
    let corrupt_path = scratch("corrupt.llw");
    std::fs::write(&corrupt_path, corrupt).unwrap();
    assert_clean_failure(&reconstruct_with(&corrupt_path), "corrupt");

    assert_clean_failure(&reconstruct_with(&repo_path("pretrained/vae.llw")), "weights for the vae model");

    // A choice that is not one: clap names it and lists the choices.
    let output = run(&["train", "--model", "vae", "--dataset", "cifar"]);
    assert_clean_failure(&output, "invalid value 'cifar' for '--dataset <DATASET>'");
    assert_clean_failure(&output, "[possible values: mnist, fashion]");

    let output = run(&["train", "--model", "ae", "--latent", "5"]);
    assert_clean_failure(&output, "--latent is for --model vae; the ae model's size is fixed");
    let output = run(&["train", "--model", "vae", "--latent", "0"]);
    assert_clean_failure(&output, "a VAE's latent size must be 1 to 64 (not 0)");
}

#[test]
fn bench_times_the_models_asked_for_and_the_live_analysis() {
    let output = run(&["bench", "--models", "ae,vae", "--steps", "2", "--warmup", "1"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let rows: Vec<&str> = stdout.lines().filter_map(|line| line.split_whitespace().next()).collect();
    assert!(rows.contains(&"ae") && rows.contains(&"vae"), "{stdout}");
    assert!(!rows.contains(&"gan") && !rows.contains(&"vae2d"), "only the models asked for: {stdout}");
    let whole = stdout.lines().find(|line| line.starts_with("whole analysis")).expect("the live analysis's row");
    let ms: f64 = whole.split_whitespace().last().unwrap().parse().expect("a time");
    assert!(ms > 0.0, "{whole}");

    let output = run(&["bench", "--backend", "gpu"]);
    assert_clean_failure(&output, "invalid value 'gpu' for '--backend <BACKEND>'");
    assert_clean_failure(&output, "[possible values: cpu, webgpu]");
}

#[test]
fn export_writes_the_shipped_models_for_pytorch_and_says_what_cannot_be() {
    let pth = scratch("exported-vae.pth");
    let output = run(&["export", "--model", "vae", "--format", "pth", "--out", pth.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let state = latent_engine::weights::pytorch::read_state_dict(&std::fs::read(&pth).unwrap()).unwrap();
    assert_eq!(state["fc21.weight"].0, vec![20, 400]);

    // The GAN has no module in the tutorial: safetensors only, and the .pth is refused with why.
    let tensors = scratch("exported-gan.safetensors");
    let output = run(&["export", "--model", "gan", "--format", "safetensors", "--out", tensors.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let output = run(&["export", "--model", "gan", "--format", "pth", "--out", scratch("gan.pth").to_str().unwrap()]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("export it as .safetensors"), "{}", stderr(&output));

    // Weights of another model than --model are refused by name.
    let ae = repo_path("tests/fixtures/seed-pytorch/sim_autoencoder.pth");
    let output = run(&[
        "export",
        "--model",
        "vae",
        "--format",
        "pth",
        "--weights",
        ae.to_str().unwrap(),
        "--out",
        pth.to_str().unwrap(),
    ]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("sim_autoencoder.pth"), "{}", stderr(&output));
}

#[test]
fn help_lists_every_choice() {
    let help = |args: &[&str]| {
        let output = run(args);
        assert!(output.status.success(), "{args:?}: {}", stderr(&output));
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    // `--help` lists the formats one a line, each with what it is for.
    let long = help(&["export", "--help"]);
    assert!(long.contains("- pth:") && long.contains("- safetensors:"), "{long}");
    assert!(long.contains("[possible values: ae, vae, vae2d, gan, classifier]"), "{long}");
    assert!(long.contains("[possible values: mnist, fashion]"), "--dataset is global: {long}");
    let short = help(&["export", "-h"]);
    assert!(short.contains("[possible values: pth, safetensors]"), "{short}");
    assert!(help(&["quantize", "-h"]).contains("[possible values: f16, f32, q8]"));
    assert!(help(&["bench", "-h"]).contains("[possible values: cpu, webgpu]"));
}
