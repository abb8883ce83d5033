//! The IDX/gzip reader (the datasets, and in future a person's own digits).
#![no_main]
#[path = "../harness.rs"]
#[allow(dead_code)]
mod harness;
libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::idx(data));
