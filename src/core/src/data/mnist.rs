//! MNIST and Fashion-MNIST as the project ships them (IDX, gzip, under `static/data/`), with
//! seeded shuffling into batches of indices (`batch` makes them tensors).

use std::path::Path;

use super::idx::{self, IdxError};
use super::rng::SplitMix64;
use super::{IMAGE_PIXELS, IMAGE_SIDE};

/// Which of the two shipped datasets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
#[derive(strum::IntoStaticStr, strum::EnumString, strum::VariantArray)]
#[strum(serialize_all = "lowercase")]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum), value(rename_all = "lowercase"))]
pub enum DatasetKind {
    Mnist,
    Fashion,
}

impl DatasetKind {
    pub const ALL: [DatasetKind; 2] = crate::all_variants(<Self as strum::VariantArray>::VARIANTS);

    /// Its name on the command line, in links and in weight files' headers ("fashion").
    pub fn name(self) -> &'static str {
        self.into()
    }

    pub fn parse(name: &str) -> Option<Self> {
        name.parse().ok()
    }

    /// Folder under the data root, as the site serves it.
    pub fn folder(self) -> &'static str {
        match self {
            DatasetKind::Mnist => "mnist",
            DatasetKind::Fashion => "fashion-mnist",
        }
    }

    /// The site's folder of this dataset's shipped models (their files, manifest.json, the
    /// autoencoder's codes): MNIST's at the top, every other one in a folder of its own, so that
    /// a visitor who never switches downloads none of it.
    pub fn pretrained_folder(self) -> &'static str {
        match self {
            DatasetKind::Mnist => "pretrained",
            DatasetKind::Fashion => "pretrained/fashion",
        }
    }

    /// What one of its images is called in a sentence ("digit", "piece of clothing").
    pub fn item_name(self) -> &'static str {
        match self {
            DatasetKind::Mnist => "digit",
            DatasetKind::Fashion => "piece of clothing",
        }
    }

    /// Its name as the page shows it.
    pub fn title(self) -> &'static str {
        match self {
            DatasetKind::Mnist => "MNIST",
            DatasetKind::Fashion => "Fashion-MNIST",
        }
    }

    /// The name of class `class` ("7", "Trouser"); "?" for a class the dataset does not have.
    pub fn class_name(self, class: usize) -> &'static str {
        self.class_names().get(class).copied().unwrap_or("?")
    }

    fn class_names(self) -> [&'static str; 10] {
        match self {
            DatasetKind::Mnist => ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
            DatasetKind::Fashion => {
                ["T-shirt", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
            }
        }
    }
}

/// Training (60,000 images) or test (10,000 images) part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    Train,
    Test,
}

impl Split {
    /// File names of the images and the labels, relative to the dataset folder.
    pub fn file_names(self) -> (&'static str, &'static str) {
        match self {
            Split::Train => ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
            Split::Test => ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
        }
    }
}

/// Why a dataset could not be loaded.
#[derive(Debug, Clone, PartialEq, thiserror::Error, serde::Serialize, serde::Deserialize)]
pub enum DataError {
    #[error("cannot read {path}: {message}")]
    Io { path: String, message: String },
    #[error("{what}: {error}")]
    Idx { what: String, error: IdxError },
    #[error("the images are {rows}x{cols}, expected {IMAGE_SIDE}x{IMAGE_SIDE}")]
    NotMnistSized { rows: usize, cols: usize },
    #[error("{images} images but {labels} labels: the two files do not belong together")]
    CountMismatch { images: usize, labels: usize },
    #[error("label {label} at index {index} is not a class 0-9")]
    LabelOutOfRange { index: usize, label: u8 },
}

/// Images (row-major 28x28 bytes each) with their labels.
#[derive(Debug, Clone)]
pub struct Dataset {
    pixels: Vec<u8>,
    labels: Vec<u8>,
}

impl Dataset {
    /// Builds a dataset from the bytes of an IDX image file and an IDX label file.
    pub fn from_idx_bytes(images: &[u8], labels: &[u8]) -> Result<Self, DataError> {
        let images = idx::decode_images(images).map_err(|error| DataError::Idx { what: "image file".into(), error })?;
        let labels = idx::decode_labels(labels).map_err(|error| DataError::Idx { what: "label file".into(), error })?;
        Self::new(images, labels)
    }

    pub fn new(images: idx::IdxImages, labels: Vec<u8>) -> Result<Self, DataError> {
        if images.rows != IMAGE_SIDE || images.cols != IMAGE_SIDE {
            return Err(DataError::NotMnistSized { rows: images.rows, cols: images.cols });
        }
        if images.count != labels.len() {
            return Err(DataError::CountMismatch { images: images.count, labels: labels.len() });
        }
        if let Some((index, &label)) = labels.iter().enumerate().find(|(_, l)| **l >= 10) {
            return Err(DataError::LabelOutOfRange { index, label });
        }
        Ok(Self { pixels: images.pixels, labels })
    }

