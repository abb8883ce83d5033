//! The training worker (built with `training` and `webgpu`): the page loads it on the first Start.

fn main() {
    latent_workers::worker_main(latent_core::protocol::Role::Training);
}
