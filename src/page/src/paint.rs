//! Drawing 28x28 images onto canvases.

use wasm_bindgen::{Clamped, JsCast};
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, ImageData};

use latent_core::data::{IMAGE_PIXELS, IMAGE_SIDE};

pub fn context_2d(canvas: &HtmlCanvasElement) -> CanvasRenderingContext2d {
    canvas
        .get_context("2d")
        .ok()
        .flatten()
        .and_then(|c| c.dyn_into().ok())
        .expect("every browser canvas has a 2d context")
}

/// The 2-D context of a canvas whose pixels are read back every frame (the draw pad): kept in
/// main memory, so that each read does not wait on the GPU. (The first request for a canvas's
/// context fixes its options.)
pub fn read_often_context_2d(canvas: &HtmlCanvasElement) -> CanvasRenderingContext2d {
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"willReadFrequently".into(), &true.into());
    canvas
        .get_context_with_context_options("2d", &options)
        .ok()
        .flatten()
        .and_then(|c| c.dyn_into().ok())
        .expect("every browser canvas has a 2d context")
}

/// Paints images (pixels in [0, 1], white ink on black) as a grid of `columns`, one canvas pixel
/// per image pixel (CSS scales the canvas up with crisp pixels); resizes the canvas to fit.
pub fn paint_grid(canvas: &HtmlCanvasElement, pixels: &[f32], columns: usize) {
    let count = pixels.len() / IMAGE_PIXELS;
    let columns = columns.max(1).min(count.max(1));
    let rows = count.div_ceil(columns).max(1);
    let (width, height) = (columns * IMAGE_SIDE, rows * IMAGE_SIDE);
    canvas.set_width(width as u32);
    canvas.set_height(height as u32);
    let mut rgba = vec![0u8; width * height * 4];
    for (i, image) in pixels.chunks_exact(IMAGE_PIXELS).enumerate() {
        let (top, left) = ((i / columns) * IMAGE_SIDE, (i % columns) * IMAGE_SIDE);
        for (p, &value) in image.iter().enumerate() {
            let (y, x) = (top + p / IMAGE_SIDE, left + p % IMAGE_SIDE);
            let at = (y * width + x) * 4;
            let v = (value.clamp(0.0, 1.0) * 255.0).round() as u8;
            rgba[at..at + 4].copy_from_slice(&[v, v, v, 255]);
        }
    }
    put_rgba(canvas, &rgba, width);
}

/// Puts RGBA pixels, `width` to a row, at the canvas's top left in one call.
pub fn put_rgba(canvas: &HtmlCanvasElement, rgba: &[u8], width: usize) {
    let height = rgba.len() / 4 / width.max(1);
    if let Ok(data) = ImageData::new_with_u8_clamped_array_and_sh(Clamped(rgba), width as u32, height as u32) {
        let _ = context_2d(canvas).put_image_data(&data, 0.0, 0.0);
    }
}

/// Paints one image.
pub fn paint_image(canvas: &HtmlCanvasElement, pixels: &[f32]) {
    paint_grid(canvas, pixels, 1);
}
