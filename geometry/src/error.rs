//! Why a model could not be read or processed, in words a person can act on.

/// Every failure of the kernel. `Display` is one line, fit to show a user.
#[derive(thiserror::Error, Debug, Clone, PartialEq)]
pub enum MeshError {
    #[error("the file is empty")]
    Empty,
    #[error("the file is {size} bytes; the limit is {limit} bytes")]
    TooLarge { size: u64, limit: u64 },
    #[error("the model has more than {limit} triangles, the limit")]
    TooManyTriangles { limit: usize },
    #[error("this binary STL says it holds {claimed} triangles, but its size fits {fits}")]
    StlCountMismatch { claimed: u64, fits: u64 },
    #[error("not a readable STL file: {0}")]
    InvalidStl(String),
    #[error("not a readable OBJ file: {0}")]
    InvalidObj(String),
    #[error("not a readable 3MF file: {0}")]
    Invalid3mf(String),
    #[error("not a readable GLB model: {0}")]
    InvalidGlb(String),
    #[error("the file has no triangles")]
    NoTriangles,
    #[error("the model has more than {limit} vertices, the limit")]
    TooManyVertices { limit: usize },
    #[error("the model places more than {limit} copies of its parts, the limit")]
    TooManyInstances { limit: u64 },
    #[error("the model has a coordinate that is not a finite number")]
    NonFinite,
    #[error("unsupported file type: {0}")]
    UnsupportedFormat(String),
}
