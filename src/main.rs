//! The playground's entry point: in the browser it mounts the Leptos app (src/app/).

// Burn's GPU runtime (cubecl) registers its operations with static constructors (`inventory`).
// Unless the module calls `__wasm_call_ctors` itself, the linker runs every constructor again at
// the top of every exported function, i.e. on each call from JavaScript into wasm (each promise
// callback, each frame): most of a WebGPU training step went there. Calling it once here, first
// thing, is the linker's documented opt-out.
#[cfg(target_arch = "wasm32")]
unsafe extern "C" {
    fn __wasm_call_ctors();
}

#[cfg(target_arch = "wasm32")]
fn main() {
    // SAFETY: runs once, before any other code of the module uses what the constructors register.
    unsafe { __wasm_call_ctors() };
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(latent_lab::app::App);
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("The playground runs in the browser: serve it with `trunk serve --open` (see README.md).");
}
