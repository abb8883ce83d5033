//! What the page's two workers do, platform-neutral: `inference` answers the panels (live
//! analysis, grids, codes, GAN samples, weight files), `training` runs the Train panel's session.
//! Each owns its devices and its models and speaks only in `protocol` messages; `browser`
//! connects them to the browser (src/bin/: the CPU inference module, and the WebGPU module that
//! serves both roles), the tests drive them natively.

#[cfg(target_arch = "wasm32")]
mod browser;
pub mod inference;
#[cfg(feature = "training")]
pub mod training;

pub use inference::InferenceWorker;
#[cfg(feature = "training")]
pub use training::TrainingWorker;

use burn::tensor::Device;

use latent_core::host::Host;
use latent_engine::readback::{self, ReadbackError};

/// Sends events to the page.
pub type Emit<E> = Box<dyn Fn(E)>;

/// How long a worker lets the browser report a lost GPU, and how often it looks.
const LOSS_REPORT_MS: u32 = 250;
const LOSS_LOOKS: usize = 4;

/// Whether a read-back that failed on `gpu` failed because the device is lost: the error says
/// so, or (the loss being reported late) a tiny read does within a second. The lost device's
/// error, if so.
pub async fn lost_device<H: Host>(host: &H, error: &ReadbackError, gpu: &Device) -> Option<ReadbackError> {
    if error.is_device_lost() {
        return Some(error.clone());
    }
    for _ in 0..LOSS_LOOKS {
        host.pause(LOSS_REPORT_MS).await;
        match readback::probe(gpu).await {
            Err(lost) if lost.is_device_lost() => return Some(lost),
            Ok(()) => return None,
            Err(_) => {}
        }
    }
    None
}

/// What each worker binary (src/bin/*worker.rs) runs: in the browser, the worker of `role`;
/// natively, a word on where it runs.
pub fn worker_main(role: latent_core::protocol::Role) {
    #[cfg(target_arch = "wasm32")]
    {
        latent_web::run_static_constructors_once();
        console_error_panic_hook::set_once();
        browser::start(role);
    }
    #[cfg(not(target_arch = "wasm32"))]
    eprintln!("The {} worker runs in the browser, started by the playground page.", role.name());
}

/// What a module that serves several roles runs (the WebGPU module: inference and training):
/// in the browser, the worker of the role the page named it for; natively, a word on where it runs.
pub fn worker_main_by_name() {
    #[cfg(target_arch = "wasm32")]
    match browser::role_by_name() {
        Ok(role) => worker_main(role),
        Err(why) => web_sys::console::error_1(&why.into()),
    }
    #[cfg(not(target_arch = "wasm32"))]
    eprintln!("The WebGPU module's workers run in the browser, started by the playground page.");
}
