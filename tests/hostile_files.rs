//! Hostile and odd files, each refused with a message that says what is wrong (the README's
//! table lists these cases and messages): empty, truncated at every tensor, headers that claim
//! gigabytes, NaN and infinity, pickles that import anything outside the allow-list or copy
//! values without end, archives that unpack to gigabytes, IDX files with wrong counts, and a
//! 70 MB upload. What the page or a worker had before stays: tests/workers.rs and the browser
//! tests check that side.

mod common;

use common::{repo_path, unzip, zip, zip_with};
use latent_engine::data::{Dataset, idx};
use latent_engine::models::{ModelKind, NamedTensors};
use latent_engine::weights::{self, Header, Precision, Provenance, read_file};

fn provenance() -> Provenance {
    Provenance {
        model: ModelKind::Ae,
        architecture: "test".into(),
        dataset: "mnist".into(),
        epochs: 0,
        steps: 0,
        seed: 0,
        metrics: Default::default(),
    }
}

/// An AE-shaped weight file with `values` in its one tensor.
fn llw(shape: Vec<usize>, values: Vec<f32>) -> Vec<u8> {
    let mut tensors = NamedTensors::new();
    tensors.insert("encoder.0.weight".into(), (shape, values));
    weights::encode(&tensors, provenance(), Precision::F32)
}

/// A weight file whose header says what `edit` makes of it (the data left as it was).
fn with_header(edit: impl FnOnce(&mut Header)) -> Vec<u8> {
    let bytes = llw(vec![2, 2], vec![1.0; 4]);
    let len = u32::from_le_bytes(bytes[8..12].try_into().unwrap()) as usize;
    let mut header: Header = serde_json::from_slice(&bytes[12..12 + len]).unwrap();
    edit(&mut header);
    let json = serde_json::to_vec(&header).unwrap();
    let mut out = b"LLWEIGHT".to_vec();
    out.extend_from_slice(&(json.len() as u32).to_le_bytes());
    out.extend_from_slice(&json);
    out.extend_from_slice(&bytes[12 + len..]);
    out
}

/// An IDX header: the magic number, then the sizes (big-endian).
fn idx_header(magic: u32, sizes: &[u32]) -> Vec<u8> {
    std::iter::once(&magic).chain(sizes).flat_map(|v| v.to_be_bytes()).collect()
}

fn message(bytes: &[u8]) -> String {
    match read_file(bytes, None) {
        Ok(file) => panic!("a hostile file was read as {:?}", file.kind),
        Err(error) => error.to_string(),
    }
}

fn assert_says(case: &str, said: &str, expected: &str) {
    assert!(said.contains(expected), "{case}: {said:?} does not say {expected:?}");
}

/// The tutorial's VAE file, its pickle's bytes, and where each storage's data starts.
fn tutorial_vae() -> Vec<u8> {
    std::fs::read(repo_path("tests/fixtures/seed-pytorch/vae.pth")).unwrap()
}

/// Offsets of every local file header of a zip (each tensor's storage starts one).
fn entry_offsets(bytes: &[u8]) -> Vec<usize> {
    bytes.windows(4).enumerate().filter(|(_, w)| *w == b"PK\x03\x04").map(|(i, _)| i).collect()
}

#[test]
fn an_empty_file() {
    assert_eq!(message(&[]), "the file is empty");
}

#[test]
fn a_weight_file_truncated_at_every_tensor_boundary() {
    let mut tensors = NamedTensors::new();
    for (i, n) in [3usize, 5, 7].into_iter().enumerate() {
        tensors.insert(format!("t{i}"), (vec![n], vec![0.5; n]));
    }
    let bytes = weights::encode(&tensors, provenance(), Precision::F32);
    let data_start = bytes.len() - 4 * 15;
    for cut in [data_start, data_start + 12, data_start + 32, bytes.len() - 1] {
        assert_says("truncated .llw", &message(&bytes[..cut]), "the weight file is truncated");
    }
}

