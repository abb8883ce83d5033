//! The tutorial's .pth reader: zip, the pickle machine, the tutorial's layouts.
#![no_main]
#[path = "../harness.rs"]
#[allow(dead_code)]
mod harness;
libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::pth(data));
