//! Runs kept to compare: every finished or paused run of the Train panel stays in a list (in this
//! browser, across visits), named by its settings. Pick two or more to overlay their loss curves
//! and test metrics and to see their latest samples side by side: BCE against MSE, β = 1 against
//! 4, a latent of 2 against 20.

use leptos::html::Canvas;
use leptos::prelude::*;

use crate::line_chart::{Chart, Line};
use crate::paint::paint_grid;
use crate::training_client::Training;
use latent_core::chart::{Steps, number, term_points};
use latent_core::runs::SavedRun;
use latent_core::train::plan::PREVIEW_COLUMNS;

/// Runs overlaid at most (one colour each).
const MAX_PICKED: usize = 6;

/// The charts the picked runs share: each loss term all of them have, then the test metric if
/// they all measure the same one. Each chart: its id, title and a line per run.
fn shared_charts(runs: &[SavedRun]) -> Vec<(String, String, Vec<Line>)> {
    let Some(first) = runs.first() else { return Vec::new() };
    let mut charts: Vec<(String, String, Vec<Line>)> = first
        .names
        .iter()
        .filter_map(|term| {
            let lines = runs
                .iter()
                .map(|run| {
                    let index = run.names.iter().position(|n| n == term)?;
                    let points = term_points(&run.history(), index, run.first_step);
                    Some(Line { name: run.name.clone(), points, dots: false })
                })
                .collect::<Option<Vec<Line>>>()?;
            Some((term.clone(), term.clone(), lines))
        })
        .collect();
    if let Some(test) = first.test_name.clone().filter(|name| runs.iter().all(|r| r.test_name.as_ref() == Some(name))) {
        let lines = runs
            .iter()
            .map(|run| Line {
                name: run.name.clone(),
                points: run.tests.iter().map(|t| (t.step, t.value)).collect(),
                dots: true,
            })
            .collect();
        charts.push(("test".into(), test, lines));
    }
    charts
}

/// One axis for all the picked runs: from the earliest first step to the latest step.
fn axis_of(runs: &[SavedRun]) -> Steps {
    let first = runs.iter().map(|r| r.first_step).min().unwrap_or(0);
    let last = runs.iter().map(|r| r.steps.max(r.tests.iter().map(|t| t.step).max().unwrap_or(0))).max().unwrap_or(1);
    Steps { first, last: last.max(first + 1) }
}

/// What the list says of a run besides its name.
fn run_facts(run: &SavedRun) -> String {
    let state = if run.finished { "finished" } else { "paused" };
    let test = match (&run.test_name, run.latest_test()) {
        (Some(name), Some(value)) => format!(" · {name} {}", number(value)),
        _ => String::new(),
    };
    format!("{} steps, {state}{test}", run.steps)
}

#[component]
pub fn RunCompare(training: Training, log: RwSignal<bool>) -> impl IntoView {
    let picked = RwSignal::new(Vec::<u64>::new());
    let toggle = move |id: u64, on: bool| {
        picked.update(|p| {
            p.retain(|&i| i != id);
            if on && p.len() < MAX_PICKED {
                p.push(id);
            }
        })
    };
    // The picked runs that are still kept, in the order they were picked.
    let chosen = move || {
        training.runs.with(|runs| picked.with(|p| p.iter().filter_map(|&id| runs.get(id).cloned()).collect::<Vec<_>>()))
    };
    view! {
        <div class="runs" data-testid="runs">
            <h3>"Runs to compare"</h3>
            {move || training.runs.with(|r| r.runs.is_empty()).then(|| view! {
                <p class="caption">"Each finished or paused run is kept here, in this browser, to compare with others."</p>
            })}
            <ul class="run-list" data-testid="run-list">
                {move || training.runs.with(|r| r.runs.clone()).into_iter().map(|run| {
                    let id = run.id;
                    let is_picked = move || picked.with(|p| p.contains(&id));
                    let full = move || picked.with(|p| p.len() >= MAX_PICKED);
                    // The steps trained and the step of the latest test metric: a pause measures
                    // last, so a run is complete when the two agree (tests wait for that).
                    let tested = run.tests.iter().map(|t| t.step).max();
                    view! {
                        <li data-steps=run.steps data-tested-step=tested>
                            <label>
                                <input type="checkbox" prop:checked=is_picked disabled=move || full() && !is_picked()
                                    on:change=move |ev| toggle(id, event_target_checked(&ev))/>
                                " " {run.name.clone()}
                            </label>
                            <span class="caption">{run_facts(&run)}</span>
                            <button aria-label=format!("Forget the run {}", run.name) on:click=move |_| {
                                toggle(id, false);
                                training.forget_run(id);
                            }>"Forget"</button>
                        </li>
                    }
                }).collect_view()}
            </ul>
            {move || training.runs_error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            {move || {
                let runs = chosen();
                match runs.len() {
                    0 => None,
                    1 => Some(view! { <p class="caption">"Pick another run to compare with it."</p> }.into_any()),
                    _ => Some(compared(runs, log.get()).into_any()),
                }
            }}
        </div>
    }
}

/// The picked runs side by side: a legend, the shared charts, the latest samples.
fn compared(runs: Vec<SavedRun>, log: bool) -> impl IntoView {
    let axis = axis_of(&runs);
    view! {
        <ul class="legend" data-testid="compare-legend">
            {runs.iter().enumerate().map(|(i, run)| view! {
                <li><span class=format!("swatch-line line-{i}") aria-hidden="true"></span>{run.name.clone()}</li>
            }).collect_view()}
        </ul>
        <div class="charts" data-testid="compare-charts">
            {shared_charts(&runs).into_iter().map(|(term, title, lines)| view! {
                <Chart id=format!("compare-{term}") title lines axis log/>
            }).collect_view()}
        </div>
        <div class="strips">
            {runs.into_iter().map(|run| {
                let canvas = NodeRef::<Canvas>::new();
                let pixels = run.preview_pixels();
                Effect::new(move |_| {
                    if let Some(canvas) = canvas.get().filter(|_| !pixels.is_empty()) {
                        paint_grid(&canvas, &pixels, PREVIEW_COLUMNS);
                    }
                });
                view! {
                    <figure class="run-strip">
                        <canvas node_ref=canvas class="pixelated strip" data-testid="compare-strip" role="img"
                            aria-label=format!("The latest samples of {}", run.name)></canvas>
                        <figcaption>{run.name.clone()}</figcaption>
                    </figure>
                }
            }).collect_view()}
        </div>
    }
}