#[test]
fn a_pth_truncated_at_every_tensor_boundary() {
    let vae = tutorial_vae();
    let offsets = entry_offsets(&vae);
    assert!(offsets.len() > 10, "the VAE's archive has a file per storage");
    for cut in offsets.into_iter().skip(1) {
        assert_says("truncated .pth", &message(&vae[..cut]), "the .pth archive is damaged or truncated");
    }
}

#[test]
fn a_pth_whose_bytes_changed() {
    // One value of the tutorial VAE's first storage changed in place: its CRC no longer matches.
    let mut vae = tutorial_vae();
    let storage =
        entry_offsets(&vae).into_iter().find(|&at| vae[at + 30..].starts_with(b"vae/data/0")).expect("storage 0");
    let name_len = u16::from_le_bytes([vae[storage + 26], vae[storage + 27]]) as usize;
    let extra_len = u16::from_le_bytes([vae[storage + 28], vae[storage + 29]]) as usize;
    let data = storage + 30 + name_len + extra_len;
    vae[data] ^= 0x40;
    let said = message(&vae);
    assert_says("a changed byte", &said, "the .pth archive is damaged or truncated");
    assert_says("a changed byte", &said, "checksum");
}

#[test]
fn headers_that_claim_gigabytes() {
    let huge = with_header(|h| h.tensors[0].shape = vec![1 << 20, 1 << 20]);
    assert_says("a header claiming 4 TB", &message(&huge), "the weight file is truncated: expected 4398046511");
    let overflowing = with_header(|h| h.tensors[0].shape = vec![usize::MAX, 2]);
    assert_says("shapes past 2^64", &message(&overflowing), "promise more values than any file holds");

    let said = idx::decode_images(&idx_header(2051, &[u32::MAX, 28, 28])).unwrap_err().to_string();
    assert_says("an IDX header claiming 3 TB", &said, "more than an IDX file latent-lab reads");
}

#[test]
fn tensors_with_nan_or_infinity() {
    for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        let said = message(&llw(vec![2], vec![1.0, bad]));
        assert_eq!(said, "the weight file's encoder.0.weight holds NaN or infinite values");
    }
    // The tutorial's VAE with one NaN in its first storage (archived again: a valid zip).
    let mut files = unzip(&tutorial_vae());
    let (_, storage) = files.iter_mut().find(|(name, _)| name == "vae/data/0").expect("storage 0");
    storage[..4].copy_from_slice(&f32::NAN.to_le_bytes());
    let files: Vec<(&str, &[u8])> = files.iter().map(|(name, data)| (name.as_str(), data.as_slice())).collect();
    assert_says("a .pth with NaN", &message(&zip(&files)), "holds NaN or infinite values");
}

#[test]
fn pickles_that_import_or_copy_too_much() {
    // Imports outside the allow-list, by either opcode.
    let global = zip(&[("x/data.pkl", b"\x80\x02cbuiltins\neval\nq\x00.")]);
    assert_says("GLOBAL builtins.eval", &message(&global), "latent-lab never runs code from a file");
    let stack_global = zip(&[("x/data.pkl", b"\x80\x04\x8c\x08builtins\x8c\x04exec\x93.")]);
    assert_says("STACK_GLOBAL builtins.exec", &message(&stack_global), "it calls builtins.exec");

    // A value that doubles each time it is memoized: 2^100 values from 800 bytes.
    let mut doubling = b"\x80\x02)q\x00".to_vec();
    for _ in 0..100 {
        doubling.extend_from_slice(b"h\x00h\x00\x86q\x00");
    }
    doubling.push(b'.');
    assert_says(
        "a memo bomb",
        &message(&zip(&[("x/data.pkl", &doubling)])),
        "makes far more values than a state_dict holds",
    );

    // A million nested tuples (dropping them would overflow the stack).
    let mut nested = b"\x80\x02)".to_vec();
    nested.extend(std::iter::repeat_n(0x85u8, 1_000_000));
    nested.push(b'.');
    assert_says("deep nesting", &message(&zip(&[("x/data.pkl", &nested)])), "values nest more than 32 deep");
}

