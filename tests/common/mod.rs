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
    zip_with(files, zip::CompressionMethod::Stored)
}

/// A zip of the given files, each compressed with `method` (written by the zip crate).
pub fn zip_with(files: &[(&str, &[u8])], method: zip::CompressionMethod) -> Vec<u8> {
    use std::io::Write;
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(method);
    for (name, data) in files {
        writer.start_file(*name, options).unwrap();
        writer.write_all(data).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

/// The files of a zip, in its order (read by the zip crate).
pub fn unzip(archive: &[u8]) -> Vec<(String, Vec<u8>)> {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(archive)).unwrap();
    (0..archive.len())
        .map(|index| {
            let mut file = archive.by_index(index).unwrap();
            let mut data = Vec::new();
            file.read_to_end(&mut data).unwrap();
            (file.name().to_string(), data)
        })
        .collect()
}
