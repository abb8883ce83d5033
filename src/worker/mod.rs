//! What the page's two workers do, platform-neutral: `inference` answers the panels (live
//! analysis, grids, codes, GAN samples, weight files), `training` runs the Train panel's session.
//! Each owns its devices and its models and speaks only in `protocol` messages; `web::worker`
//! connects them to the browser, the tests drive them natively.

pub mod inference;
#[cfg(feature = "training")]
pub mod training;

pub use inference::InferenceWorker;
#[cfg(feature = "training")]
pub use training::TrainingWorker;

use burn::tensor::Device;

use crate::host::Host;
use crate::readback::{self, ReadbackError};

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