    /// Loads one split of a dataset from `root/<folder>/`, e.g. `static/data/mnist/`.
    pub fn load(root: &Path, kind: DatasetKind, split: Split) -> Result<Self, DataError> {
        let folder = root.join(kind.folder());
        let (image_file, label_file) = split.file_names();
        let read = |name: &str| {
            let path = folder.join(name);
            std::fs::read(&path).map_err(|e| DataError::Io { path: path.display().to_string(), message: e.to_string() })
        };
        Self::from_idx_bytes(&read(image_file)?, &read(label_file)?)
    }

    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    pub fn label(&self, index: usize) -> u8 {
        self.labels[index]
    }

    pub fn labels(&self) -> &[u8] {
        &self.labels
    }

    /// The 784 bytes of one image.
    pub fn image_bytes(&self, index: usize) -> &[u8] {
        &self.pixels[index * IMAGE_PIXELS..(index + 1) * IMAGE_PIXELS]
    }

    /// This set with `other`'s images appended `times` times (a small set weighed in beside a large one).
    pub fn with_repeated(&self, other: &Dataset, times: usize) -> Self {
        let mut pixels = self.pixels.clone();
        let mut labels = self.labels.clone();
        for _ in 0..times {
            pixels.extend_from_slice(&other.pixels);
            labels.extend_from_slice(&other.labels);
        }
        Self { pixels, labels }
    }

    /// The first `n` images (or all, if fewer), for quick checks on a subset.
    pub fn first(&self, n: usize) -> Self {
        let n = n.min(self.len());
        Self { pixels: self.pixels[..n * IMAGE_PIXELS].to_vec(), labels: self.labels[..n].to_vec() }
    }

    /// Pixels of the given images, scaled to [0, 1], one row per image.
    pub fn pixels_unit(&self, indices: &[usize]) -> Vec<f32> {
        // Image by image into a vector of the final size: a `flat_map` has no size to reserve
        // and converts value by value (a profile of the inference worker found it at a third of
        // the time the AE took to encode the same 3,000 images).
        let mut pixels = Vec::with_capacity(indices.len() * IMAGE_PIXELS);
        for &index in indices {
            pixels.extend(self.image_bytes(index).iter().map(|&p| f32::from(p) / 255.0));
        }
        pixels
    }

    /// Consecutive batches over the whole set in order (for evaluation).
    pub fn sequential_batches(&self, batch_size: usize) -> Vec<Vec<usize>> {
        (0..self.len()).collect::<Vec<_>>().chunks(batch_size).map(<[usize]>::to_vec).collect()
    }
}

/// The batches of successive epochs: each epoch is a fresh seeded shuffle of the whole set,
/// cut into batches; the last, smaller batch is kept (as PyTorch's DataLoader does).
#[derive(Debug, Clone)]
pub struct EpochBatches {
    order: Vec<usize>,
    batch_size: usize,
    position: usize,
    epoch: usize,
    rng: SplitMix64,
}

impl EpochBatches {
    pub fn new(len: usize, batch_size: usize, seed: u64) -> Self {
        let mut batches = Self {
            order: (0..len).collect(),
            batch_size: batch_size.max(1),
            position: 0,
            epoch: 0,
            rng: SplitMix64::new(seed),
        };
        batches.rng.shuffle(&mut batches.order);
        batches
    }

    /// Completed epochs so far.
    pub fn epoch(&self) -> usize {
        self.epoch
    }

    pub fn batches_per_epoch(&self) -> usize {
        self.order.len().div_ceil(self.batch_size)
    }

    /// Indices of the next batch; moves to a reshuffled next epoch when one ends.
    pub fn next_indices(&mut self) -> Vec<usize> {
        if self.position >= self.order.len() {
            self.epoch += 1;
            self.position = 0;
            self.rng.shuffle(&mut self.order);
        }
        let end = (self.position + self.batch_size).min(self.order.len());
        let indices = self.order[self.position..end].to_vec();
        self.position = end;
        indices
    }

    /// True when the next call to `next_indices` starts a new epoch.
    pub fn at_epoch_end(&self) -> bool {
        self.position >= self.order.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epochs_cover_every_index_once_and_reshuffle() {
        let mut batches = EpochBatches::new(10, 4, 3);
        assert_eq!(batches.batches_per_epoch(), 3);
        let first: Vec<usize> = (0..3).flat_map(|_| batches.next_indices()).collect();
        assert!(batches.at_epoch_end());
        let second: Vec<usize> = (0..3).flat_map(|_| batches.next_indices()).collect();
        assert_eq!(batches.epoch(), 1);
        for epoch in [&first, &second] {
            let mut sorted = epoch.clone();
            sorted.sort();
            assert_eq!(sorted, (0..10).collect::<Vec<_>>());
        }
        assert_ne!(first, second);
    }

    #[test]
    fn mismatched_files_are_rejected() {
        let images = idx::IdxImages { count: 2, rows: 28, cols: 28, pixels: vec![0; 2 * 784] };
        let err = Dataset::new(images.clone(), vec![1]).unwrap_err();
        assert!(err.to_string().contains("2 images but 1 labels"), "{err}");
        let err = Dataset::new(images, vec![1, 12]).unwrap_err();
        assert!(err.to_string().contains("label 12"), "{err}");
        let small = idx::IdxImages { count: 1, rows: 8, cols: 8, pixels: vec![0; 64] };
        assert!(matches!(Dataset::new(small, vec![0]), Err(DataError::NotMnistSized { .. })));
    }
}
