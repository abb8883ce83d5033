//! The playground's entry point: in the browser it mounts the Leptos page (src/app/); the models
//! run in the workers (src/bin/*worker.rs).

#[cfg(target_arch = "wasm32")]
fn main() {
    latent_lab::run_static_constructors_once();
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(latent_lab::app::App);
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("The playground runs in the browser: serve it with `trunk serve --release` (see README.md).");
}
