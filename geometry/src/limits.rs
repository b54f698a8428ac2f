//! Caps applied to every input before and while it is read.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest file accepted, in bytes.
    pub max_bytes: u64,
    /// Most triangles accepted in one model.
    pub max_triangles: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_bytes: 256 * 1024 * 1024, max_triangles: 5_000_000 }
    }
}

impl Limits {
    pub(crate) fn check_size(&self, size: usize) -> Result<(), crate::MeshError> {
        let size = size as u64;
        if size > self.max_bytes {
            return Err(crate::MeshError::TooLarge { size, limit: self.max_bytes });
        }
        Ok(())
    }
}
