//! The Train panel's charts: one per loss term and one of the test metric, on a common steps
//! axis with epoch marks; value axes with round ticks, linear or logarithmic; the value under the
//! pointer; a summary in words for screen readers, a table by epoch, and the history as CSV.

use leptos::prelude::*;

use super::training::Progress;
use crate::chart::{self, EpochRow, Scale, Steps, epoch_table, number, summary, term_points, tick_label};
use crate::web::files::download;

const WIDTH: f64 = 320.0;
const HEIGHT: f64 = 150.0;
/// The plot's margins inside the SVG: room for the value ticks (left) and the steps' (below).
const LEFT: f64 = 42.0;
const RIGHT: f64 = 8.0;
const TOP: f64 = 10.0;
const BOTTOM: f64 = 20.0;
/// At most this many points are drawn; longer histories are thinned evenly.
const MAX_POINTS: usize = 300;

/// One chart's data: a name and (step, value) points; `dots` marks each point (few, measured).
#[derive(Debug, Clone, PartialEq)]
struct Series {
    /// Names the chart's elements for tests (`chart-{id}`).
    id: String,
    name: String,
    points: Vec<(usize, f64)>,
    dots: bool,
}

fn x_of(axis: &Steps, step: f64) -> f64 {
    LEFT + axis.position(step) * (WIDTH - LEFT - RIGHT)
}

fn y_of(scale: &Scale, value: f64) -> Option<f64> {
    scale.position(value).map(|p| HEIGHT - BOTTOM - p * (HEIGHT - TOP - BOTTOM))
}

