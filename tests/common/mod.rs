//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

use latent_lab::data::{Dataset, DatasetKind, Split};

pub fn repo_path(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(relative)
}

pub fn mnist(split: Split) -> Dataset {
    Dataset::load(&repo_path("static/data"), DatasetKind::Mnist, split).expect("the shipped MNIST loads")
}
