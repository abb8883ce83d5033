//! What the page's two workers do, platform-neutral: `inference` answers the panels (live
//! analysis, grids, codes, GAN samples, weight files), `training` runs the Train panel's session.
//! Each owns its devices and its models and speaks only in `protocol` messages; `web::worker`
//! connects them to the browser, the tests drive them natively.

pub mod inference;
pub mod training;

pub use inference::InferenceWorker;
pub use training::TrainingWorker;

/// Sends events to the page.
pub type Emit<E> = Box<dyn Fn(E)>;
