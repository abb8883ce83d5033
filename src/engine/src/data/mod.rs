//! Images as tensors: batches for the trainers and the panels. Everything about images before
//! they are tensors (IDX, the datasets, preprocessing) is plain data in `latent_core::data`,
//! re-exported here so that one path names all of it.

mod batch;

pub use batch::{Batch, images_tensor};
pub use latent_core::data::*;
