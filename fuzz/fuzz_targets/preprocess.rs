//! The drawing preprocessor: any canvas size, any ink.
#![no_main]
#[path = "../harness.rs"]
#[allow(dead_code)]
mod harness;
libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::preprocess(data));
