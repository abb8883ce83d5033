//! The drawing pad: pointer strokes (mouse, touch, pen) drawn thick with a soft edge like
//! MNIST's pen strokes, undo and clear, and the 28x28 image the models actually see. Until the
//! first stroke it shows a starting image, marked as one: the drawing of the link the page was
//! opened with, else an example (a test digit), so that the page opens with something
//! reconstructed.

use std::cell::Cell;
use std::rc::Rc;

use leptos::html::Canvas;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::HtmlCanvasElement;

use super::link::use_link;
use super::paint::{paint_image, read_often_context_2d};
use super::use_lab;
use crate::data::first_view::{EXAMPLES_PATH, Examples};
use crate::data::preprocess::{GreyImage, to_mnist};
use crate::host::Host;
use crate::web::fetch::Http;

/// The pad's resolution: ten canvas pixels per MNIST pixel.
pub const PAD_SIDE: u32 = 280;
/// Pen width in pad pixels: about two MNIST pixels, as the digits were written.
const PEN_WIDTH: f64 = 22.0;
/// Softness of the pen's edge, in pad pixels (MNIST's anti-aliased strokes).
const PEN_BLUR: f64 = 6.0;

type Stroke = Vec<(f64, f64)>;

/// The image the pad starts with (28x28, in [0, 1]) and what the page says it is.
#[derive(Clone)]
struct Start {
    pixels: Vec<f32>,
    note: String,
}

/// Redraws every stroke (white on black), over the starting image if there is one.
fn render(canvas: &HtmlCanvasElement, strokes: &[Stroke], start: Option<&Start>) {
    let ctx = read_often_context_2d(canvas);
    ctx.set_fill_style_str("#000");
    ctx.fill_rect(0.0, 0.0, PAD_SIDE as f64, PAD_SIDE as f64);
    if let Some(start) = start {
        paint_scaled(canvas, &start.pixels);
    }
    ctx.set_stroke_style_str("#fff");
    ctx.set_fill_style_str("#fff");
    ctx.set_line_width(PEN_WIDTH);
    ctx.set_line_cap("round");
    ctx.set_line_join("round");
    ctx.set_shadow_blur(PEN_BLUR);
    ctx.set_shadow_color("#fff");
    for stroke in strokes {
        let Some(&(x0, y0)) = stroke.first() else { continue };
        ctx.begin_path();
        if stroke.len() == 1 {
            let _ = ctx.arc(x0, y0, PEN_WIDTH / 2.0, 0.0, std::f64::consts::TAU);
            ctx.fill();
            continue;
        }
        ctx.move_to(x0, y0);
        for &(x, y) in &stroke[1..] {
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

/// The starting example: the first test digit of the site's examples.
async fn first_example() -> Option<Start> {
    let bytes = Http.fetch(EXAMPLES_PATH, &mut |_, _| {}).await.ok()?;
    let first = Examples::decode(&bytes).ok()?.digits.into_iter().min_by_key(|d| d.test_index)?;
    let note = format!(
        "Starting example: a {} from MNIST's test set (no. {}). Draw to replace it.",
        first.label, first.test_index
    );
    Some(Start { pixels: first.unit_pixels(), note })
}

/// The pad's ink as a grey image in [0, 1].
fn ink(canvas: &HtmlCanvasElement) -> Option<GreyImage> {
    let side = PAD_SIDE as f64;
    let data = read_often_context_2d(canvas).get_image_data(0.0, 0.0, side, side).ok()?.data();
    let pixels = data.chunks_exact(4).map(|rgba| rgba[0] as f32 / 255.0).collect();
    Some(GreyImage::new(PAD_SIDE as usize, PAD_SIDE as usize, pixels))
}

/// Pointer position in pad pixels, whatever size CSS gives the canvas.
fn pad_point(canvas: &HtmlCanvasElement, ev: &web_sys::PointerEvent) -> (f64, f64) {
    let rect = canvas.get_bounding_client_rect();
    let scale = PAD_SIDE as f64 / rect.width().max(1.0);
    ((ev.client_x() as f64 - rect.left()) * scale, (ev.client_y() as f64 - rect.top()) * scale)
}

#[component]
pub fn DrawPad() -> impl IntoView {
    let lab = use_lab();
    let pad = NodeRef::<Canvas>::new();
    let seen = NodeRef::<Canvas>::new();
    let strokes = RwSignal::new(Vec::<Stroke>::new());
    let example = RwSignal::new(None::<Start>);
    // Set by the first stroke or Clear: an example that arrives later is not shown.
    let touched = RwSignal::new(false);
    let drawing = RwSignal::new(false);
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
                let seen_image = ink(&canvas).and_then(|image| to_mnist(&image));
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
    match link.opened().drawing {
        Some(pixels) => {
            example.set(Some(Start { pixels, note: "The drawing of the link. Draw to replace it.".into() }))
        }
        None => leptos::task::spawn_local({
            let schedule = schedule.clone();
            async move {
                if let Some(first) = first_example().await.filter(|_| !touched.get_untracked()) {
                    example.set(Some(first));
                    schedule();
                }
            }
        }),
    }
    link.contribute(move |state| state.drawing = lab.drawing.get_untracked());
    let forget_example = move || {
        touched.set(true);
        example.set(None);
    };

    let on_down = {
        let schedule = schedule.clone();
        move |ev: web_sys::PointerEvent| {
            let Some(canvas) = pad.get_untracked() else { return };
            ev.prevent_default();
            let _ = canvas.set_pointer_capture(ev.pointer_id());
            forget_example();
            drawing.set(true);
            strokes.update(|s| s.push(vec![pad_point(&canvas, &ev)]));
            schedule();
        }
    };
    let on_move = {
        let schedule = schedule.clone();
        move |ev: web_sys::PointerEvent| {
            if !drawing.get_untracked() {
                return;
            }
            let Some(canvas) = pad.get_untracked() else { return };
            let point = pad_point(&canvas, &ev);
            strokes.update(|s| s.last_mut().into_iter().for_each(|stroke| stroke.push(point)));
            schedule();
        }
    };
    let on_up = move |_ev: web_sys::PointerEvent| drawing.set(false);
    let undo = {
        let schedule = schedule.clone();
        move |_| {
            strokes.update(|s| {
                s.pop();
            });
            schedule();
        }
    };
    let clear = move |_| {
        forget_example();
        strokes.set(Vec::new());
        schedule();
    };

    view! {
        <div class="draw-row">
            <canvas
                node_ref=pad
                class="pad"
                width=PAD_SIDE
                height=PAD_SIDE
                data-testid="draw-pad"
                aria-label="Drawing pad: draw a digit with the mouse, a finger or a pen"
                on:pointerdown=on_down
                on:pointermove=on_move
                on:pointerup=on_up
                on:pointercancel=on_up
            ></canvas>
            <div class="seen">
                <canvas node_ref=seen class="pixelated small" width="28" height="28" data-testid="model-input"></canvas>
                <p class="caption">"What the models see (28x28, MNIST-style)"</p>
                {move || example.with(|e| e.as_ref().map(|e| view! {
                    <p class="caption example-note" data-testid="example-note">{e.note.clone()}</p>
                }))}
                <div class="buttons">
                    <button on:click=undo disabled=move || strokes.with(Vec::is_empty) data-testid="undo">"Undo"</button>
                    <button on:click=clear data-testid="clear">"Clear"</button>
                </div>
            </div>
        </div>
    }
}
