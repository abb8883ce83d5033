//! GAN samples: a grid of generated digits of a chosen class (or any), reproducible by seed, each
//! labelled by the classifier; pick two samples to walk between them.

use leptos::html::Canvas;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::cell_cursor::CellCursor;
use crate::link_state::use_link;
use crate::paint::paint_grid;
use crate::use_lab;
use latent_core::data::DatasetKind;
use latent_core::link::Lock;
use latent_core::models::ModelKind;
use latent_core::protocol::{Generated, InferenceReply, InferenceRequest};

const COLUMNS: usize = 6;
const SAMPLES: usize = COLUMNS * COLUMNS;
const STEPS: usize = 10;

/// The grid currently shown: its seed and digit (to walk between its samples), and what came.
#[derive(Clone, PartialEq)]
struct Shown {
    seed: u64,
    digit: Option<u8>,
    generated: Generated,
}

/// The grid in words: what the classifier reads in each row of samples.
fn grid_in_words(shown: &Shown, dataset: DatasetKind) -> String {
    let rows: Vec<String> = shown
        .generated
        .labels
        .chunks(COLUMNS)
        .enumerate()
        .map(|(row, labels)| {
            let classes: Vec<&str> = labels.iter().map(|l| dataset.class_name(l.class)).collect();
            format!("row {}: {}", row + 1, classes.join(", "))
        })
        .collect();
    format!("Generated samples (seed {}), as the classifier reads them, {}.", shown.seed, rows.join("; "))
}

fn agreement(shown: &Shown, dataset: DatasetKind) -> String {
    let generated = &shown.generated;
    let agree = generated.labels.iter().zip(&generated.asked).filter(|(l, d)| l.class == **d as usize).count();
    match shown.digit {
        Some(d) => {
            format!("The classifier sees a {} in {agree} of {SAMPLES} samples.", dataset.class_name(d as usize))
        }
        None => format!("The classifier agrees with the asked class in {agree} of {SAMPLES} samples."),
    }
}

