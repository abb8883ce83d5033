//! "My digits": drawings the learner labelled (the 28x28 images the models saw), kept in the
//! browser across visits, exported and imported as an MNIST-format IDX pair, and trained on in
//! the Train panel. Plain data: the page keeps them, the training worker gets them as an IDX
//! pair inside the plan.

use serde::{Deserialize, Serialize};

use crate::data::idx::{self, IdxImages};
use crate::data::{DataError, Dataset, IMAGE_PIXELS, IMAGE_SIDE, NUM_CLASSES};

/// Digits kept at the most (60,000 would be a second MNIST; this many are hours of drawing).
pub const MAX_DIGITS: usize = 5000;
/// How many times each of my digits may count in an epoch beside MNIST's 60,000.
pub const MAX_WEIGHT: usize = 100;

/// The learner's digits as a training run takes them (inside the Train panel's plan): an IDX
/// pair, and either trained on alone (`only`) or beside the dataset, each counted `weight` times
/// an epoch so that a few dozen are not lost among 60,000.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingDigits {
    #[serde(with = "serde_bytes")]
    pub images: Vec<u8>,
    #[serde(with = "serde_bytes")]
    pub labels: Vec<u8>,
    pub weight: usize,
    pub only: bool,
}

impl TrainingDigits {
    /// The digits as a dataset, checked as any IDX pair is.
    pub fn dataset(&self) -> Result<Dataset, DataError> {
        Dataset::from_idx_bytes(&self.images, &self.labels)
    }

    /// The training set of a run: the digits alone, or `base` with them weighed in.
    pub fn training_set(&self, base: &Dataset) -> Result<Dataset, DataError> {
        let mine = self.dataset()?;
        Ok(if self.only { mine } else { base.with_repeated(&mine, self.weight.max(1)) })
    }

