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

use crate::cell_cursor::CellCursor;
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
struct Stroke {
    points: Vec<(f64, f64)>,
    erase: bool,
}

impl Stroke {
    fn at(point: (f64, f64), erase: bool) -> Self {
        Self { points: vec![point], erase }
    }
}

/// What a key does to the pad while it has the keyboard's focus.
#[derive(Debug, Clone, Copy, PartialEq)]
enum PenKey {
    /// Moves the cursor to a cell; `inking`: the pen is down (Shift), drawing on the way.
    Move {
        to: (usize, usize),
        inking: bool,
    },
    Ink,
    Erase,
    Undo,
}

/// The key's meaning for a cursor at `at` (column, row of the 28x28 cells), if it has one.
fn pen_key(key: &str, shift: bool, ctrl: bool, at: (usize, usize)) -> Option<PenKey> {
    let last = IMAGE_SIDE - 1;
    let (x, y) = at;
    let to = match key {
        "ArrowLeft" => (x.saturating_sub(1), y),
        "ArrowRight" => ((x + 1).min(last), y),
        "ArrowUp" => (x, y.saturating_sub(1)),
        "ArrowDown" => (x, (y + 1).min(last)),
        " " | "Enter" => return Some(PenKey::Ink),
        "Delete" | "Backspace" => return Some(PenKey::Erase),
        "z" | "Z" if ctrl => return Some(PenKey::Undo),
        _ => return None,
    };
    Some(PenKey::Move { to, inking: shift })
}

/// The centre of a 28x28 cell in pad pixels.
fn cell_centre((x, y): (usize, usize)) -> (f64, f64) {
    let cell = PAD_SIDE as f64 / IMAGE_SIDE as f64;
    ((x as f64 + 0.5) * cell, (y as f64 + 0.5) * cell)
}

/// The image the pad starts with (28x28, in [0, 1]) and what the page says it is.
#[derive(Clone)]
struct Start {
    pixels: Vec<f32>,
    note: String,
    /// Picked to edit: strokes add to it rather than replace it.
    editable: bool,
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
fn start_from(example: &Example, dataset: DatasetKind, chosen: bool) -> Start {
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
    let digits = RwSignal::new(Vec::<Example>::new());
    // Set by the first stroke or Clear: an example that arrives later is not shown.
    let touched = RwSignal::new(false);
    // The keyboard's pen: its cell (column, row), whether the pad has the focus, and whether the
    // last key extended a stroke (Shift + arrows draw one line).
    let cursor = RwSignal::new((IMAGE_SIDE / 2, IMAGE_SIDE / 2));
    let focused = RwSignal::new(false);
    let key_stroke = StoredValue::new(false);
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
    // The first stroke replaces a starting image the page chose; one the person picked stays.
    let begin_stroke = move |stroke: Stroke| {
        touched.set(true);
        if example.with_untracked(|e| e.as_ref().is_some_and(|e| !e.editable)) {
            example.set(None);
        }
        strokes.update(|s| s.push(stroke));
    };

    let on_down = {
        let schedule = schedule.clone();
        move |ev: web_sys::PointerEvent| {
            let Some(canvas) = pad.get_untracked() else { return };
            ev.prevent_default();
            let _ = canvas.set_pointer_capture(ev.pointer_id());
            lab.pen_down.set(true);
            begin_stroke(Stroke::at(pad_point(&canvas, &ev), false));
            schedule();
        }
    };
    let on_move = {
        let schedule = schedule.clone();
        move |ev: web_sys::PointerEvent| {
            if !lab.pen_down.get_untracked() {
                return;
            }
            let Some(canvas) = pad.get_untracked() else { return };
            let point = pad_point(&canvas, &ev);
            strokes.update(|s| s.last_mut().into_iter().for_each(|stroke| stroke.points.push(point)));
            schedule();
        }
    };
    let on_up = move |_ev: web_sys::PointerEvent| lab.pen_down.set(false);
    let on_key = {
        let schedule = schedule.clone();
        move |ev: web_sys::KeyboardEvent| {
            let at = cursor.get_untracked();
            let Some(action) = pen_key(&ev.key(), ev.shift_key(), ev.ctrl_key() || ev.meta_key(), at) else { return };
            ev.prevent_default();
            let extending = key_stroke.get_value();
            key_stroke.set_value(matches!(action, PenKey::Move { inking: true, .. }));
            match action {
                PenKey::Move { to, inking: true } => {
                    if !extending {
                        begin_stroke(Stroke::at(cell_centre(at), false));
                    }
                    strokes.update(|s| s.last_mut().into_iter().for_each(|stroke| stroke.points.push(cell_centre(to))));
                    cursor.set(to);
                }
                PenKey::Move { to, inking: false } => cursor.set(to),
                PenKey::Ink => begin_stroke(Stroke::at(cell_centre(at), false)),
                PenKey::Erase => begin_stroke(Stroke::at(cell_centre(at), true)),
                PenKey::Undo => strokes.update(|s| {
                    s.pop();
                }),
            }
            schedule();
        }
    };
    let undo = {
        let schedule = schedule.clone();
        move |_| {
            strokes.update(|s| {
                s.pop();
            });
            schedule();
        }
    };
    let clear = {
        let schedule = schedule.clone();
        move |_| {
            touched.set(true);
            example.set(None);
            strokes.set(Vec::new());
            schedule();
        }
    };
    let start_from_digit = move |ev: leptos::ev::Event| {
        let index: Option<usize> = event_target_value(&ev).parse().ok();
        let dataset = lab.dataset.get_untracked();
        let Some(start) = index.and_then(|i| digits.with_untracked(|d| d.get(i).map(|e| start_from(e, dataset, true))))
        else {
            return;
        };
        touched.set(true);
        strokes.set(Vec::new());
        example.set(Some(start));
        schedule();
    };

    view! {
        <div class="draw-row">
            <div class="pad-wrap">
                <canvas
                    node_ref=pad
                    class="pad"
                    width=PAD_SIDE
                    height=PAD_SIDE
                    tabindex="0"
                    data-testid="draw-pad"
                    aria-label="Drawing pad: draw with the mouse, a finger or a pen. With the keyboard: arrow keys move the pen, Space inks, Shift with arrows draws a line, Delete erases, Ctrl+Z undoes."
                    aria-describedby="pen-position"
                    on:pointerdown=on_down
                    on:pointermove=on_move
                    on:pointerup=on_up
                    on:pointercancel=on_up
                    on:keydown=on_key
                    on:keyup=move |ev: web_sys::KeyboardEvent| if ev.key() == "Shift" { key_stroke.set_value(false) }
                    on:focus=move |_| focused.set(true)
                    on:blur=move |_| focused.set(false)
                ></canvas>
                <CellCursor cell=cursor.into() cells=Signal::stored(IMAGE_SIDE) shown=focused.into() test_id="pen-cursor"/>
            </div>
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
                <div class="buttons">
                    <button on:click=undo disabled=move || strokes.with(Vec::is_empty) data-testid="undo">"Undo"</button>
                    <button on:click=clear data-testid="clear">"Clear"</button>
                </div>
                <label class="start-digit">"Start from a test image "
                    <select data-testid="start-digit" on:change=start_from_digit disabled=move || digits.with(Vec::is_empty)>
                        <option value="">"choose…"</option>
                        {move || digits.get().into_iter().enumerate().map(|(i, e)| view! {
                            <option value=i.to_string()>{format!("{} (test no. {})", lab.class_name(e.label as usize), e.test_index)}</option>
                        }).collect_view()}
                    </select>
                </label>
            </div>
        </div>
    }
}
