//! The autoencoder's 3-D codes of test digits as a rotatable scatter coloured by digit, with the
//! drawing's code marked live. Drag (or the arrow keys) to rotate; click a point in space (or
//! press Enter for the centre of the view) to decode it. The cloud turns slowly once when it
//! first appears, to show that it is 3-D, unless the person prefers reduced motion; any touch of
//! it stops the turn.

use std::time::Duration;

use leptos::html::Canvas;
use leptos::prelude::*;

use crate::codes_3d_preview::Codes3dPreview;
use crate::paint::{context_2d, put_rgba};
use crate::use_lab;
use latent_core::scatter::{Cloud, PALETTE, SIDE, css_colour, from_screen, rotate, to_screen};

/// The cloud painted in one call (`Cloud::paint` says why), then the drawing's marker over it.
fn draw(canvas: &web_sys::HtmlCanvasElement, cloud: &Cloud, yaw: f32, pitch: f32, marker: Option<[f32; 3]>) {
    put_rgba(canvas, &cloud.paint(yaw, pitch), SIDE);
    if let Some(p) = marker {
        let ctx = context_2d(canvas);
        let (x, y) = to_screen(rotate(p, yaw, pitch));
        ctx.begin_path();
        let _ = ctx.arc(x, y, 7.0, 0.0, std::f64::consts::TAU);
        ctx.set_fill_style_str("#fff");
        ctx.fill();
        ctx.set_line_width(2.0);
        ctx.set_stroke_style_str("#000");
        ctx.stroke();
    }
}

/// The cloud in words (its accessible name): `count` codes, and the drawing's code if any.
fn cloud_in_words(count: usize, marker: Option<Vec<f32>>) -> String {
    let drawing = marker
        .filter(|code| code.len() == 3)
        .map(|c| format!(" Your drawing's code is ({:.1}, {:.1}, {:.1}).", c[0], c[1], c[2]))
        .unwrap_or_default();
    format!(
        "The autoencoder's 3-D codes of {count} test images, coloured by class: images of a class cluster together.{drawing} Drag or use the arrow keys to turn it; click, or press Enter, to decode a point."
    )
}

/// How far one arrow key turns the cloud, in radians.
const KEY_TURN: f32 = 0.1;
/// The first-view turn: one full turn in this many ticks of `SPIN_TICK`.
const SPIN_TICKS: u32 = 480;
const SPIN_TICK: Duration = Duration::from_millis(50);

/// Whether the person asked their system for less motion.
fn prefers_reduced_motion() -> bool {
    window().match_media("(prefers-reduced-motion: reduce)").ok().flatten().is_some_and(|query| query.matches())
}

/// Turns the cloud once, slowly; calls `done` after the turn.
fn start_spin(yaw: RwSignal<f32>, done: impl Fn() + Clone + 'static) -> Option<IntervalHandle> {
    let ticks = std::cell::Cell::new(0u32);
    set_interval_with_handle(
        move || {
            ticks.set(ticks.get() + 1);
            yaw.update(|v| *v += std::f32::consts::TAU / SPIN_TICKS as f32);
            if ticks.get() >= SPIN_TICKS {
                done();
            }
        },
        SPIN_TICK,
    )
    .ok()
}

