//! The drawing pad's canvas: strokes drawn with the pointer (mouse, touch, pen), and a keyboard
//! pen whose cursor moves over the pad's 28x28 cells, inking or erasing.

use leptos::html::Canvas;
use leptos::prelude::*;
use web_sys::HtmlCanvasElement;

use crate::cell_cursor::CellCursor;
use crate::draw_pad::{PAD_SIDE, Start, Stroke};
use crate::use_lab;
use latent_core::data::IMAGE_SIDE;

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

/// Pointer position in pad pixels, whatever size CSS gives the canvas.
fn pad_point(canvas: &HtmlCanvasElement, ev: &web_sys::PointerEvent) -> (f64, f64) {
    let rect = canvas.get_bounding_client_rect();
    let scale = PAD_SIDE as f64 / rect.width().max(1.0);
    ((ev.client_x() as f64 - rect.left()) * scale, (ev.client_y() as f64 - rect.top()) * scale)
}

#[component]
pub fn DrawPadCanvas(
    pad: NodeRef<Canvas>,
    strokes: RwSignal<Vec<Stroke>>,
    example: RwSignal<Option<Start>>,
    touched: RwSignal<bool>,
    cursor: RwSignal<(usize, usize)>,
    /// Redraws the pad and hands its image on, at the next animation frame.
    schedule: impl Fn() + Clone + 'static,
) -> impl IntoView {
    let lab = use_lab();
    // Whether the pad has the keyboard's focus, and whether the last key extended a stroke
    // (Shift + arrows draw one line).
    let focused = RwSignal::new(false);
    let key_stroke = StoredValue::new(false);
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
    let on_key = move |ev: web_sys::KeyboardEvent| {
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
    };

    view! {
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
    }
}
