//! The training worker (built with `training` and `webgpu`): the page loads it on the first Start.

fn main() {
    latent_lab::worker_main(latent_lab::protocol::Role::Training);
}
