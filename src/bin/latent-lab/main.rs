//! latent-lab's command-line trainer: trains the models, evaluates them, writes `pretrained/`,
//! reconstructs and samples images, and benchmarks training steps. Native only: in the browser
//! the playground (src/main.rs) is the front end.

#[cfg(not(target_arch = "wasm32"))]
mod cli;

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    cli::main()
}

#[cfg(target_arch = "wasm32")]
fn main() {}
