//! The workers' entry point: both of the page's workers (inference and training) run this
//! module; the name the page gives a worker picks its role (src/web/worker.rs).

#[cfg(target_arch = "wasm32")]
fn main() {
    latent_lab::run_static_constructors_once();
    console_error_panic_hook::set_once();
    latent_lab::web::worker::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("The engine worker runs in the browser, started by the playground page.");
}
