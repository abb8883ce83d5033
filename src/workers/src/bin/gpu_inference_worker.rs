//! The inference worker with WebGPU: the same worker, built with Burn's WebGPU backend (1.9 MB
//! gzip more); the page swaps it in after the CPU one, where the browser has a WebGPU adapter.

fn main() {
    latent_workers::worker_main(latent_core::protocol::Role::GpuInference);
}
