//! The drawing pad's tools: Undo and Clear, and a test image of the dataset to start from.

use leptos::prelude::*;

use crate::draw_pad::{Start, Stroke, start_from};
use crate::use_lab;
use latent_core::data::first_view::Example;

#[component]
pub fn DrawPadTools(
    strokes: RwSignal<Vec<Stroke>>,
    example: RwSignal<Option<Start>>,
    touched: RwSignal<bool>,
    /// The dataset's test images to start from.
    digits: RwSignal<Vec<Example>>,
    /// Redraws the pad and hands its image on, at the next animation frame.
    schedule: impl Fn() + Clone + 'static,
) -> impl IntoView {
    let lab = use_lab();
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
    }
}
