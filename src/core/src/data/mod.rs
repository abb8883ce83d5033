//! Everything about images before they reach a model: the IDX file format, the MNIST and
//! Fashion-MNIST datasets with seeded shuffling and batching, and the MNIST-style
//! preprocessing that turns a drawing into the 28x28 image the models see; `first_view` is the
//! few small files the page shows before anything large is downloaded.

pub mod first_view;
pub mod idx;
pub mod mnist;
pub mod preprocess;
pub mod rng;

pub use idx::{IdxError, IdxImages};
pub use mnist::{DataError, Dataset, DatasetKind, EpochBatches, Split};

/// Side of an MNIST image in pixels.
pub const IMAGE_SIDE: usize = 28;
/// Pixels in one MNIST image.
pub const IMAGE_PIXELS: usize = IMAGE_SIDE * IMAGE_SIDE;
/// Number of classes in MNIST and in Fashion-MNIST.
pub const NUM_CLASSES: usize = 10;
