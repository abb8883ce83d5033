//! The WebGPU module (built with `training` and `webgpu`): one module for the two workers that
//! need Burn's WebGPU backend, the inference worker that replaces the CPU one where the browser
//! has an adapter, and the training worker (the page starts it on the first Start). Which of the
//! two a worker is comes from the name the page gives it.

fn main() {
    latent_workers::worker_main_by_name();
}
