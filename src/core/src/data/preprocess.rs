//! MNIST-style preprocessing of a free-hand drawing, as LeCun, Cortes and Burges describe it:
//! crop to the ink, scale the longer side to 20 pixels keeping the aspect ratio (anti-aliased),
//! and place the result in a 28x28 field so that its centre of mass lands on the field's centre;
//! and Fashion-MNIST's own recipe for a drawing of clothes.

use super::{DatasetKind, IMAGE_PIXELS, IMAGE_SIDE};

/// Side of the box the digit is scaled into, as in MNIST.
const DIGIT_BOX: usize = 20;
/// Ink below this (on a 0-1 scale) does not count towards the bounding box; it keeps the soft
/// fringe of a stroke or a stray speck from widening the crop.
const INK_THRESHOLD: f32 = 0.1;
/// Where the centre of mass is put, in pixel-index coordinates (pixels 0..=27).
/// Measured on the MNIST test set: the mean centre of mass is row 14.1, column 14.0 with the
/// rounding MNIST used, so the digit lands where the models expect it.
const TARGET_CENTRE: (f32, f32) = (14.0, 14.0);

/// A grey image, row-major, ink in [0, 1] (0 = background).
#[derive(Debug, Clone, PartialEq)]
pub struct GreyImage {
    pub width: usize,
    pub height: usize,
    pub pixels: Vec<f32>,
}

impl GreyImage {
    pub fn new(width: usize, height: usize, pixels: Vec<f32>) -> Self {
        assert_eq!(pixels.len(), width * height, "pixel count must be width * height");
        Self { width, height, pixels }
    }

    fn at(&self, x: usize, y: usize) -> f32 {
        self.pixels[y * self.width + x]
    }

    /// The smallest rectangle (x0, y0, x1, y1), exclusive ends, holding every inked pixel.
    fn ink_bounds(&self) -> Option<(usize, usize, usize, usize)> {
        let mut bounds: Option<(usize, usize, usize, usize)> = None;
        for y in 0..self.height {
            for x in 0..self.width {
                if self.at(x, y) > INK_THRESHOLD {
                    let b = bounds.get_or_insert((x, y, x + 1, y + 1));
                    *b = (b.0.min(x), b.1.min(y), b.2.max(x + 1), b.3.max(y + 1));
                }
            }
        }
        bounds
    }

    fn crop(&self, (x0, y0, x1, y1): (usize, usize, usize, usize)) -> GreyImage {
        let pixels = (y0..y1).flat_map(|y| (x0..x1).map(move |x| (x, y))).map(|(x, y)| self.at(x, y));
        GreyImage::new(x1 - x0, y1 - y0, pixels.collect())
    }

    /// Resizes with a tent filter whose support widens when shrinking, so that downscaling
    /// averages every source pixel (anti-aliasing) and upscaling interpolates bilinearly.
    pub fn resized(&self, width: usize, height: usize) -> GreyImage {
        let rows = resample_rows(&self.pixels, self.width, self.height, width);
        let transposed = transpose(&rows, width, self.height);
        let cols = resample_rows(&transposed, self.height, width, height);
        GreyImage::new(width, height, transpose(&cols, height, width))
    }

    /// Centre of mass (row, column) in pixel-index coordinates, or None for a blank image.
    fn centre_of_mass(&self) -> Option<(f32, f32)> {
        let (mut total, mut row, mut col) = (0.0f64, 0.0f64, 0.0f64);
        for y in 0..self.height {
            for x in 0..self.width {
                let v = self.at(x, y) as f64;
                total += v;
                row += v * y as f64;
                col += v * x as f64;
            }
        }
        (total > 0.0).then(|| ((row / total) as f32, (col / total) as f32))
    }
}

/// Resamples each row of a `width x height` image to `new_width` columns (see `resized`).
fn resample_rows(pixels: &[f32], width: usize, height: usize, new_width: usize) -> Vec<f32> {
    let scale = new_width as f32 / width as f32;
    let support = (1.0 / scale).max(1.0);
    let taps: Vec<Vec<(usize, f32)>> = (0..new_width)
        .map(|x| {
            let centre = (x as f32 + 0.5) / scale - 0.5;
            let first = (centre - support).floor().max(0.0) as usize;
            let last = ((centre + support).ceil() as usize).min(width - 1);
            let raw: Vec<(usize, f32)> = (first..=last)
                .map(|i| (i, (1.0 - (i as f32 - centre).abs() / support).max(0.0)))
                .filter(|(_, w)| *w > 0.0)
                .collect();
            let sum: f32 = raw.iter().map(|(_, w)| w).sum();
            raw.into_iter().map(|(i, w)| (i, w / sum)).collect()
        })
        .collect();
    (0..height)
        .flat_map(|y| {
            let row = &pixels[y * width..(y + 1) * width];
            taps.iter().map(move |tap| tap.iter().map(|&(i, w)| row[i] * w).sum::<f32>())
        })
        .collect()
}

fn transpose(pixels: &[f32], width: usize, height: usize) -> Vec<f32> {
    (0..width).flat_map(|x| (0..height).map(move |y| pixels[y * width + x])).collect()
}

/// Turns a drawing into the 28x28 image (row-major, [0, 1]) that models of `dataset` see, made
/// as that dataset's images were made. Returns None when nothing is drawn.
pub fn to_model_input(drawing: &GreyImage, dataset: DatasetKind) -> Option<Vec<f32>> {
    match dataset {
        DatasetKind::Mnist => to_mnist(drawing),
        DatasetKind::Fashion => to_fashion_mnist(drawing),
    }
}

