//! The drawing pad: pointer strokes (mouse, touch, pen) drawn thick with a soft edge like
//! MNIST's pen strokes, undo and clear, and the 28x28 image the models actually see. Until the
//! first stroke it shows a starting image, marked as one: the drawing of the link the page was
//! opened with, else an example (a test digit), so that the page opens with something
//! reconstructed. A test digit can be picked to start from, and edited by keyboard: a pen
//! cursor moves over the pad's 28x28 cells, inking or erasing.

use std::cell::Cell;
use std::rc::Rc;

use leptos::html::Canvas;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::HtmlCanvasElement;

use crate::draw_pad_canvas::DrawPadCanvas;
use crate::draw_pad_tools::DrawPadTools;
use crate::link_state::use_link;
use crate::paint::{paint_image, read_often_context_2d};
use crate::use_lab;
use latent_core::data::DatasetKind;
use latent_core::data::IMAGE_SIDE;
use latent_core::data::first_view::{Example, Examples, examples_path};
use latent_core::data::preprocess::{GreyImage, to_model_input};
use latent_core::host::Host;
use latent_web::fetch::Http;

/// The pad's resolution: ten canvas pixels per MNIST pixel.
pub const PAD_SIDE: u32 = 280;
/// Pen width in pad pixels: about two MNIST pixels, as the digits were written.
const PEN_WIDTH: f64 = 22.0;
/// Softness of the pen's edge, in pad pixels (MNIST's anti-aliased strokes).
const PEN_BLUR: f64 = 6.0;

/// A stroke of the pen, or of the eraser (black ink, the keyboard's Delete).
#[derive(Debug, Clone, PartialEq)]
pub struct Stroke {
    pub points: Vec<(f64, f64)>,
    erase: bool,
}

impl Stroke {
    pub fn at(point: (f64, f64), erase: bool) -> Self {
        Self { points: vec![point], erase }
    }
}

/// The image the pad starts with (28x28, in [0, 1]) and what the page says it is.
#[derive(Clone)]
pub struct Start {
    pixels: Vec<f32>,
    note: String,
    /// Picked to edit: strokes add to it rather than replace it.
    pub editable: bool,
    /// The page's own example (not picked, not a link's drawing): another dataset's replaces it.
    example: bool,
}

/// Redraws every stroke (white on black), over the starting image if there is one.
fn render(canvas: &HtmlCanvasElement, strokes: &[Stroke], start: Option<&Start>) {
    let ctx = read_often_context_2d(canvas);
    ctx.set_fill_style_str("#000");
    ctx.fill_rect(0.0, 0.0, PAD_SIDE as f64, PAD_SIDE as f64);
    if let Some(start) = start {
        paint_scaled(canvas, &start.pixels);
    }
    ctx.set_line_width(PEN_WIDTH);
    ctx.set_line_cap("round");
    ctx.set_line_join("round");
    ctx.set_shadow_blur(PEN_BLUR);
    for stroke in strokes {
        let colour = if stroke.erase { "#000" } else { "#fff" };
        ctx.set_stroke_style_str(colour);
        ctx.set_fill_style_str(colour);
        ctx.set_shadow_color(colour);
        let Some(&(x0, y0)) = stroke.points.first() else { continue };
        ctx.begin_path();
        if stroke.points.len() == 1 {
            let _ = ctx.arc(x0, y0, PEN_WIDTH / 2.0, 0.0, std::f64::consts::TAU);
            ctx.fill();
            continue;
        }
        ctx.move_to(x0, y0);
        for &(x, y) in &stroke.points[1..] {
            ctx.line_to(x, y);
        }
        ctx.stroke();
    }
    ctx.set_shadow_blur(0.0);
}

/// Paints a 28x28 image over the whole pad, smoothly scaled (as ink drawn there would look).
fn paint_scaled(canvas: &HtmlCanvasElement, pixels: &[f32]) {
    let Some(small) = document().create_element("canvas").ok().and_then(|e| e.dyn_into::<HtmlCanvasElement>().ok())
    else {
        return;
    };
    paint_image(&small, pixels);
    let ctx = read_often_context_2d(canvas);
    ctx.set_image_smoothing_enabled(true);
    let side = PAD_SIDE as f64;
    let _ = ctx.draw_image_with_html_canvas_element_and_dw_and_dh(&small, 0.0, 0.0, side, side);
}

/// The site's examples of a dataset (one test image per class), in test-set order.
async fn examples(dataset: DatasetKind) -> Vec<Example> {
    let Ok(bytes) = Http.fetch(&examples_path(dataset), &mut |_, _| {}).await else { return Vec::new() };
    let mut digits = Examples::decode(&bytes).map(|e| e.digits).unwrap_or_default();
    digits.sort_by_key(|d| d.test_index);
    digits
}