/// The polyline's points, thinned to `MAX_POINTS`.
fn polyline(series: &Series, axis: &Steps, scale: &Scale) -> String {
    let stride = series.points.len().div_ceil(MAX_POINTS).max(1);
    let mut points: Vec<&(usize, f64)> = series.points.iter().step_by(stride).collect();
    // The latest point is always drawn.
    if let Some(last) = series.points.last().filter(|_| (series.points.len() - 1) % stride != 0) {
        points.push(last);
    }
    points
        .into_iter()
        .filter_map(|&(step, v)| y_of(scale, v).map(|y| format!("{:.1},{y:.1}", x_of(axis, step as f64))))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Everything the charts show, from the session's progress.
fn series_of(p: &Progress) -> Vec<Series> {
    let mut all: Vec<Series> = p
        .names
        .iter()
        .enumerate()
        .map(|(term, name)| Series {
            id: name.clone(),
            name: name.clone(),
            points: term_points(&p.history, term, p.first_step),
            dots: false,
        })
        .collect();
    if let Some(name) = &p.test_name {
        let points = p.test_history.iter().map(|t| (t.step, t.value)).collect();
        all.push(Series { id: "test".into(), name: name.clone(), points, dots: true });
    }
    all
}

/// One chart: axes, ticks, epoch marks, the curve, and the value under the pointer.
#[component]
fn Chart(series: Series, axis: Steps, steps_per_epoch: usize, log: bool) -> impl IntoView {
    let scale = Scale::fit(series.points.iter().map(|p| p.1), log);
    let hover = RwSignal::new(None::<usize>);
    let described = summary(&series.name, &series.points);
    let title = described.clone();
    let points = series.points.clone();
    let on_move = move |ev: web_sys::MouseEvent| {
        let Some(target) = ev.current_target() else { return };
        let element: web_sys::Element = wasm_bindgen::JsCast::unchecked_into(target);
        let rect = element.get_bounding_client_rect();
        let x = (ev.client_x() as f64 - rect.left()) / rect.width().max(1.0) * WIDTH;
        // The point nearest the pointer along the steps' axis.
        let nearest = points.iter().enumerate().min_by(|(_, a), (_, b)| {
            (x_of(&axis, a.0 as f64) - x).abs().total_cmp(&(x_of(&axis, b.0 as f64) - x).abs())
        });
        hover.set(nearest.map(|(i, _)| i));
    };
    let readout = {
        let series = series.clone();
        move || {
            let at = hover.get().or(series.points.len().checked_sub(1));
            match at.and_then(|i| series.points.get(i)) {
                Some((step, value)) => format!("{}: {} at step {step}", series.name, number(*value)),
                None => series.name.clone(),
            }
        }
    };
    let marker = {
        let series = series.clone();
        move || {
            let (step, value) = *series.points.get(hover.get()?)?;
            let y = y_of(&scale?, value)?;
            Some(view! {
                <line class="guide" x1=x_of(&axis, step as f64) x2=x_of(&axis, step as f64) y1=TOP y2=HEIGHT - BOTTOM/>
                <circle class="hover-dot" cx=x_of(&axis, step as f64) cy=y r="2.5"/>
            })
        }
    };
    let value_ticks = scale.map(|s| s.ticks()).unwrap_or_default();
    let test_id = format!("chart-{}", series.id);
    view! {
        <figure class="chart" class:test-metric=series.dots>
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-label=described.clone()
                data-testid=format!("{test_id}-svg") data-scale=if log { "log" } else { "linear" }
                on:mousemove=on_move on:mouseleave=move |_| hover.set(None)>
                <title>{title}</title>
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
                {axis.epoch_ends(steps_per_epoch).into_iter().map(|(step, epoch)| view! {
                    <line class="epoch" x1=x_of(&axis, step as f64) x2=x_of(&axis, step as f64) y1=TOP y2=HEIGHT - BOTTOM/>
                    // Near the right edge the label goes left of its mark, so that it is not cut off.
                    {
                        let x = x_of(&axis, step as f64);
                        let (x, anchor) = if x > WIDTH - RIGHT - 40.0 { (x - 2.0, "end") } else { (x + 2.0, "start") };
                        view! { <text class="epoch-label" x=x y=TOP + 7.0 text-anchor=anchor>{format!("epoch {epoch}")}</text> }
                    }
                }).collect_view()}
                <line class="axis" x1=LEFT x2=LEFT y1=TOP y2=HEIGHT - BOTTOM/>
                <line class="axis" x1=LEFT x2=WIDTH - RIGHT y1=HEIGHT - BOTTOM y2=HEIGHT - BOTTOM/>
                {scale.map(|scale| view! {
                    <polyline class="curve" fill="none" points=polyline(&series, &axis, &scale)/>
                })}
                {series.dots.then(|| scale.map(|scale| series.points.iter().filter_map(|&(step, v)| {
                    Some(view! { <circle class="dot" cx=x_of(&axis, step as f64) cy=y_of(&scale, v)? r="2.5"/> })
                }).collect_view()))}
                {marker}
            </svg>
            <figcaption data-testid=test_id>{readout}</figcaption>
        </figure>
    }
}

/// The table beside the charts: a row per epoch.
#[component]
fn EpochTable(names: Vec<String>, test_name: Option<String>, rows: Vec<EpochRow>) -> impl IntoView {
    view! {
        <table class="epochs" data-testid="chart-table">
            <caption>"Mean of each term over each epoch's steps, and the test metric at its end"</caption>
            <thead><tr>
                <th scope="col">"epoch"</th><th scope="col">"last step"</th>
                {names.into_iter().map(|n| view! { <th scope="col">{n}</th> }).collect_view()}
                {test_name.clone().map(|n| view! { <th scope="col">{n}</th> })}
            </tr></thead>
            <tbody>
                {rows.into_iter().map(|row| view! {
                    <tr>
                        <th scope="row">{if row.finished { row.epoch.to_string() } else { format!("{} (so far)", row.epoch) }}</th>
                        <td>{row.last_step}</td>
                        {row.means.iter().map(|m| view! { <td>{number(*m)}</td> }).collect_view()}
                        {test_name.as_ref().map(|_| view! { <td>{row.test.map(number).unwrap_or_default()}</td> })}
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// The charts of a session's `progress`, with the log-scale switch, the table and the CSV.
#[component]
pub fn LossChart(progress: RwSignal<Progress>) -> impl IntoView {
    let log = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let save_csv = move |_| {
        let text = progress.with_untracked(|p| {
            chart::csv(&p.names, &p.history, p.first_step, p.test_name.as_deref(), &p.test_history)
        });
        let name =
            progress.with_untracked(|p| p.architecture.split_whitespace().next().unwrap_or("run").to_lowercase());
        error.set(download(&format!("{name}-loss-history.csv"), text.as_bytes()).err());
    };
    let has_data = move || progress.with(|p| !p.history.rows().is_empty() || !p.test_history.is_empty());
    view! {
        <Show when=has_data>
            <div class="chart-tools">
                <label><input type="checkbox" data-testid="chart-log" prop:checked=move || log.get()
                    on:change=move |ev| log.set(event_target_checked(&ev))/>" Log scale"</label>
                <button data-testid="chart-csv" on:click=save_csv>"Download CSV"</button>
                {move || error.get().map(|e| view! { <span class="error" role="alert">{e}</span> })}
            </div>
        </Show>
        <div class="charts" data-testid="loss-charts">
            {move || progress.with(|p| {
                let last = p.history.rows().len() * p.history.steps_per_row() + p.first_step;
                let last = p.test_history.iter().map(|t| t.step).fold(last, usize::max);
                let axis = Steps { first: p.first_step, last: last.max(p.first_step + 1) };
                let (per_epoch, log) = (p.steps_per_epoch, log.get());
                series_of(p).into_iter().filter(|s| !s.points.is_empty())
                    .map(|series| view! { <Chart series axis steps_per_epoch=per_epoch log/> })
                    .collect_view()
            })}
        </div>
        <Show when=has_data>
            <details class="chart-details">
                <summary>"Table by epoch"</summary>
                {move || progress.with(|p| view! {
                    <EpochTable names=p.names.clone() test_name=p.test_name.clone()
                        rows=epoch_table(&p.history, p.first_step, p.steps_per_epoch, &p.test_history)/>
                })}
            </details>
        </Show>
    }
}
