//! The `concept` job: draws one concept's picture and records it, ready or
//! failed. A concept that cannot be drawn fails alone (its card says why and
//! offers a retry), never the whole gallery.

use serde::{Deserialize, Serialize};

use super::store as concepts;
use crate::generation::GenerationContext;
use crate::jobs::kinds::{Failure, Job, JobKind, JobRun};
use crate::platform::metrics::{self, Provider};
use crate::platform::spend::{self, Paid, SpendError};

/// What a `concept` job carries.
#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct ConceptJob {
    pub creation_id: String,
    pub index: u32,
}

impl Job for ConceptJob {
    const KIND: JobKind = JobKind::named("concept");
    type Context = GenerationContext;

    async fn run(self, cx: &GenerationContext, run: JobRun) -> Result<serde_json::Value, Failure> {
        let (creation, index) = (self.creation_id.as_str(), self.index);
        let brief = concepts::brief(&cx.db, creation, index).await.map_err(|e| Failure::ours(&e, &run))?;
        (run.report)("Drawing", 10);
        let mut ceiling = false;
        let drawn = match spend::charge(&cx.db, &cx.config, Paid::Image).await {
            Ok(()) => {
                let started = std::time::Instant::now();
                let drawn = cx.images.draw(&brief).await;
                metrics::provider_call(Provider::Image, started, drawn.is_ok());
                drawn
            }
            Err(refused @ SpendError::CeilingReached(_)) => {
                ceiling = true;
                Err(refused.to_string())
            }
            Err(SpendError::Database(error)) => return Err(Failure::ours(&error, &run)),
        };
        let outcome = match drawn {
            Ok(png) => {
                let key = concepts::image_key(creation, index);
                cx.storage.put(&key, png).await.map_err(|e| Failure::ours(&e, &run))?;
                Ok(key)
            }
            // The ceiling is ours to explain; a service's own words (its
            // answer, its address) go to the log only.
            Err(reason) if ceiling => Err(format!("This design could not be drawn: {reason}")),
            Err(reason) => {
                tracing::warn!(%reason, creation, index, "a concept could not be drawn");
                Err("This design could not be drawn: the picture service did not answer in time or refused it. \
                     Try this design again."
                    .to_string())
            }
        };
        let ready = outcome.is_ok();
        concepts::finish(&cx.db, creation, index, outcome).await.map_err(|e| Failure::ours(&e, &run))?;
        Ok(serde_json::json!({ "creation_id": creation, "index": index, "ready": ready }))
    }
}
