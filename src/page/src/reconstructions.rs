//! The AE's and the VAE's reconstructions of the drawing, side by side, each with what the
//! classifier says it looks like.

use leptos::prelude::*;

use crate::reconstruction_view::ReconstructionView;
use crate::use_lab;
use latent_core::data::DatasetKind;
use latent_core::models::ModelKind;
use latent_core::protocol::{DrawingAnalysis, Label, TRAINED_SOURCE};

/// What the classifier says, in the chosen dataset's class names ("looks like Trouser (97%)").
pub fn label_text(label: Option<Label>, dataset: DatasetKind) -> String {
    label
        .map(|l| format!("looks like {} ({:.0}%)", dataset.class_name(l.class), l.confidence * 100.0))
        .unwrap_or_default()
}

/// What a reconstruction canvas shows, in words (its label for screen readers).
pub fn described(name: &str, label: Option<Label>, dataset: DatasetKind) -> String {
    match label {
        Some(label) => format!("{name} reconstruction: {}", label_text(Some(label), dataset)),
        None => format!("{name} reconstruction: nothing drawn yet"),
    }
}

#[component]
pub fn Reconstructions() -> impl IntoView {
    let lab = use_lab();
    let pick = move |f: fn(&DrawingAnalysis) -> Option<Vec<f32>>| {
        Signal::derive(move || lab.analysis.with(|a| a.as_ref().and_then(f)))
    };
    let label = move |f: fn(&DrawingAnalysis) -> Option<Label>| {
        Signal::derive(move || lab.analysis.with(|a| a.as_ref().and_then(f)))
    };
    view! {
        <div class="recons">
            <ReconstructionView name="Autoencoder (3-D code)" test_id="ae"
                pixels=pick(|a| a.ae_reconstruction.as_ref().map(|p| p.0.clone())) label=label(|a| a.ae_label)/>
            <ReconstructionView name="VAE (decoded mean)" test_id="vae"
                pixels=pick(|a| a.vae_reconstruction.as_ref().map(|p| p.0.clone())) label=label(|a| a.vae_label)/>
        </div>
        // Said once the pen rests and the analysis of the latest drawing is in, not every frame.
        <p class="visually-hidden" aria-live="polite" data-testid="drawing-live">{move || {
            if !lab.settled() {
                return None;
            }
            let dataset = lab.dataset.get();
            lab.analysis.with(|a| a.as_ref().map(|a| format!(
                "Your drawing {}. {}. {}.",
                label_text(a.drawing_label, dataset),
                described("Autoencoder", a.ae_label, dataset),
                described("VAE", a.vae_label, dataset)
            )))
        }}</p>
        <p class="caption" data-testid="drawing-label"
            data-count=move || lab.analyses.get().to_string() data-idle=move || lab.settled().to_string()
            data-drawing=move || lab.drawings.get().to_string() data-analysed=move || lab.analysed.get().to_string()
            data-class=move || lab.analysis.with(|a| a.as_ref().and_then(|a| a.drawing_label).map(|l| l.class.to_string()))>
            {move || {
                // The classifier the person trained (on their digits, say) reads the drawing now.
                let whose = if lab.source(ModelKind::Classifier) == TRAINED_SOURCE { ", says the classifier you trained" } else { "" };
                let dataset = lab.dataset.get();
                lab.analysis.with(|a| a.as_ref().map(|a| format!("Your drawing {}{whose}", label_text(a.drawing_label, dataset))))
                    .unwrap_or_else(|| format!("Draw a {} in the box: the reconstructions follow your pen.", dataset.item_name()))
            }}
        </p>
    }
}
