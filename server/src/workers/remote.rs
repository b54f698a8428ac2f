//! `memoreez worker`: runs beside a GPU and PULLS mesh jobs from a Memoreez
//! server over HTTP(S) — claim with a lease, fetch the picture, make the
//! model with the chosen maker while heartbeating, hand in the model or
//! fail with a reason. Nothing calls in, so it works from behind any
//! firewall; if it dies, its lease runs out and another worker takes the job.

use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;
use serde::Deserialize;
use serde_json::json;
use tokio::sync::watch;

use crate::generation::image_to_3d::{Hunyuan3d, MakeError, ModelMaker, Relief};

/// What a worker needs to know.
#[derive(Clone, Debug)]
pub struct WorkerOptions {
    pub server: String,
    pub token: String,
    /// `embedded` or `hunyuan3d=URL`.
    pub mesh_provider: String,
    pub lease_s: u64,
    /// This worker's name in the server's records.
    pub worker_id: String,
}

#[derive(thiserror::Error, Debug)]
pub enum WorkerError {
    #[error("--mesh-provider must be embedded or hunyuan3d=URL, not {0:?}")]
    Provider(String),
    #[error("--lease-s must be 5 to 600")]
    Lease,
    #[error("the server refused the worker token (401); make one with `memoreez admin worker-token`")]
    Token,
}

#[derive(Deserialize)]
struct Claimed {
    job_id: String,
    input_url: String,
    /// The job's own description (the creation, its design, the chosen form).
    #[serde(default)]
    payload: serde_json::Value,
}

pub fn maker(provider: &str) -> Result<Arc<dyn ModelMaker>, WorkerError> {
    match provider.split_once('=') {
        // A worker process makes one model at a time: its budget is its own.
        None if provider == "embedded" => {
            Ok(Arc::new(Relief(crate::platform::mesh_work::MeshWork::new(0, 1))))
        }
        Some(("hunyuan3d", url)) if url.starts_with("http") => Ok(Arc::new(Hunyuan3d {
            base: url.to_string(),
            calls: crate::generation::concepts::service::Service::new(Duration::from_secs(900), 1)
                .with_max_body(256 << 20),
            max_triangles: 5_000_000,
        })),
        _ => Err(WorkerError::Provider(provider.to_string())),
    }
}

/// Works until the process is stopped; fails only on a setting or token
/// that cannot work (everything else is retried).
pub async fn run(options: WorkerOptions) -> Result<(), WorkerError> {
    if !(5..=600).contains(&options.lease_s) {
        return Err(WorkerError::Lease);
    }
    let maker = maker(&options.mesh_provider)?;
    let client = reqwest::Client::new();
    let base = options.server.trim_end_matches('/').to_string();
    tracing::info!(server = %base, worker = %options.worker_id, "pulling mesh jobs");
    loop {
        let claim = client
            .post(format!("{base}/api/worker/claim"))
            .bearer_auth(&options.token)
            .json(&json!({ "worker_id": options.worker_id, "kinds": ["mesh"], "lease_s": options.lease_s }))
            .send()
            .await;
        match claim {
            Ok(response) if response.status() == StatusCode::UNAUTHORIZED => return Err(WorkerError::Token),
            Ok(response) if response.status() == StatusCode::OK => match response.json::<Claimed>().await {
                Ok(job) => work(&client, &base, &options, maker.as_ref(), job).await,
                Err(error) => tracing::warn!(%error, "unreadable claim"),
            },
            Ok(response) if response.status() == StatusCode::NO_CONTENT => {
                tokio::time::sleep(Duration::from_secs(1)).await
            }
            Ok(response) => {
                tracing::warn!(status = %response.status(), "the server did not hand out work");
                tokio::time::sleep(Duration::from_secs(3)).await;
            }
            Err(error) => {
                tracing::warn!(error = %error.without_url(), "cannot reach the server");
                tokio::time::sleep(Duration::from_secs(3)).await;
            }
        }
    }
}

async fn work(
    client: &reqwest::Client,
    base: &str,
    options: &WorkerOptions,
    maker: &dyn ModelMaker,
    job: Claimed,
) {
    let id = &job.job_id;
    tracing::info!(job = %id, "working");
    let who = [("worker_id", options.worker_id.as_str())];
    let post =
        |path: String| client.post(format!("{base}/api/worker/jobs/{id}/{path}")).bearer_auth(&options.token);
    let (report, heard) = crate::jobs::queue::progress_channel();
    let making = async {
        let picture = client
            .get(format!("{base}{}", job.input_url))
            .bearer_auth(&options.token)
            .query(&who)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .map_err(|e| MakeError::Transient(format!("cannot fetch the picture: {}", e.without_url())))?
            .bytes()
            .await
            .map_err(|e| MakeError::Transient(e.to_string()))?;
        // The customer's chosen form and the version's seed, from the job's own description.
        let take = serde_json::from_value::<crate::generation::model3d::MeshJob>(job.payload.clone())
            .map(|mesh| crate::generation::image_to_3d::Take { form: mesh.form, seed: mesh.seed })
            .unwrap_or_default();
        maker.make(picture.to_vec(), take, report).await
    };
    let beating = heartbeat(post(String::from("heartbeat")), options, heard);
    let outcome = tokio::select! {
        outcome = making => outcome,
        () = beating => {
            tracing::warn!(job = %id, "lost the lease; dropping the job");
            return;
        }
    };
    let sent = match outcome {
        Ok(mesh) => {
            post("result".into())
                .query(&who)
                .header("content-type", "model/stl")
                .body(geometry::io::stl::write_binary(&mesh))
                .send()
                .await
        }
        Err(error) => {
            let (reason, retry) = match error {
                MakeError::Unusable(reason) => (reason, false),
                MakeError::Transient(reason) => (reason, true),
            };
            post("fail".into())
                .json(&json!({ "worker_id": options.worker_id, "reason": reason, "retry": retry }))
                .send()
                .await
        }
    };
    match sent {
        Ok(response) => tracing::info!(job = %id, status = %response.status(), "handed in"),
        Err(error) => {
            tracing::warn!(job = %id, error = %error.without_url(), "cannot hand in; the lease will run out")
        }
    }
}

/// Heartbeats every third of the lease with the latest progress; returns
/// only when the server says the lease is gone.
async fn heartbeat(
    request: reqwest::RequestBuilder,
    options: &WorkerOptions,
    mut heard: watch::Receiver<(String, u8)>,
) {
    let every = Duration::from_millis(options.lease_s * 1000 / 3);
    loop {
        let (stage, percent) = heard.borrow_and_update().clone();
        let beat = json!({ "worker_id": options.worker_id, "stage": stage, "percent": percent, "lease_s": options.lease_s });
        let Some(request) = request.try_clone() else { return };
        match request.json(&beat).send().await {
            Ok(response) if response.status() == StatusCode::CONFLICT => return,
            Ok(_) => {}
            Err(error) => tracing::warn!(error = %error.without_url(), "heartbeat failed"),
        }
        tokio::select! {
            _ = heard.changed() => {}
            () = tokio::time::sleep(every) => {}
        }
    }
}
