//! "Copy link": the address of the page as it is set up (backend, drawing, latent grid, GAN,
//! Train panel), copied to the clipboard and shown, so that it can be copied by hand too.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::link_state::use_link;
use latent_web::files::copy_text;

#[component]
pub fn ShareLink() -> impl IntoView {
    let link = use_link();
    let url = RwSignal::new(None::<String>);
    let status = RwSignal::new(None::<String>);
    let copy = move |_| {
        let now = link.url();
        url.set(Some(now.clone()));
        spawn_local(async move {
            status.set(Some(match copy_text(&now).await {
                Ok(()) => "Link copied: it opens the page as it is set up now.".into(),
                Err(_) => "The browser did not let the page copy: copy the link from the box.".into(),
            }));
        });
    };
    view! {
        <div class="share">
            <button data-testid="copy-link" on:click=copy>"Copy link"</button>
            {move || url.get().map(|url| view! {
                <input class="link-url" readonly data-testid="link-url" aria-label="Link to this page as it is set up" prop:value=url/>
            })}
            {move || status.get().map(|s| view! { <span class="caption" data-testid="link-status" role="status">{s}</span> })}
        </div>
    }
}
