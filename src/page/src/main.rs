//! The playground's entry point: in the browser it mounts the Leptos page; the models run in
//! the workers (latent-workers).

#[cfg(target_arch = "wasm32")]
fn main() {
    latent_web::run_static_constructors_once();
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(latent_page::App);
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("The playground runs in the browser: serve it with `trunk serve --release` (see README.md).");
}