/// `archive` (one file, whose name ends in a digit) with its central directory listing that file
/// `times` over under other names (the last digit counting up): every entry points at the same data.
fn listed_again(archive: &[u8], times: u8) -> Vec<u8> {
    let end = archive.len() - 22;
    let size = u32::from_le_bytes(archive[end + 12..end + 16].try_into().unwrap()) as usize;
    let start = u32::from_le_bytes(archive[end + 16..end + 20].try_into().unwrap()) as usize;
    let name_len = u16::from_le_bytes([archive[start + 28], archive[start + 29]]) as usize;
    let mut out = archive[..start].to_vec();
    for copy in 0..times {
        let mut entry = archive[start..start + size].to_vec();
        entry[46 + name_len - 1] += copy;
        out.extend_from_slice(&entry);
    }
    out.extend_from_slice(b"PK\x05\x06\0\0\0\0");
    out.extend_from_slice(&u16::from(times).to_le_bytes());
    out.extend_from_slice(&u16::from(times).to_le_bytes());
    out.extend_from_slice(&(size as u32 * u32::from(times)).to_le_bytes());
    out.extend_from_slice(&(start as u32).to_le_bytes());
    out.extend_from_slice(&[0, 0]);
    out
}

#[test]
fn archives_that_unpack_to_gigabytes() {
    // One 30 MB file listed three times: 90 MB unpacked from a 30 MB archive.
    let archive = listed_again(&zip(&[("x/data/0", &vec![0u8; 30 << 20])]), 3);
    assert!(archive.len() < 31 << 20);
    assert_says("entries sharing their data", &message(&archive), "its files hold more than 64 MB once unpacked");
    // A deflated file of 100 MB of zeros: about 100 KB in the archive.
    let bomb = zip_with(&[("x/data/0", &vec![0u8; 100 << 20])], zip::CompressionMethod::Deflated);
    assert!(bomb.len() < 1 << 20, "{} bytes", bomb.len());
    assert_says("a deflate bomb", &message(&bomb), "its files hold more than 64 MB once unpacked");
    // Many small files past the limit of entries.
    let names: Vec<String> = (0..5000).map(|i| format!("x/data/{i}")).collect();
    let many: Vec<(&str, &[u8])> = names.iter().map(|name| (name.as_str(), &b""[..])).collect();
    assert_says("5,000 files", &message(&zip(&many)), "it holds 5000 files");
}

#[test]
fn idx_files_with_wrong_item_counts() {
    let mnist = |name: &str| std::fs::read(repo_path(&format!("static/data/mnist/{name}"))).unwrap();
    let images = mnist("t10k-images-idx3-ubyte.gz");
    let labels = idx::decode_labels(&mnist("t10k-labels-idx1-ubyte.gz")).unwrap();

    let short = [idx_header(2049, &[10_001]), labels.clone()].concat();
    let said = idx::decode_labels(&short).unwrap_err().to_string();
    assert_eq!(said, "the file is truncated: the header promises 10001 bytes of data, found 10000");

    let fewer = [idx_header(2049, &[9_999]), labels.clone()].concat();
    let said = idx::decode_labels(&fewer).unwrap_err().to_string();
    assert_eq!(said, "the file has 10000 bytes of data where the header promises 9999: wrong counts in the header");

    let nine_labels = [idx_header(2049, &[9]), labels[..9].to_vec()].concat();
    let said = Dataset::from_idx_bytes(&images, &nine_labels).unwrap_err().to_string();
    assert_eq!(said, "10000 images but 9 labels: the two files do not belong together");
}

#[test]
fn a_70_mb_upload() {
    let said = message(&vec![b'L'; 70 << 20]);
    assert_eq!(said, "the file is 73.4 MB, far larger than any latent-lab weight file (limit 64 MB)");
}
