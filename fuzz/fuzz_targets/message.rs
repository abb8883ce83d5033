//! The workers' message decoder and the checks every request passes before a worker acts.
#![no_main]
#[path = "../harness.rs"]
#[allow(dead_code)]
mod harness;
libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::message(data));