/// MNIST's recipe: the longer side scaled to 20 pixels, the centre of mass at the centre.
pub fn to_mnist(drawing: &GreyImage) -> Option<Vec<f32>> {
    let digit = scaled_into(drawing, DIGIT_BOX)?;
    let (row, col) = digit.centre_of_mass()?;
    Some(place(&digit, (TARGET_CENTRE.0 - row, TARGET_CENTRE.1 - col)))
}

/// Fashion-MNIST's recipe (Xiao, Rasul and Vollgraf, 2017): the product trimmed to its
/// bounding box, its longer side resized to the whole 28 pixels, the box centred.
pub fn to_fashion_mnist(drawing: &GreyImage) -> Option<Vec<f32>> {
    let item = scaled_into(drawing, IMAGE_SIDE)?;
    let margin = |side: usize| (IMAGE_SIDE - side) as f32 / 2.0;
    Some(place(&item, (margin(item.height), margin(item.width))))
}

/// The drawing cropped to its ink and scaled, aspect kept (anti-aliased), so that its longer
/// side is `side` pixels; None when nothing is drawn.
fn scaled_into(drawing: &GreyImage, side: usize) -> Option<GreyImage> {
    let item = drawing.crop(drawing.ink_bounds()?);
    let scale = side as f32 / item.width.max(item.height) as f32;
    let width = ((item.width as f32 * scale).round() as usize).clamp(1, side);
    let height = ((item.height as f32 * scale).round() as usize).clamp(1, side);
    Some(item.resized(width, height))
}

/// A 28x28 field with `item` placed at (top, left), rounded to whole pixels; what falls outside
/// is cut off.
fn place(item: &GreyImage, (top, left): (f32, f32)) -> Vec<f32> {
    let (top, left) = (top.round() as isize, left.round() as isize);
    let mut field = vec![0.0f32; IMAGE_PIXELS];
    for y in 0..item.height {
        for x in 0..item.width {
            let (fy, fx) = (y as isize + top, x as isize + left);
            if (0..IMAGE_SIDE as isize).contains(&fy) && (0..IMAGE_SIDE as isize).contains(&fx) {
                field[fy as usize * IMAGE_SIDE + fx as usize] = item.at(x, y).clamp(0.0, 1.0);
            }
        }
    }
    field
}

/// Centre of mass (row, column) of a 28x28 image, for checks and for the UI.
pub fn mnist_centre_of_mass(pixels: &[f32]) -> Option<(f32, f32)> {
    GreyImage::new(IMAGE_SIDE, IMAGE_SIDE, pixels.to_vec()).centre_of_mass()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `width` x `height` pad inked over the given columns and rows.
    fn inked_box(
        (width, height): (usize, usize),
        columns: std::ops::Range<usize>,
        rows: std::ops::Range<usize>,
    ) -> GreyImage {
        let mut pixels = vec![0.0; width * height];
        for y in rows {
            pixels[y * width + columns.start..y * width + columns.end].fill(1.0);
        }
        GreyImage::new(width, height, pixels)
    }

    /// The rows and the columns of a 28x28 image that hold ink.
    fn inked_rows_and_columns(image: &[f32]) -> (Vec<usize>, Vec<usize>) {
        let inked = |line: &dyn Fn(usize) -> bool| (0..IMAGE_SIDE).filter(|&i| line(i)).collect::<Vec<_>>();
        let rows = inked(&|r| (0..IMAGE_SIDE).any(|c| image[r * IMAGE_SIDE + c] > 0.5));
        let columns = inked(&|c| (0..IMAGE_SIDE).any(|r| image[r * IMAGE_SIDE + c] > 0.5));
        (rows, columns)
    }

    #[test]
    fn blank_drawing_gives_nothing() {
        assert_eq!(to_mnist(&GreyImage::new(50, 50, vec![0.0; 2500])), None);
    }

    #[test]
    fn a_square_becomes_a_centred_20_pixel_square() {
        let out = to_mnist(&inked_box((200, 100), 120..170, 10..60)).unwrap();
        let inked: Vec<usize> = (0..784).filter(|&i| out[i] > 0.5).collect();
        assert_eq!(inked.len(), 400);
        let (row, col) = mnist_centre_of_mass(&out).unwrap();
        assert!((row - 14.0).abs() <= 0.5 && (col - 14.0).abs() <= 0.5, "{row} {col}");
    }

    #[test]
    fn tall_strokes_keep_their_aspect_ratio() {
        let out = to_mnist(&inked_box((100, 100), 45..55, 0..100)).unwrap();
        let (rows, columns) = inked_rows_and_columns(&out);
        assert_eq!((rows.len(), columns.len()), (20, 2));
    }

    #[test]
    fn clothes_fill_the_field_and_their_box_is_centred() {
        // A wide box (120 x 60 of ink) on a 200 x 200 pad: 28 x 14 in the middle rows.
        let drawing = inked_box((200, 200), 40..160, 70..130);
        let (rows, columns) = inked_rows_and_columns(&to_model_input(&drawing, DatasetKind::Fashion).unwrap());
        assert_eq!((rows.len(), columns.len()), (14, 28));
        assert_eq!((rows[0], rows[13]), (7, 20));
        // The same drawing for MNIST: 20 pixels wide, not 28.
        let (_, columns) = inked_rows_and_columns(&to_model_input(&drawing, DatasetKind::Mnist).unwrap());
        assert_eq!(columns.len(), 20);
    }

    #[test]
    fn downscaling_averages_instead_of_dropping_pixels() {
        let checker: Vec<f32> = (0..64).map(|i| ((i % 8 + i / 8) % 2) as f32).collect();
        let small = GreyImage::new(8, 8, checker).resized(2, 2);
        assert!(small.pixels.iter().all(|&p| (p - 0.5).abs() < 0.1), "{:?}", small.pixels);
    }
}
