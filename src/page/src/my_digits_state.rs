//! The learner's own digits on the page's side: the collection (`latent_core::my_digits`) in a signal,
//! loaded from the browser's IndexedDB when the page opens and written back after each change,
//! exported and imported as an MNIST-format IDX pair. Shared by the draw panel (add, gallery)
//! and the Train panel (train on them).

use leptos::prelude::*;
use leptos::task::spawn_local;

use latent_core::my_digits::MyDigits;
use latent_web::files::download;
use latent_web::store;

/// IndexedDB keys, and the exported files' names (MNIST's own, with "my-digits" for "t10k").
const IMAGES: &str = "my-digits-images-idx3-ubyte";
const LABELS: &str = "my-digits-labels-idx1-ubyte";

#[derive(Clone, Copy)]
pub struct MyDigitsState {
    pub digits: RwSignal<MyDigits>,
    /// What went wrong with the last change, import or the browser's storage.
    pub error: RwSignal<Option<String>>,
    /// Set once the stored collection has been read (or found missing).
    pub loaded: RwSignal<bool>,
}

fn now() -> u64 {
    js_sys::Date::now() as u64
}

impl MyDigitsState {
    /// The collection, read from the browser's storage in the background.
    pub fn new() -> Self {
        let state = Self {
            digits: RwSignal::new(MyDigits::default()),
            error: RwSignal::new(None),
            loaded: RwSignal::new(false),
        };
        spawn_local(async move {
            let stored = match (store::load_bytes(IMAGES).await, store::load_bytes(LABELS).await) {
                (Ok(Some(images)), Ok(Some(labels))) => {
                    let mut digits = MyDigits::default();
                    digits.import_idx(&images, &labels, now()).map(|_| digits).map_err(|e| e.to_string())
                }
                (Ok(_), Ok(_)) => Ok(MyDigits::default()),
                (Err(e), _) | (_, Err(e)) => Err(e),
            };
            match stored {
                // Digits added before the stored ones came in are kept after them.
                Ok(mut digits) => state.digits.update(|now_held| {
                    for added in std::mem::take(&mut now_held.digits) {
                        let _ = digits.add(&added.unit_pixels(), added.label, added.id);
                    }
                    *now_held = digits;
                }),
                Err(why) => state.error.set(Some(format!("Your saved digits could not be read: {why}"))),
            }
            state.loaded.set(true);
        });
        state
    }

    /// Writes the collection back (the IDX pair, in one transaction).
    fn persist(self) {
        let (images, labels) = self.digits.with_untracked(MyDigits::to_idx);
        spawn_local(async move {
            if let Err(why) = store::save_bytes(&[(IMAGES, &images), (LABELS, &labels)]).await {
                self.error.set(Some(format!("{why}. Your digits are kept for this visit only: export them.")));
            }
        });
    }

    /// Applies a change to the collection; on success it is kept, else the error is shown.
    fn change<T>(self, change: impl FnOnce(&mut MyDigits) -> Result<T, String>) -> Result<T, String> {
        let result = self.digits.try_update(change).unwrap_or_else(|| Err("the page is closing".into()));
        match &result {
            Ok(_) => {
                self.error.set(None);
                self.persist();
            }
            Err(why) => self.error.set(Some(why.clone())),
        }
        result
    }

    pub fn add(self, pixels: &[f32], label: u8) -> Result<u64, String> {
        self.change(|d| d.add(pixels, label, now()).map_err(|e| e.to_string()))
    }

    pub fn relabel(self, id: u64, label: u8) {
        let _ = self.change(|d| d.relabel(id, label).map_err(|e| e.to_string()));
    }

    pub fn remove(self, id: u64) {
        let _ = self.change(|d| {
            d.remove(id);
            Ok(())
        });
    }

    /// Adds the digits of two files, an IDX image file and an IDX label file in either order
    /// (gzip or not); says how many were added. A pair that is not one adds nothing.
    pub fn import(self, first: (String, Vec<u8>), second: (String, Vec<u8>)) -> Result<usize, String> {
        self.change(|d| {
            d.import_pair(&first.1, &second.1, now()).map_err(|error| format!("{} and {}: {error}", first.0, second.0))
        })
    }

    /// Offers one of MNIST's two files of the collection: the images, or the labels. One file per
    /// click: a browser asks before a page downloads several files at once, or blocks the second.
    pub fn export(self, labels: bool) -> Result<(), String> {
        let (image_file, label_file) = self.digits.with_untracked(MyDigits::to_idx);
        if labels { download(LABELS, &label_file) } else { download(IMAGES, &image_file) }
    }
}

/// The page's digits, for components.
pub fn use_my_digits() -> MyDigitsState {
    expect_context::<MyDigitsState>()
}
