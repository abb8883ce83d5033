//! The weight-file loader: latent-lab's own format, or a .pth, for any model or none.
#![no_main]
#[path = "../harness.rs"]
#[allow(dead_code)]
mod harness;
libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::weights(data));
