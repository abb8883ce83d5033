//! The IDX reader on the real files, and the drawing preprocessing on real digits.

mod common;

use common::{mnist, repo_path};
use latent_engine::data::idx::{self, IdxError};
use latent_engine::data::preprocess::{GreyImage, mnist_centre_of_mass, to_mnist};
use latent_engine::data::{Dataset, DatasetKind, Split};

#[test]
fn real_mnist_files_load_with_the_published_counts_and_labels() {
    let train = mnist(Split::Train);
    let test = mnist(Split::Test);
    assert_eq!(train.len(), 60_000);
    assert_eq!(test.len(), 10_000);
    assert_eq!(&train.labels()[..10], &[5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
    assert_eq!(&test.labels()[..10], &[7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
    let all: Vec<usize> = (0..train.len()).collect();
    let pixels = train.pixels_unit(&all);
    let mean = pixels.iter().map(|&p| p as f64).sum::<f64>() / pixels.len() as f64;
    assert!((mean - 0.130660).abs() < 1e-5, "train pixel mean {mean}");
}

#[test]
fn fashion_mnist_loads_too() {
    let test = Dataset::load(&repo_path("static/data"), DatasetKind::Fashion, Split::Test).unwrap();
    assert_eq!(test.len(), 10_000);
}

#[test]
fn truncated_and_mislabelled_real_files_are_rejected_clearly() {
    let gz = std::fs::read(repo_path("static/data/mnist/t10k-images-idx3-ubyte.gz")).unwrap();
    let images = idx::decode_images(&gz).unwrap();
    let raw = idx::encode_images(&images);

    let err = idx::decode_images(&raw[..raw.len() / 2]).unwrap_err();
    assert!(matches!(err, IdxError::Truncated { expected: 7_840_000, .. }), "{err}");

    let err = idx::decode_images(&gz[..gz.len() / 2]).unwrap_err();
    assert!(matches!(err, IdxError::Gzip(_)), "a cut gzip stream: {err}");

    let labels = std::fs::read(repo_path("static/data/mnist/t10k-labels-idx1-ubyte.gz")).unwrap();
    let err = idx::decode_images(&labels).unwrap_err();
    assert!(err.to_string().contains("IDX label file"), "{err}");

    let err = Dataset::from_idx_bytes(&labels, &labels).unwrap_err();
    assert!(err.to_string().starts_with("image file:"), "{err}");

    let not_idx = b"PK\x03\x04 this is a zip, not IDX at all";
    let err = idx::decode_images(not_idx).unwrap_err();
    assert!(err.to_string().contains("not IDX at all"), "{err}");
}

/// A test digit drawn ten times larger, as a person would on the canvas, must come back as
/// (nearly) itself: same size, same place, same strokes.
#[test]
fn large_drawings_of_real_digits_come_back_close_to_the_original() {
    let test = mnist(Split::Test);
    let mut correlations = Vec::new();
    for index in 0..200 {
        let original: Vec<f32> = test.image_bytes(index).iter().map(|&p| p as f32 / 255.0).collect();
        let drawing = GreyImage::new(28, 28, original.clone()).resized(280, 280);
        let back = to_mnist(&drawing).expect("the digit has ink");
        correlations.push(correlation(&original, &back));
    }
    correlations.sort_by(f32::total_cmp);
    let median = correlations[correlations.len() / 2];
    let worst_tenth = correlations[correlations.len() / 10];
    assert!(median > 0.9, "median correlation {median}");
    assert!(worst_tenth > 0.75, "10th percentile correlation {worst_tenth}");
}

#[test]
fn preprocessed_digits_are_centred_like_mnist() {
    let test = mnist(Split::Test);
    let (mut rows, mut cols) = (0.0, 0.0);
    for index in 0..500 {
        let original: Vec<f32> = test.image_bytes(index).iter().map(|&p| p as f32 / 255.0).collect();
        let (r, c) = mnist_centre_of_mass(&original).unwrap();
        rows += r / 500.0;
        cols += c / 500.0;
    }
    // The preprocessing's target centre must sit where MNIST's digits are, within a pixel.
    let drawing =
        GreyImage::new(28, 28, test.image_bytes(0).iter().map(|&p| p as f32 / 255.0).collect()).resized(280, 280);
    let (r, c) = mnist_centre_of_mass(&to_mnist(&drawing).unwrap()).unwrap();
    assert!((r - rows).abs() < 1.0 && (c - cols).abs() < 1.0, "mnist mean ({rows}, {cols}), ours ({r}, {c})");
}

fn correlation(a: &[f32], b: &[f32]) -> f32 {
    let mean = |v: &[f32]| v.iter().sum::<f32>() / v.len() as f32;
    let (ma, mb) = (mean(a), mean(b));
    let cov: f32 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f32 = a.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f32 = b.iter().map(|y| (y - mb).powi(2)).sum();
    cov / (va.sqrt() * vb.sqrt())
}