#[component]
pub fn GanGallery() -> impl IntoView {
    let lab = use_lab();
    let link = use_link();
    let opened = link.opened();
    // A lesson link may fix the digit and the seed: then there is no Generate either.
    let locked = opened.locks(Lock::Gan);
    let digit = RwSignal::new(opened.gan_digit.flatten());
    let first_seed = opened.gan_seed.unwrap_or(1);
    let seed_text = RwSignal::new(first_seed.to_string());
    // A link's walk, drawn once its grid is in.
    let linked_walk = StoredValue::new(opened.gan_walk.filter(|ends| ends.iter().all(|&e| e < SAMPLES)));
    let shown = RwSignal::new(None::<Shown>);
    let picks = RwSignal::new(Vec::<usize>::new());
    link.contribute(move |state| {
        state.gan_digit = Some(digit.get_untracked());
        state.gan_seed = shown.with_untracked(|s| s.as_ref().map(|s| s.seed));
        state.gan_walk = picks.with_untracked(|p| match p[..] {
            [from, to] => Some([from, to]),
            _ => None,
        });
    });
    let error = RwSignal::new(None::<String>);
    let grid = NodeRef::<Canvas>::new();
    let strip = NodeRef::<Canvas>::new();

    // Requests run side by side in the worker: only the latest one's grid is shown.
    let latest = StoredValue::new(0u64);
    // The dataset whose GAN drew the grid: another one's draws the same seed again.
    let grid_dataset = StoredValue::new(lab.dataset.get_untracked());
    let generate_seed = move |seed: u64| {
        let wanted = digit.get_untracked();
        grid_dataset.set_value(lab.dataset.get_untracked());
        seed_text.set(seed.to_string());
        picks.set(Vec::new());
        latest.update_value(|n| *n += 1);
        let request = latest.get_value();
        spawn_local(async move {
            let reply = lab.ask(InferenceRequest::Generate { seed, digit: wanted, count: SAMPLES }).await;
            if request != latest.get_value() {
                return;
            }
            match reply {
                Ok(InferenceReply::Generated(generated)) => {
                    if let Some(canvas) = grid.get_untracked() {
                        paint_grid(&canvas, &generated.pixels.0, COLUMNS);
                    }
                    error.set(None);
                    shown.set(Some(Shown { seed, digit: wanted, generated }));
                    if let Some(ends) = linked_walk.get_value() {
                        linked_walk.set_value(None);
                        picks.set(ends.to_vec());
                    }
                }
                Ok(_) => {}
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    };

    let generate_new = move |_| generate_seed((js_sys::Math::random() * 1e9) as u64);
    // A grid as soon as the GAN is in, from the seed box's seed (the panel is never empty), and
    // the grid's seed again once another dataset's GAN is in.
    Effect::new(move |_| {
        let dataset = lab.dataset.get();
        if !lab.has(ModelKind::Gan) {
            return;
        }
        match shown.with_untracked(|s| s.as_ref().map(|s| s.seed)) {
            None if latest.get_value() == 0 => generate_seed(first_seed),
            Some(seed) if dataset != grid_dataset.get_value() => generate_seed(seed),
            _ => {}
        }
    });
    let generate_typed = move || match seed_text.get_untracked().trim().parse::<u64>() {
        Ok(seed) => generate_seed(seed),
        Err(_) => error.set(Some("A seed is a whole number, e.g. 42.".into())),
    };

    // Two picked samples: draw the walk between them (noise and class both blend).
    Effect::new(move |_| {
        let chosen = picks.get();
        let Some(Shown { seed, digit, .. }) = shown.get_untracked() else { return };
        let [from, to] = chosen[..] else { return };
        let request = InferenceRequest::Walk { seed, digit, count: SAMPLES, from, to, steps: STEPS };
        spawn_local(async move {
            if let (Ok(InferenceReply::Images(pixels)), Some(canvas)) = (lab.ask(request).await, strip.get_untracked())
            {
                paint_grid(&canvas, &pixels.0, STEPS);
            }
        });
    });

    let choose = move |index: usize| {
        picks.update(|p| {
            if p.len() == 2 {
                p.clear();
            }
            p.push(index);
        });
    };
    let pick = move |ev: web_sys::MouseEvent| {
        let Some(canvas) = grid.get_untracked() else { return };
        let rect = canvas.get_bounding_client_rect();
        let column = (((ev.client_x() as f64 - rect.left()) / rect.width()) * COLUMNS as f64) as usize;
        let row = (((ev.client_y() as f64 - rect.top()) / rect.height()) * COLUMNS as f64) as usize;
        choose(row.min(COLUMNS - 1) * COLUMNS + column.min(COLUMNS - 1));
    };
    // Keyboard: arrow keys move a cursor over the samples, Enter or Space picks one.
    let cursor = RwSignal::new(0usize);
    let focused = RwSignal::new(false);
    let on_key = move |ev: web_sys::KeyboardEvent| {
        let at = cursor.get_untracked();
        let next = match ev.key().as_str() {
            "ArrowLeft" => at.saturating_sub(1),
            "ArrowRight" => (at + 1).min(SAMPLES - 1),
            "ArrowUp" => at.saturating_sub(COLUMNS),
            "ArrowDown" => (at + COLUMNS).min(SAMPLES - 1),
            "Enter" | " " => {
                ev.prevent_default();
                choose(at);
                return;
            }
            _ => return,
        };
        ev.prevent_default();
        cursor.set(next);
    };

    view! {
        {(!locked).then(|| view! {
            <div class="controls">
                <label>{move || if lab.dataset.get() == DatasetKind::Mnist { "Digit " } else { "Class " }}
                    <select data-testid="gan-digit" on:change=move |ev| digit.set(event_target_value(&ev).parse::<u8>().ok())>
                        <option value="any" selected=move || digit.get().is_none()>"any"</option>
                        {(0..10u8).map(|d| view! {
                            <option value=d.to_string() selected=move || digit.get() == Some(d)>{move || lab.class_name(d as usize)}</option>
                        }).collect_view()}
                    </select>
                </label>
                <button class="primary" on:click=generate_new disabled=move || !lab.has(ModelKind::Gan) data-testid="gan-generate">"Generate"</button>
                <label>"Seed "
                    <input type="text" inputmode="numeric" size="10" data-testid="gan-seed" prop:value=move || seed_text.get()
                        on:input=move |ev| seed_text.set(event_target_value(&ev))
                        on:keydown=move |ev: web_sys::KeyboardEvent| if ev.key() == "Enter" { generate_typed() }/>
                </label>
                <button on:click=move |_| generate_typed() disabled=move || !lab.has(ModelKind::Gan) data-testid="gan-use-seed">"Use seed"</button>
            </div>
        })}
        <div class="grid-wrap">
        <canvas node_ref=grid class="pixelated gallery" data-testid="gan-grid" on:click=pick
            tabindex="0" on:keydown=on_key on:focus=move |_| focused.set(true) on:blur=move |_| focused.set(false)
            role="img" aria-roledescription="grid of samples"
            aria-label=move || { let dataset = lab.dataset.get(); shown.with(|s| s.as_ref().map(|s| grid_in_words(s, dataset))).unwrap_or_else(|| "Generated samples appear here".into()) }
            aria-describedby="gan-keys"></canvas>
            <CellCursor cell=Signal::derive(move || (cursor.get() % COLUMNS, cursor.get() / COLUMNS))
                cells=Signal::stored(COLUMNS) shown=focused.into() test_id="gan-cursor-ring"/>
        </div>
        <p class="caption" id="gan-keys">"Click two samples (or move with the arrow keys and press Enter) to see the walk between them."</p>
        <p class="caption" aria-live="polite" data-testid="gan-cursor">{move || {
            let at = cursor.get();
            let class = shown.with(|s| s.as_ref().and_then(|s| s.generated.labels.get(at).map(|l| l.class)));
            let reads = class.map(|c| format!(": the classifier reads a {}", lab.class_name(c))).unwrap_or_default();
            format!("Keyboard cursor on sample {} of {SAMPLES} (row {}, column {}){reads}", at + 1, at / COLUMNS + 1, at % COLUMNS + 1)
        }}</p>
        <p class="caption" data-testid="gan-summary"
            data-labels=move || shown.with(|s| s.as_ref().map(|s| s.generated.labels.iter().map(|l| l.class.to_string()).collect::<Vec<_>>().join(",")))
            data-seed=move || shown.with(|s| s.as_ref().map(|s| s.seed.to_string()))>
            {move || { let dataset = lab.dataset.get(); shown.with(|s| s.as_ref().map(|s| agreement(s, dataset))).unwrap_or_else(|| "Press Generate.".into()) }}
        </p>
        <p class="caption" aria-live="polite">{move || match picks.get()[..] {
            [] => "Pick two samples to walk from one to the other.".to_string(),
            [from] => format!("Sample {} picked; now pick a second.", from + 1),
            [from, to, ..] => format!("The walk from sample {} to sample {}:", from + 1, to + 1),
        }}</p>
        <canvas node_ref=strip class="pixelated strip" data-testid="gan-walk" role="img"
            aria-label=move || match picks.get()[..] {
                [from, to] => format!("{STEPS} digits morphing from sample {} to sample {}", from + 1, to + 1),
                _ => "The walk between two picked samples appears here".to_string(),
            }></canvas>
        {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
    }
}
