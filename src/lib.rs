//! latent-lab: an autoencoder, a variational autoencoder and a conditional GAN on MNIST,
//! shared by the native command-line trainer and the browser playground.
//!
//! The layout is the architecture (README, "Layout"): `data` reads and prepares images, `models`
//! defines each network with its loss (and `Model`, the one way to hold any of them), `train`
//! holds the trainers, the evaluation and the page's training session, `readback` is the one place
//! tensors come back to the CPU, `weights` reads and writes every weight file format, `infer`
//! answers the panels, `device` picks the backend, `link` is the page's state as a link, `scatter`
//! paints the 3-D code cloud, `protocol` is the typed messages between the page and its workers,
//! `worker` is what the workers do, `web` and `app` are the browser's side.
//!
//! The feature `engine` (on by default, with `training`) brings Burn and everything that runs
//! models; `training` adds the trainers; `webgpu` Burn's WebGPU backend. The page's own module is
//! built without any: it only draws and sends messages, so it carries no Burn.

#[cfg(target_arch = "wasm32")]
pub mod app;
pub mod chart;
pub mod data;
pub mod device;
pub mod grid;
pub mod history;
pub mod host;
#[cfg(feature = "engine")]
pub mod infer;
pub mod link;
pub mod models;
pub mod my_digits;
pub mod protocol;
pub mod readback;
pub mod runs;
pub mod scatter;
pub mod train;
#[cfg(target_arch = "wasm32")]
pub mod web;
pub mod weights;
#[cfg(feature = "engine")]
pub mod worker;

/// Runs the module's static constructors once; each wasm entry point calls it first.
///
/// Burn's GPU runtime (cubecl) registers its operations with static constructors (`inventory`).
/// Unless the module calls `__wasm_call_ctors` itself, the linker runs every constructor again at
/// the top of every exported function, i.e. on each call from JavaScript into wasm (each promise
/// callback, each message): most of a WebGPU training step went there. Calling it once, first
/// thing, is the linker's documented opt-out.
#[cfg(target_arch = "wasm32")]
pub fn run_static_constructors_once() {
    unsafe extern "C" {
        fn __wasm_call_ctors();
    }
    // SAFETY: each entry point calls this once, before any other code of the module uses what
    // the constructors register.
    unsafe { __wasm_call_ctors() };
}

/// What each worker binary (src/bin/*worker.rs) runs: in the browser, the worker of `role`;
/// natively, a word on where it runs.
#[cfg(feature = "engine")]
pub fn worker_main(role: protocol::Role) {
    #[cfg(target_arch = "wasm32")]
    {
        run_static_constructors_once();
        console_error_panic_hook::set_once();
        web::worker::start(role);
    }
    #[cfg(not(target_arch = "wasm32"))]
    eprintln!("The {} worker runs in the browser, started by the playground page.", role.name());
}
