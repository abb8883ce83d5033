//! The playground's entry point: in the browser it mounts the Leptos app (src/app/).

#[cfg(target_arch = "wasm32")]
fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(latent_lab::app::App);
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("The playground runs in the browser: serve it with `trunk serve --open` (see README.md).");
}
