//! Files in and out: reading and writing bytes with the path in the error, images as IDX files
//! and as PNG grids.

use std::path::Path;

use latent_engine::data::idx::{self, IdxImages};
use latent_engine::data::{IMAGE_PIXELS, IMAGE_SIDE};

use crate::common::CliResult;

pub fn read_file(path: &Path) -> CliResult<Vec<u8>> {
    std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

pub fn write_file(path: &Path, bytes: &[u8]) -> CliResult<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    std::fs::write(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Pixels in [0, 1] as bytes.
fn to_bytes(pixels: &[f32]) -> Vec<u8> {
    pixels.iter().map(|&p| (p.clamp(0.0, 1.0) * 255.0).round() as u8).collect()
}

/// Writes 28x28 images (pixels in [0, 1]) as an IDX file and says so.
pub fn write_idx(out: &Path, pixels: &[f32]) -> CliResult<()> {
    let images =
        IdxImages { count: pixels.len() / IMAGE_PIXELS, rows: IMAGE_SIDE, cols: IMAGE_SIDE, pixels: to_bytes(pixels) };
    write_file(out, &idx::encode_images(&images))?;
    println!("wrote {} images to {}", images.count, out.display());
    Ok(())
}

/// Writes images as one grey PNG, `columns` a row, with a 2-pixel gap.
pub fn write_png_grid(path: &Path, pixels: &[f32], columns: usize) -> CliResult<()> {
    const GAP: usize = 2;
    let count = pixels.len() / IMAGE_PIXELS;
    let rows = count.div_ceil(columns.max(1));
    let width = columns * (IMAGE_SIDE + GAP) + GAP;
    let height = rows * (IMAGE_SIDE + GAP) + GAP;
    let mut canvas = vec![40u8; width * height];
    for (i, image) in to_bytes(pixels).chunks_exact(IMAGE_PIXELS).enumerate() {
        let (top, left) = (GAP + (i / columns) * (IMAGE_SIDE + GAP), GAP + (i % columns) * (IMAGE_SIDE + GAP));
        for y in 0..IMAGE_SIDE {
            let row = &image[y * IMAGE_SIDE..(y + 1) * IMAGE_SIDE];
            canvas[(top + y) * width + left..(top + y) * width + left + IMAGE_SIDE].copy_from_slice(row);
        }
    }
    let mut bytes = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut bytes, width as u32, height as u32);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
        writer.write_image_data(&canvas).map_err(|e| e.to_string())?;
    }
    write_file(path, &bytes)?;
    println!("wrote {}", path.display());
    Ok(())
}
