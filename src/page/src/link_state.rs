//! The page's side of links (`latent_core::link`): the state the page was opened with, which each panel
//! reads as it starts, and the link to the page as it is now, which each panel writes its part of.

use js_sys::Reflect;
use leptos::prelude::*;
use wasm_bindgen::JsValue;

use latent_core::link::LinkState;

type Part = Box<dyn Fn(&mut LinkState)>;

#[derive(Clone, Copy)]
pub struct Link {
    opened: StoredValue<LinkState>,
    parts: StoredValue<Vec<Part>, LocalStorage>,
}

/// A string property of `window.location` (through `Reflect`: web-sys's `Location` is not among
/// the enabled features, and enabling one rebuilds every module).
fn location(property: &str) -> String {
    let location =
        web_sys::window().and_then(|w| Reflect::get(&w, &"location".into()).ok()).unwrap_or(JsValue::UNDEFINED);
    Reflect::get(&location, &property.into()).ok().and_then(|v| v.as_string()).unwrap_or_default()
}

impl Link {
    /// The state in the page's own address, and the parameters it left out.
    pub fn from_location() -> (Self, Vec<String>) {
        let (state, ignored) = LinkState::parse(&location("search"));
        (Self { opened: StoredValue::new(state), parts: StoredValue::new_local(Vec::new()) }, ignored)
    }

    /// What the page was opened with.
    pub fn opened(self) -> LinkState {
        self.opened.get_value()
    }

    /// A panel says how it writes its part of a link.
    pub fn contribute(self, part: impl Fn(&mut LinkState) + 'static) {
        self.parts.update_value(|parts| parts.push(Box::new(part)));
    }

    /// The link to this page as it is set up now (same folder, same file).
    pub fn url(self) -> String {
        let mut state = LinkState::default();
        self.parts.with_value(|parts| parts.iter().for_each(|part| part(&mut state)));
        format!("{}{}?{}", location("origin"), location("pathname"), state.to_query())
    }
}

pub(crate) fn use_link() -> Link {
    expect_context::<Link>()
}
