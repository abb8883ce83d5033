//! One panel of the page: a titled section, labelled by its heading for screen readers.

use leptos::prelude::*;

#[component]
pub fn Panel(
    /// Prefix of the heading's id (unique on the page).
    id: &'static str,
    title: &'static str,
    /// Extra CSS class for the section.
    #[prop(optional)]
    class: &'static str,
    children: Children,
) -> impl IntoView {
    let heading = format!("{id}-title");
    let labelled_by = heading.clone();
    let classes = if class.is_empty() { "panel".to_string() } else { format!("panel {class}") };
    view! {
        <section class=classes aria-labelledby=labelled_by>
            <h2 id=heading>{title}</h2>
            {children()}
        </section>
    }
}
