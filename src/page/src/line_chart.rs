//! One chart of the Train panel: lines of (step, value) points on a steps axis, with value axes
//! of round ticks (linear or logarithmic), epoch marks, the value under the pointer, and its
//! summary in words as its accessible name. One line for a loss term of the run in progress;
//! several (one per run) when runs are compared.

use leptos::prelude::*;

use latent_core::chart::{Scale, Steps, number, summary, tick_label};

const WIDTH: f64 = 320.0;
const HEIGHT: f64 = 150.0;
/// The plot's margins inside the SVG: room for the value ticks (left) and the steps' (below).
const LEFT: f64 = 42.0;
const RIGHT: f64 = 8.0;
const TOP: f64 = 10.0;
const BOTTOM: f64 = 20.0;
/// At most this many points are drawn a line; longer histories are thinned evenly.
const MAX_POINTS: usize = 300;

/// One line of a chart; `dots` marks each point (few, measured: the test metric).
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub name: String,
    pub points: Vec<(usize, f64)>,
    pub dots: bool,
}

fn x_of(axis: &Steps, step: f64) -> f64 {
    LEFT + axis.position(step) * (WIDTH - LEFT - RIGHT)
}

fn y_of(scale: &Scale, value: f64) -> Option<f64> {
    scale.position(value).map(|p| HEIGHT - BOTTOM - p * (HEIGHT - TOP - BOTTOM))
}

