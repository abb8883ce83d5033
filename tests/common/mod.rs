//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

use latent_core::data::{Dataset, DatasetKind, Split};

pub fn repo_path(relative: &str) -> PathBuf {
    // Each test runs in its crate's folder (src/<crate>); paths are the repository's.
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..").join(relative)
}

/// A path for a test's output file, in a folder of this test process's own under the system's
/// temporary directory (never in the tree).
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("latent-lab-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

pub fn mnist(split: Split) -> Dataset {
    dataset(DatasetKind::Mnist, split)
}

pub fn dataset(kind: DatasetKind, split: Split) -> Dataset {
    Dataset::load(&repo_path("static/data"), kind, split).expect("the shipped dataset loads")
}

/// A stored (uncompressed) zip of the given files, as torch.save writes them.
pub fn zip(files: &[(&str, &[u8])]) -> Vec<u8> {
    let (mut out, mut central) = (Vec::new(), Vec::new());
    for (name, data) in files {
        let offset = out.len() as u32;
        let mut local = b"PK\x03\x04".to_vec();
        local.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        local.extend_from_slice(&(data.len() as u32).to_le_bytes());
        local.extend_from_slice(&(data.len() as u32).to_le_bytes());
        local.extend_from_slice(&(name.len() as u16).to_le_bytes());
        local.extend_from_slice(&[0, 0]);
        out.extend(local);
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);
        let mut entry = b"PK\x01\x02".to_vec();
        entry.extend_from_slice(&[20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        entry.extend_from_slice(&(data.len() as u32).to_le_bytes());
        entry.extend_from_slice(&(data.len() as u32).to_le_bytes());
        entry.extend_from_slice(&(name.len() as u16).to_le_bytes());
        entry.extend_from_slice(&[0; 12]);
        entry.extend_from_slice(&offset.to_le_bytes());
        entry.extend_from_slice(name.as_bytes());
        central.extend(entry);
    }
    let start = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(b"PK\x05\x06\0\0\0\0");
    out.extend_from_slice(&(files.len() as u16).to_le_bytes());
    out.extend_from_slice(&(files.len() as u16).to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&start.to_le_bytes());
    out.extend_from_slice(&[0, 0]);
    out
}
