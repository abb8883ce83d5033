//! latent-lab's command-line trainer: trains the models, evaluates them, writes `pretrained/`,
//! reconstructs and samples images, and benchmarks training steps. Native only: in the browser
//! the playground (latent-page) is the front end.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
