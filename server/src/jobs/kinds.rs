//! Every kind of background work, typed. The `jobs.kind` column holds a
//! [`JobKind`]'s name; each kind's payload is a type that implements
//! [`Job`], so queueing a job says what it is by its type, and a worker
//! reads a claimed job's kind back as a `JobKind`, not a string.

use serde::Serialize;
use serde::de::DeserializeOwned;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum JobKind {
    /// Draws one concept picture (`generation::concepts`).
    Concept,
    /// Design → model; may run in a remote worker beside a GPU (`generation::model3d`).
    Mesh,
    /// Description or uploaded file → model; always in the server's own workers.
    Model,
    /// Slices a model and prices it (`shop::quotes`).
    Quote,
}

impl JobKind {
    pub const ALL: [JobKind; 4] = [JobKind::Concept, JobKind::Mesh, JobKind::Model, JobKind::Quote];

    /// The name stored in `jobs.kind`.
    pub const fn name(self) -> &'static str {
        match self {
            JobKind::Concept => "concept",
            JobKind::Mesh => "mesh",
            JobKind::Model => "model",
            JobKind::Quote => "quote",
        }
    }

    pub fn from_name(name: &str) -> Option<JobKind> {
        JobKind::ALL.into_iter().find(|kind| kind.name() == name)
    }

    /// Whether a job of this kind makes a creation's model.
    pub fn makes_a_model(self) -> bool {
        matches!(self, JobKind::Mesh | JobKind::Model)
    }
}

/// A job's payload: what it carries, and what kind of job it is.
pub trait Job: Serialize + DeserializeOwned {
    const KIND: JobKind;
    /// Tries before the job fails for good.
    const MAX_ATTEMPTS: i64 = 3;

    fn payload(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("a job's payload serialises")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_back_as_their_kind() {
        for kind in JobKind::ALL {
            assert_eq!(JobKind::from_name(kind.name()), Some(kind));
        }
        assert_eq!(JobKind::from_name("slice"), None);
    }
}