#[component]
pub fn Codes3d() -> impl IntoView {
    let lab = use_lab();
    let canvas = NodeRef::<Canvas>::new();
    let cloud = RwSignal::new(None::<Cloud>);
    let status = RwSignal::new("Loading the codes…".to_string());
    let yaw = RwSignal::new(0.6f32);
    let pitch = RwSignal::new(0.35f32);
    let drag = StoredValue::new(None::<(f64, f64, f64)>);
    let decoded = RwSignal::new(None::<[f32; 3]>);
    let spin = StoredValue::new(None::<IntervalHandle>);
    // The turn is for the first view only, not for every reload of the cloud.
    let spun = StoredValue::new(false);
    let stop_spin = move || {
        if let Some(handle) = spin.get_value() {
            handle.clear();
            spin.set_value(None);
        }
    };

    // The cloud is the current autoencoder's: encoded again whenever it changes (opened,
    // trained here), so that the drawing's marker and the cloud share one code space.
    let ae_cloud = lab.ae_cloud();
    Effect::new(move |_| {
        ae_cloud.with(|codes| match codes {
            Some(Ok(codes)) => {
                let c = Cloud::new(&codes.codes, &codes.labels);
                status.set(format!("{} test images", c.points.len()));
                cloud.set(Some(c));
                if !spun.get_value() && !prefers_reduced_motion() {
                    spun.set_value(true);
                    spin.set_value(start_spin(yaw, stop_spin));
                }
            }
            Some(Err(message)) => status.set(message.clone()),
            None => {}
        })
    });

    Effect::new(move |_| {
        let marker_code = lab.analysis.with(|a| a.as_ref().and_then(|a| a.ae_code.clone()));
        let (y, p) = (yaw.get(), pitch.get());
        cloud.with(|c| {
            if let (Some(c), Some(canvas)) = (c, canvas.get()) {
                draw(&canvas, c, y, p, marker_code.map(|code| c.normalise(&code)));
            }
        });
    });

    let on_down = move |ev: web_sys::PointerEvent| {
        stop_spin();
        if let Some(canvas) = canvas.get_untracked() {
            let _ = canvas.set_pointer_capture(ev.pointer_id());
        }
        drag.set_value(Some((ev.client_x() as f64, ev.client_y() as f64, 0.0)));
    };
    let on_move = move |ev: web_sys::PointerEvent| {
        let Some((x, y, moved)) = drag.get_value() else { return };
        let (dx, dy) = (ev.client_x() as f64 - x, ev.client_y() as f64 - y);
        yaw.update(|v| *v += dx as f32 * 0.01);
        pitch.update(|v| *v = (*v + dy as f32 * 0.01).clamp(-1.5, 1.5));
        drag.set_value(Some((ev.client_x() as f64, ev.client_y() as f64, moved + dx.abs() + dy.abs())));
    };
    let on_up = move |ev: web_sys::PointerEvent| {
        let Some((_, _, moved)) = drag.get_value() else { return };
        drag.set_value(None);
        let (Some(canvas), Some(c)) = (canvas.get_untracked(), cloud.get_untracked()) else { return };
        if moved > 4.0 {
            return;
        }
        // A click: the point under the pointer on the plane through the cloud's centre.
        let rect = canvas.get_bounding_client_rect();
        let scale = SIDE as f64 / rect.width().max(1.0);
        let sx = (ev.client_x() as f64 - rect.left()) * scale;
        let sy = (ev.client_y() as f64 - rect.top()) * scale;
        decoded.set(Some(c.code_of(from_screen(sx, sy, yaw.get_untracked(), pitch.get_untracked()))));
    };

    // Keyboard: the arrow keys turn the cloud, Enter decodes the centre of the view.
    let on_key = move |ev: web_sys::KeyboardEvent| {
        stop_spin();
        match ev.key().as_str() {
            "ArrowLeft" => yaw.update(|v| *v -= KEY_TURN),
            "ArrowRight" => yaw.update(|v| *v += KEY_TURN),
            "ArrowUp" => pitch.update(|v| *v = (*v - KEY_TURN).clamp(-1.5, 1.5)),
            "ArrowDown" => pitch.update(|v| *v = (*v + KEY_TURN).clamp(-1.5, 1.5)),
            "Enter" | " " => {
                let Some(c) = cloud.get_untracked() else { return };
                let centre = SIDE as f64 / 2.0;
                decoded.set(Some(c.code_of(from_screen(centre, centre, yaw.get_untracked(), pitch.get_untracked()))));
            }
            _ => return,
        }
        ev.prevent_default();
    };
    on_cleanup(stop_spin);
    let described = move || {
        let marker = lab.analysis.with(|a| a.as_ref().and_then(|a| a.ae_code.clone()));
        cloud_in_words(cloud.with(|c| c.as_ref().map_or(0, |c| c.points.len())), marker)
    };

    view! {
        <div class="grid-row">
            <canvas node_ref=canvas class="scatter" width=SIDE height=SIDE data-testid="codes-3d"
                role="img" aria-label=described tabindex="0" on:keydown=on_key
                on:pointerdown=on_down on:pointermove=on_move on:pointerup=on_up></canvas>
            <Codes3dPreview decoded/>
        </div>
        <p class="caption" data-testid="codes-status">{move || status.get()}" · colours: "
            {PALETTE.iter().enumerate().map(|(d, &c)| view! { <span class="swatch" style:color=css_colour(c)>{move || lab.class_name(d)}</span> }).collect_view()}
            " · white dot: your drawing"</p>
    }
}