/// An example digit as the pad's starting image; `chosen`: picked by the person (to edit), not
/// shown by the page on its own.
pub fn start_from(example: &Example, dataset: DatasetKind, chosen: bool) -> Start {
    let class = dataset.class_name(example.label as usize);
    let article = if class.starts_with(['A', 'E', 'I', 'O', 'U', '8']) { "an" } else { "a" };
    let what = format!("{article} {class} from {}'s test set (no. {})", dataset.title(), example.test_index);
    let note = if chosen {
        format!("Started from {what}. Draw over it, or edit it with the keyboard.")
    } else {
        format!("Starting example: {what}. Draw to replace it.")
    };
    Start { pixels: example.unit_pixels(), note, editable: chosen, example: !chosen }
}

/// The pad's ink as a grey image in [0, 1].
fn ink(canvas: &HtmlCanvasElement) -> Option<GreyImage> {
    let side = PAD_SIDE as f64;
    let data = read_often_context_2d(canvas).get_image_data(0.0, 0.0, side, side).ok()?.data();
    let pixels = data.chunks_exact(4).map(|rgba| rgba[0] as f32 / 255.0).collect();
    Some(GreyImage::new(PAD_SIDE as usize, PAD_SIDE as usize, pixels))
}

#[component]
pub fn DrawPad() -> impl IntoView {
    let lab = use_lab();
    let pad = NodeRef::<Canvas>::new();
    let seen = NodeRef::<Canvas>::new();
    let strokes = RwSignal::new(Vec::<Stroke>::new());
    let example = RwSignal::new(None::<Start>);
    let digits = RwSignal::new(Vec::<Example>::new());
    // Set by the first stroke or Clear: an example that arrives later is not shown.
    let touched = RwSignal::new(false);
    // The keyboard's pen: its cell (column, row).
    let cursor = RwSignal::new((IMAGE_SIDE / 2, IMAGE_SIDE / 2));
    let frame_requested = Rc::new(Cell::new(false));

    // At most one redraw + preprocessing per animation frame, however fast the pointer moves.
    let schedule = {
        let frame_requested = frame_requested.clone();
        move || {
            if frame_requested.replace(true) {
                return;
            }
            let frame_requested = frame_requested.clone();
            request_animation_frame(move || {
                frame_requested.set(false);
                let Some(canvas) = pad.get_untracked() else { return };
                strokes.with_untracked(|s| example.with_untracked(|e| render(&canvas, s, e.as_ref())));
                let dataset = lab.dataset.get_untracked();
                let seen_image = ink(&canvas).and_then(|image| to_model_input(&image, dataset));
                if let Some(seen_canvas) = seen.get_untracked() {
                    paint_image(&seen_canvas, seen_image.as_deref().unwrap_or(&[0.0; 784]));
                }
                lab.set_drawing(seen_image);
            });
        }
    };
    Effect::new({
        let schedule = schedule.clone();
        move |_| schedule()
    });
    let link = use_link();
    let linked = link.opened().drawing;
    // The chosen dataset's examples; the page's own example gives way to the new dataset's
    // first (what the person drew, picked or opened by a link stays, made again as the new
    // dataset's models see).
    Effect::new({
        let schedule = schedule.clone();
        let linked = linked.is_some();
        move |_| {
            let dataset = lab.dataset.get();
            let schedule = schedule.clone();
            leptos::task::spawn_local(async move {
                let fetched = examples(dataset).await;
                if lab.dataset.get_untracked() != dataset {
                    return;
                }
                digits.set(fetched);
                let first = digits.with_untracked(|d| d.first().map(|e| start_from(e, dataset, false)));
                let untouched = !touched.get_untracked() && !linked;
                let shows_example = example.with_untracked(|e| e.as_ref().is_some_and(|e| e.example));
                if let Some(first) = first.filter(|_| untouched || shows_example) {
                    example.set(Some(first));
                }
                schedule();
            });
        }
    });
    if let Some(pixels) = linked {
        let note = "The drawing of the link. Draw to replace it.".into();
        example.set(Some(Start { pixels, note, editable: false, example: false }));
    }
    link.contribute(move |state| state.drawing = lab.drawing.get_untracked());

    view! {
        <div class="draw-row">
            <DrawPadCanvas pad strokes example touched cursor schedule=schedule.clone()/>
            <div class="seen">
                <canvas node_ref=seen class="pixelated small" width="28" height="28" data-testid="model-input"
                    role="img" aria-label=move || format!("What the models see: your drawing as a 28x28 image, {}-style", lab.dataset.get().title())></canvas>
                <p class="caption">{move || format!("What the models see (28x28, {}-style)", lab.dataset.get().title())}</p>
                {move || example.with(|e| e.as_ref().map(|e| view! {
                    <p class="caption example-note" data-testid="example-note">{e.note.clone()}</p>
                }))}
                <p class="visually-hidden" id="pen-position" aria-live="polite">{move || {
                    let (x, y) = cursor.get();
                    format!("Keyboard pen at column {} of 28, row {} of 28.", x + 1, y + 1)
                }}</p>
                <DrawPadTools strokes example touched digits schedule/>
            </div>
        </div>
    }
}
