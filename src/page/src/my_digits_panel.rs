//! "My digits" in the draw panel: add the drawing with a label, a gallery of the digits kept
//! (relabel, delete), and the collection out and in as MNIST's two IDX files.

use leptos::html::Canvas;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::my_digits_state::use_my_digits;
use crate::paint::paint_image;
use crate::use_lab;
use latent_core::my_digits::MyDigit;
use latent_web::files::file_bytes;

/// Digits the gallery shows (the newest); the rest are counted.
const SHOWN: usize = 60;

/// How many of each digit, in words ("3 of 0, 1 of 7").
fn counts_text(counts: [usize; 10]) -> String {
    let parts: Vec<String> =
        counts.iter().enumerate().filter(|(_, n)| **n > 0).map(|(digit, n)| format!("{n} of {digit}")).collect();
    parts.join(", ")
}

/// One digit of the gallery: its image, its label (to change) and a delete button.
fn gallery_item(digit: MyDigit) -> impl IntoView {
    let mine = use_my_digits();
    let canvas = NodeRef::<Canvas>::new();
    let pixels = digit.unit_pixels();
    Effect::new(move |_| {
        if let Some(canvas) = canvas.get() {
            paint_image(&canvas, &pixels);
        }
    });
    let id = digit.id;
    view! {
        <li class="my-digit">
            <canvas node_ref=canvas class="pixelated thumb" width="28" height="28" role="img"
                aria-label=format!("one of my digits, labelled {}", digit.label)></canvas>
            <select aria-label="Its label" data-testid="my-digit-label"
                on:change=move |ev| if let Ok(label) = event_target_value(&ev).parse() { mine.relabel(id, label) }>
                {(0..10u8).map(|d| view! { <option value=d.to_string() selected=d == digit.label>{d.to_string()}</option> }).collect_view()}
            </select>
            <button class="small-button" aria-label=format!("Delete this {}", digit.label) data-testid="my-digit-delete"
                on:click=move |_| mine.remove(id)>"✕"</button>
        </li>
    }
}

#[component]
pub fn MyDigitsPanel() -> impl IntoView {
    let lab = use_lab();
    let mine = use_my_digits();
    // The label to add with: what the classifier reads, until the person picks one.
    let chosen = RwSignal::new(None::<u8>);
    let label = move || {
        chosen.get().or_else(|| lab.analysis.with(|a| a.as_ref().and_then(|a| a.drawing_label)).map(|l| l.class as u8))
    };
    let added = RwSignal::new(None::<String>);
    let add = move |_| {
        let Some(pixels) = lab.drawing.get_untracked() else {
            mine.error.set(Some("There is no drawing to add: draw a digit first.".into()));
            return;
        };
        let label = untrack(label).unwrap_or(0);
        if mine.add(&pixels, label).is_ok() {
            added.set(Some(format!("Added as a {label}.")));
        }
    };
    let import = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        let files: Vec<web_sys::File> =
            input.files().map(|list| (0..list.length()).filter_map(|i| list.get(i)).collect()).unwrap_or_default();
        input.set_value("");
        spawn_local(async move {
            let [first, second] = &files[..] else {
                mine.error.set(Some(format!(
                    "Pick the two files together: the IDX image file and the IDX label file ({} picked).",
                    files.len()
                )));
                return;
            };
            let read = async |file: &web_sys::File| file_bytes(file).await.map(|bytes| (file.name(), bytes));
            match (read(first).await, read(second).await) {
                (Ok(a), Ok(b)) => {
                    if let Ok(count) = mine.import(a, b) {
                        added.set(Some(format!("Imported {count} digits.")));
                    }
                }
                (Err(why), _) | (_, Err(why)) => mine.error.set(Some(why)),
            }
        });
    };
    let export = move |labels: bool| {
        if let Err(why) = mine.export(labels) {
            mine.error.set(Some(why));
        }
    };
    let count = move || mine.digits.with(|d| d.len());
    view! {
        <div class="my-digits" data-testid="my-digits">
            <div class="controls">
                <label>"Add to my digits as "
                    <select data-testid="my-digits-label" on:change=move |ev| chosen.set(event_target_value(&ev).parse().ok())>
                        {(0..10u8).map(|d| view! { <option value=d.to_string() selected=move || label() == Some(d)>{d.to_string()}</option> }).collect_view()}
                    </select>
                </label>
                <button data-testid="my-digits-add" on:click=add disabled=move || lab.drawing.with(Option::is_none)>"Add"</button>
            </div>
            {move || added.get().map(|a| view! { <p class="caption ok" role="status" data-testid="my-digits-added">{a}</p> })}
            {move || mine.error.get().map(|e| view! { <p class="error" role="alert" data-testid="my-digits-error">{e}</p> })}
            <details class="my-digits-gallery">
                <summary data-testid="my-digits-summary">{move || match count() {
                    0 => "My digits: none yet. Add drawings to teach the models your handwriting.".to_string(),
                    n => format!("My digits: {n} ({})", mine.digits.with(|d| counts_text(d.counts()))),
                }}</summary>
                <ul class="gallery-list" data-testid="my-digits-gallery">
                    {move || mine.digits.with(|d| d.digits.iter().rev().take(SHOWN).cloned().collect::<Vec<_>>())
                        .into_iter().map(gallery_item).collect_view()}
                </ul>
                {move || (count() > SHOWN).then(|| view! { <p class="caption">{format!("The newest {SHOWN} are shown.")}</p> })}
                <div class="buttons">
                    <button data-testid="my-digits-export-images" on:click=move |_| export(false)
                        disabled=move || count() == 0>"Export images (IDX)"</button>
                    <button data-testid="my-digits-export-labels" on:click=move |_| export(true)
                        disabled=move || count() == 0>"Export labels (IDX)"</button>
                    <label class="file-button">"Import IDX files"
                        <input type="file" multiple data-testid="my-digits-import" on:change=import
                            aria-label="Import digits: pick an IDX image file and its IDX label file together"/>
                    </label>
                </div>
            </details>
        </div>
    }
}