/// The polyline's points, thinned to `MAX_POINTS`; the latest point is always drawn.
fn polyline(line: &Line, axis: &Steps, scale: &Scale) -> String {
    let stride = line.points.len().div_ceil(MAX_POINTS).max(1);
    let mut points: Vec<&(usize, f64)> = line.points.iter().step_by(stride).collect();
    if let Some(last) = line.points.last().filter(|_| !(line.points.len() - 1).is_multiple_of(stride)) {
        points.push(last);
    }
    points
        .into_iter()
        .filter_map(|&(step, v)| y_of(scale, v).map(|y| format!("{:.1},{y:.1}", x_of(axis, step as f64))))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The point of `line` nearest `step` along the axis.
fn nearest(line: &Line, step: usize) -> Option<(usize, f64)> {
    line.points.iter().min_by_key(|(s, _)| s.abs_diff(step)).copied()
}

/// What the chart says in words: the summary of each line.
fn described(title: &str, lines: &[Line]) -> String {
    match lines {
        [line] => summary(title, &line.points),
        _ => lines.iter().map(|l| summary(&format!("{title}, {}", l.name), &l.points)).collect::<Vec<_>>().join(" "),
    }
}

#[component]
pub fn Chart(
    /// Names its elements for tests: `chart-{id}` (the caption), `chart-{id}-svg`.
    #[prop(into)]
    id: String,
    /// What it charts ("loss", "test loss (BCE+KL)").
    #[prop(into)]
    title: String,
    lines: Vec<Line>,
    axis: Steps,
    /// Steps per epoch, for the epoch marks (0: none).
    #[prop(default = 0)]
    steps_per_epoch: usize,
    log: bool,
) -> impl IntoView {
    let scale = Scale::fit(lines.iter().flat_map(|l| l.points.iter().map(|p| p.1)), log);
    let hover = RwSignal::new(None::<usize>);
    let words = described(&title, &lines);
    let heading = words.clone();
    let all_steps: Vec<usize> = lines.iter().flat_map(|l| l.points.iter().map(|p| p.0)).collect();
    let on_move = move |ev: web_sys::MouseEvent| {
        let Some(target) = ev.current_target() else { return };
        let element: web_sys::Element = wasm_bindgen::JsCast::unchecked_into(target);
        let rect = element.get_bounding_client_rect();
        let x = (ev.client_x() as f64 - rect.left()) / rect.width().max(1.0) * WIDTH;
        // The step nearest the pointer along the steps' axis.
        let step = all_steps
            .iter()
            .min_by(|a, b| (x_of(&axis, **a as f64) - x).abs().total_cmp(&(x_of(&axis, **b as f64) - x).abs()));
        hover.set(step.copied());
    };
    let readout = {
        let (lines, title) = (lines.clone(), title.clone());
        move || {
            let step = hover.get().or_else(|| lines.first()?.points.last().map(|p| p.0));
            match (&lines[..], step) {
                ([line], Some(step)) => nearest(line, step)
                    .map(|(s, v)| format!("{title}: {} at step {s}", number(v)))
                    .unwrap_or_else(|| title.clone()),
                (_, Some(step)) => {
                    let values: Vec<String> = lines
                        .iter()
                        .filter_map(|l| nearest(l, step).map(|(_, v)| format!("{} {}", l.name, number(v))))
                        .collect();
                    format!("{title} at step {step}: {}", values.join(" · "))
                }
                _ => title.clone(),
            }
        }
    };
    let markers = {
        let lines = lines.clone();
        move || {
            let (step, scale) = (hover.get()?, scale?);
            let x = x_of(&axis, step as f64);
            let dots = lines
                .iter()
                .filter_map(|l| nearest(l, step).and_then(|(_, v)| y_of(&scale, v)))
                .map(|y| view! { <circle class="hover-dot" cx=x cy=y r="2.5"/> })
                .collect_view();
            Some(view! {
                <line class="guide" x1=x x2=x y1=TOP y2=HEIGHT - BOTTOM/>
                {dots}
            })
        }
    };
    let value_ticks = scale.map(|s| s.ticks()).unwrap_or_default();
    let test_id = format!("chart-{id}");
    let marked = lines.iter().any(|l| l.dots) && lines.len() == 1;
    view! {
        <figure class="chart" class:test-metric=marked>
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-label=words.clone()
                data-testid=format!("{test_id}-svg") data-scale=if log { "log" } else { "linear" }
                on:mousemove=on_move on:mouseleave=move |_| hover.set(None)>
                <title>{heading}</title>
                {value_ticks.into_iter().filter_map(|tick| {
                    let y = y_of(&scale?, tick)?;
                    Some(view! {
                        <line class="grid-line" x1=LEFT x2=WIDTH - RIGHT y1=y y2=y/>
                        <text class="tick" x=LEFT - 3.0 y=y + 3.0 text-anchor="end">{tick_label(tick)}</text>
                    })
                }).collect_view()}
                {axis.ticks().into_iter().map(|step| view! {
                    <text class="tick" x=x_of(&axis, step as f64) y=HEIGHT - 6.0 text-anchor="middle">{tick_label(step as f64)}</text>
                }).collect_view()}
                {axis.epoch_ends(steps_per_epoch).into_iter().map(|(step, epoch)| {
                    let x = x_of(&axis, step as f64);
                    // Near the right edge the label goes left of its mark, so that it is not cut off.
                    let (label_x, anchor) = if x > WIDTH - RIGHT - 40.0 { (x - 2.0, "end") } else { (x + 2.0, "start") };
                    view! {
                        <line class="epoch" x1=x x2=x y1=TOP y2=HEIGHT - BOTTOM/>
                        <text class="epoch-label" x=label_x y=TOP + 7.0 text-anchor=anchor>{format!("epoch {epoch}")}</text>
                    }
                }).collect_view()}
                <line class="axis" x1=LEFT x2=LEFT y1=TOP y2=HEIGHT - BOTTOM/>
                <line class="axis" x1=LEFT x2=WIDTH - RIGHT y1=HEIGHT - BOTTOM y2=HEIGHT - BOTTOM/>
                {scale.map(|scale| lines.iter().enumerate().map(|(i, line)| view! {
                    <polyline class=format!("curve line-{i}") fill="none" points=polyline(line, &axis, &scale)/>
                    {line.dots.then(|| line.points.iter().filter_map(|&(step, v)| {
                        Some(view! { <circle class=format!("dot line-{i}") cx=x_of(&axis, step as f64) cy=y_of(&scale, v)? r="2.5"/> })
                    }).collect_view())}
                }).collect_view())}
                {markers}
            </svg>
            <figcaption data-testid=test_id>{readout}</figcaption>
        </figure>
    }
}
