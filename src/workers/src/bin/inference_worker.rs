//! The inference worker on the CPU: the first module the page loads, built with only the feature
//! `engine` (no training code, no WebGPU), so that the page is usable after a small download.

fn main() {
    latent_workers::worker_main(latent_core::protocol::Role::Inference);
}
