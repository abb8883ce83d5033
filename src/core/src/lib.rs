//! latent-core: what the page, the workers and the CLI say to each other and read, as plain data.
//! No Burn: the page's module builds on this crate alone, and so do the fuzz targets.
//!
//! `protocol` is the typed messages between the page and its workers; `data` reads and prepares
//! images (IDX, the datasets, MNIST-style preprocessing); `models` and `train` say what a model
//! and a training run are; `weights` reads and writes every weight file format; `device` names
//! the backends; `link` is the page's state as a link; `chart`, `history` and `runs` are the
//! Train panel's arithmetic; `grid` and `scatter` lay out the latent panels; `my_digits` is the
//! learner's own digits; `host` is what a worker needs from where it runs.

pub mod chart;
pub mod data;
pub mod device;
pub mod grid;
pub mod history;
pub mod host;
pub mod link;
pub mod models;
pub mod my_digits;
pub mod protocol;
pub mod readback;
pub mod runs;
pub mod scatter;
pub mod train;
pub mod weights;
