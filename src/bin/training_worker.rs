//! The training worker's entry point (src/web/worker.rs runs it); its own module, so that each
//! worker downloads only the code it runs.

#[cfg(target_arch = "wasm32")]
fn main() {
    latent_lab::run_static_constructors_once();
    console_error_panic_hook::set_once();
    latent_lab::web::worker::start(latent_lab::protocol::Role::Training);
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("The training worker runs in the browser, started by the playground page.");
}