    /// How they are used, in words ("MNIST + 24 of my digits, each x10").
    pub fn described(&self, base: &str) -> String {
        let count = self.labels.len().saturating_sub(8);
        if self.only {
            format!("{count} of my digits")
        } else {
            format!("{base} + {count} of my digits, each x{}", self.weight)
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MyDigit {
    /// Unique in the collection (when it was added, made unique).
    pub id: u64,
    pub label: u8,
    /// 28x28 grey levels, 0 (background) to 255 (ink), as MNIST stores them.
    #[serde(with = "serde_bytes")]
    pub pixels: Vec<u8>,
}

impl MyDigit {
    /// Its pixels in [0, 1], as the models take them.
    pub fn unit_pixels(&self) -> Vec<f32> {
        self.pixels.iter().map(|&p| p as f32 / 255.0).collect()
    }
}

/// Why a digit cannot be added or a file pair imported.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MyDigitsError {
    #[error("a label is a digit from 0 to 9 (not {0})")]
    Label(u8),
    #[error("there is no drawing to add: draw a digit first")]
    NoDrawing,
    #[error("my digits hold {MAX_DIGITS} at the most: delete some first")]
    Full,
    #[error("{0}")]
    Files(#[from] DataError),
    #[error("{0}")]
    Idx(#[from] idx::IdxError),
}

/// Whether `error` says a file is of the other IDX kind (an image file where labels belong).
fn is_wrong_kind(error: &MyDigitsError) -> bool {
    matches!(error, MyDigitsError::Files(DataError::Idx { error: idx::IdxError::WrongMagic { .. }, .. }))
}

/// The collection, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MyDigits {
    pub digits: Vec<MyDigit>,
}

impl MyDigits {
    /// Adds a drawing (the models' 28x28 input, values in [0, 1]) with its label; returns its id.
    pub fn add(&mut self, pixels: &[f32], label: u8, now: u64) -> Result<u64, MyDigitsError> {
        if label as usize >= NUM_CLASSES {
            return Err(MyDigitsError::Label(label));
        }
        if pixels.len() != IMAGE_PIXELS || pixels.iter().all(|&p| p <= 0.0) {
            return Err(MyDigitsError::NoDrawing);
        }
        if self.digits.len() >= MAX_DIGITS {
            return Err(MyDigitsError::Full);
        }
        let id = self.digits.iter().map(|d| d.id + 1).fold(now, u64::max);
        let pixels = pixels.iter().map(|p| (p.clamp(0.0, 1.0) * 255.0).round() as u8).collect();
        self.digits.push(MyDigit { id, label, pixels });
        Ok(id)
    }

    pub fn relabel(&mut self, id: u64, label: u8) -> Result<(), MyDigitsError> {
        if label as usize >= NUM_CLASSES {
            return Err(MyDigitsError::Label(label));
        }
        self.digits.iter_mut().filter(|d| d.id == id).for_each(|d| d.label = label);
        Ok(())
    }

    pub fn remove(&mut self, id: u64) {
        self.digits.retain(|d| d.id != id);
    }

    pub fn len(&self) -> usize {
        self.digits.len()
    }

    pub fn is_empty(&self) -> bool {
        self.digits.is_empty()
    }

    /// How many of each digit.
    pub fn counts(&self) -> [usize; NUM_CLASSES] {
        let mut counts = [0; NUM_CLASSES];
        self.digits.iter().for_each(|d| counts[d.label as usize] += 1);
        counts
    }

    /// The collection as MNIST's files: an IDX image file and an IDX label file (uncompressed).
    pub fn to_idx(&self) -> (Vec<u8>, Vec<u8>) {
        let images = IdxImages {
            count: self.digits.len(),
            rows: IMAGE_SIDE,
            cols: IMAGE_SIDE,
            pixels: self.digits.iter().flat_map(|d| d.pixels.iter().copied()).collect(),
        };
        let labels: Vec<u8> = self.digits.iter().map(|d| d.label).collect();
        (idx::encode_images(&images), idx::encode_labels(&labels))
    }

    /// Adds the digits of an IDX pair (gzip or not), checked as MNIST's own files are; on any
    /// problem nothing is added. Returns how many were added.
    pub fn import_idx(&mut self, images: &[u8], labels: &[u8], now: u64) -> Result<usize, MyDigitsError> {
        let dataset = Dataset::from_idx_bytes(images, labels)?;
        if self.digits.len() + dataset.len() > MAX_DIGITS {
            return Err(MyDigitsError::Full);
        }
        let first = self.digits.iter().map(|d| d.id + 1).fold(now, u64::max);
        self.digits.extend((0..dataset.len()).map(|i| MyDigit {
            id: first + i as u64,
            label: dataset.label(i),
            pixels: dataset.image_bytes(i).to_vec(),
        }));
        Ok(dataset.len())
    }

    /// Adds the digits of two IDX files handed over in either order (an image file and a label
    /// file, gzip or not). Where neither order reads, the error is the one of the order whose
    /// files were of the right kinds (a truncated label file is named as such, not as "a label
    /// file where an image file was expected").
    pub fn import_pair(&mut self, first: &[u8], second: &[u8], now: u64) -> Result<usize, MyDigitsError> {
        self.import_idx(first, second, now).or_else(|as_given| {
            self.import_idx(second, first, now)
                .map_err(|swapped| if is_wrong_kind(&as_given) { swapped } else { as_given })
        })
    }

    /// The digits as a dataset (for training and testing on them).
    pub fn dataset(&self) -> Result<Dataset, MyDigitsError> {
        let (images, labels) = self.to_idx();
        Ok(Dataset::from_idx_bytes(&images, &labels)?)
    }

    /// The digits for a training run: alone (`only`) or each counted `weight` times beside the dataset.
    pub fn for_training(&self, weight: usize, only: bool) -> TrainingDigits {
        let (images, labels) = self.to_idx();
        TrainingDigits { images, labels, weight: weight.clamp(1, MAX_WEIGHT), only }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drawing(ink: f32) -> Vec<f32> {
        (0..IMAGE_PIXELS).map(|i| if i % 29 == 0 { ink } else { 0.0 }).collect()
    }

    #[test]
    fn digits_are_added_relabelled_and_removed() {
        let mut mine = MyDigits::default();
        let a = mine.add(&drawing(1.0), 3, 1000).unwrap();
        let b = mine.add(&drawing(0.5), 3, 1000).unwrap();
        assert_ne!(a, b, "ids are unique even when added in the same millisecond");
        assert_eq!(mine.counts()[3], 2);
        mine.relabel(b, 8).unwrap();
        assert_eq!(mine.counts()[8], 1);
        assert_eq!(mine.relabel(b, 10), Err(MyDigitsError::Label(10)));
        mine.remove(a);
        assert_eq!(mine.len(), 1);
        assert_eq!(mine.digits[0].pixels[0], 128);
        assert_eq!(mine.add(&[0.0; IMAGE_PIXELS], 1, 5).unwrap_err(), MyDigitsError::NoDrawing);
        assert_eq!(mine.add(&drawing(1.0), 12, 5).unwrap_err().to_string(), "a label is a digit from 0 to 9 (not 12)");
    }

    #[test]
    fn an_idx_pair_round_trips_and_a_bad_pair_adds_nothing() {
        let mut mine = MyDigits::default();
        for label in 0..10 {
            mine.add(&drawing(label as f32 / 10.0 + 0.1), label, 7).unwrap();
        }
        let (images, labels) = mine.to_idx();
        assert_eq!(&images[..4], &idx::IMAGES_MAGIC.to_be_bytes());
        assert_eq!(images.len(), 16 + 10 * IMAGE_PIXELS);
        assert_eq!(labels.len(), 8 + 10);
        let dataset = mine.dataset().unwrap();
        assert_eq!(dataset.labels(), (0..10).collect::<Vec<u8>>().as_slice());

        let mut other = MyDigits::default();
        assert_eq!(other.import_idx(&images, &labels, 1).unwrap(), 10);
        assert_eq!(other.to_idx(), (images.clone(), labels.clone()));
        let error = other.import_idx(&images, &labels[..labels.len() - 1], 1).unwrap_err();
        assert!(error.to_string().contains("truncated"), "{error}");
        let error = other.import_idx(&labels, &images, 1).unwrap_err();
        assert!(error.to_string().contains("not an IDX image file"), "{error}");
        assert_eq!(other.len(), 10, "a bad pair adds nothing");

        // Handed over in either order; a bad pair is named by what is wrong with it.
        assert_eq!(other.import_pair(&labels, &images, 1).unwrap(), 10);
        let torn = other.import_pair(&labels[..12], &images, 1).unwrap_err();
        assert!(torn.to_string().starts_with("label file: the file is truncated"), "{torn}");
        let torn = other.import_pair(&images, &labels[..12], 1).unwrap_err();
        assert!(torn.to_string().starts_with("label file: the file is truncated"), "{torn}");
        let neither = other.import_pair(&images, &images, 1).unwrap_err();
        assert!(neither.to_string().contains("not an IDX label file"), "{neither}");
        assert_eq!(other.len(), 20);
    }

    #[test]
    fn a_run_weighs_my_digits_beside_the_dataset_or_takes_them_alone() {
        let mut mine = MyDigits::default();
        mine.add(&drawing(1.0), 7, 1).unwrap();
        mine.add(&drawing(0.5), 1, 1).unwrap();
        let base = mine.dataset().unwrap().with_repeated(&mine.dataset().unwrap(), 0);
        let beside = mine.for_training(3, false);
        assert_eq!(beside.training_set(&base).unwrap().len(), 2 + 2 * 3);
        assert_eq!(beside.described("MNIST"), "MNIST + 2 of my digits, each x3");
        let alone = mine.for_training(3, true);
        assert_eq!(alone.training_set(&base).unwrap().labels(), &[7, 1]);
        assert_eq!(alone.described("MNIST"), "2 of my digits");
        assert_eq!(mine.for_training(1000, false).weight, MAX_WEIGHT);
    }
}
