//! Why reading results back from a device failed: a lost GPU device is told apart from other
//! failures, because it alone means "move this work to the CPU". The reads themselves are in
//! `latent_engine::readback`.

#[derive(Debug, Clone, PartialEq, thiserror::Error, serde::Serialize, serde::Deserialize)]
pub enum ReadbackError {
    /// The device is gone (driver reset, a destroyed device): every later read fails too.
    #[error("the GPU device was lost ({0})")]
    DeviceLost(String),
    #[error("reading results back failed: {0}")]
    Failed(String),
}

impl ReadbackError {
    pub fn is_device_lost(&self) -> bool {
        matches!(self, ReadbackError::DeviceLost(_))
    }
}
