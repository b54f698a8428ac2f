//! Files in an S3 bucket: a local S3-compatible server (moto in server mode,
//! from PyPI) stands in for AWS, R2 or MinIO. The lab's files go there, move
//! between status folders there, and come back through signed links; a
//! missing object is a clear "not found", never a crash.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use http::StatusCode;
use memoreez::platform::config::Config;
use memoreez::platform::storage::{Storage, StorageError};

use super::checkout::free_port;
use super::staff::{call, staff_cookie};
use super::suite::box_stl;
use super::{Kind, with_changed_app};

/// moto's S3 on a free port; stopped on drop.
pub(crate) struct S3Server {
    child: Child,
    pub endpoint: String,
}

impl S3Server {
    pub(crate) async fn start() -> S3Server {
        let port = free_port();
        let child = Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server runs (pip install 'moto[server]'; ./dev test installs it)");
        let server = S3Server { child, endpoint: format!("http://127.0.0.1:{port}") };
        for _ in 0..200 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("moto_server did not start on port {port}");
    }

    /// Creates `bucket` (moto takes any credentials).
    pub(crate) async fn bucket(&self, bucket: &str) {
        let created = reqwest::Client::new().put(format!("{}/{bucket}", self.endpoint)).send().await.unwrap();
        assert!(created.status().is_success(), "creating the bucket: {}", created.status());
    }

    /// The app's settings for `bucket` on this server.
    pub(crate) fn config(&self, config: &Config, bucket: &str) -> Config {
        Config {
            s3_bucket: bucket.into(),
            s3_endpoint: self.endpoint.clone(),
            s3_region: "us-east-1".into(),
            s3_access_key_id: "memoreez-test".into(),
            ..config.clone()
        }
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The storage's keys under `prefix`, sorted.
async fn keys(storage: &Storage, prefix: &str) -> Vec<String> {
    let mut keys = storage.list(prefix).await.unwrap();
    keys.sort();
    keys
}

pub async fn the_lab_keeps_its_files_in_s3(kind: Kind) {
    let s3 = Arc::new(S3Server::start().await);
    s3.bucket("lab-files").await;
    let server = s3.clone();
    let change = move |state: &mut memoreez::state::StateParts| {
        let config = server.config(&state.config, "lab-files");
        state.storage = Storage::s3(&config, "memoreez-test-secret").expect("S3 settings");
        state.config = Arc::new(config);
    };
    with_changed_app(kind, change, move |app| async move {
        let storage = &app.state.storage;
        assert!(storage.describe().contains("lab-files"), "{}", storage.describe());
        let ready = app.get("/readyz", None).await;
        assert_eq!(ready.json()["storage"]["ok"], true, "{}", ready.text());

        // The store itself: a missing object is NotFound, for reading and moving.
        assert!(matches!(storage.get("nothing/here.txt").await, Err(StorageError::NotFound(_))));
        let moved = storage.rename("nothing/here.txt", "nothing/there.txt").await;
        assert!(matches!(moved, Err(StorageError::NotFound(_))), "{moved:?}");
        storage.put("lab/Uploaded/ab/other.stl", "x").await.unwrap();

        // A submission: the model, its picture and metadata.json in the bucket.
        let stl = box_stl();
        let mut parts: Vec<(&str, Option<&str>, &[u8])> =
            super::lab::fields().iter().map(|(name, value)| (*name, None, value.as_bytes())).collect();
        parts.push(("file", Some("Bracket.stl"), &stl));
        let reply = app.post_multipart("/api/lab/submissions", &parts).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
        let id = reply.json()["id"].as_str().unwrap().to_string();
        let folder = format!("AdaLovelace_Filament_Red_{id}");
        let files_in = |status: &str| {
            let mut keys =
                ["metadata.json", "thumbnail.png", &format!("{folder}.stl"), &format!("{folder}.mesh.stl")]
                    .map(|file| format!("lab/{status}/{folder}/{file}"))
                    .to_vec();
            keys.sort();
            keys
        };
        assert_eq!(keys(storage, &format!("lab/Uploaded/{folder}")).await, files_in("Uploaded"));

        // Approval moves the folder inside the bucket; nothing is left behind
        // (and the folder whose name starts the same is untouched).
        let cookie = staff_cookie(&app).await;
        let approve = format!("id={id}&action=approve&weight_g=10&print_hours=1");
        let approved = call(&app, "staff_job_action", &approve, Some(&cookie), None).await;
        assert_eq!(approved.status, StatusCode::OK, "{}", approved.text());
        assert_eq!(keys(storage, "lab/Pending").await, files_in("Pending"));
        assert_eq!(keys(storage, "lab/Uploaded").await, ["lab/Uploaded/ab/other.stl"]);
        let meta: serde_json::Value = serde_json::from_slice(
            &storage.get(&format!("lab/Pending/{folder}/metadata.json")).await.unwrap(),
        )
        .unwrap();
        assert_eq!(meta["status"], "Pending");

        // Signed links serve the files from wherever they are now.
        let page = call(&app, "staff_job", &format!("id={id}"), Some(&cookie), None).await.json();
        let model_url = page["files"][0]["url"].as_str().unwrap().to_string();
        let model = app.get(&model_url, None).await;
        assert_eq!(model.status, StatusCode::OK, "{}", model.text());
        assert_eq!(&model.body[..], &stl[..]);
        let picture = app.get(page["card"]["thumbnail_url"].as_str().unwrap(), None).await;
        assert_eq!(
            (picture.status, picture.header("content-type").as_deref()),
            (StatusCode::OK, Some("image/png"))
        );
        // A forged signature, and a file the job does not have yet, are not found.
        let forged = model_url.replace("sig=", "sig=0");
        assert_eq!(app.get(&forged, None).await.status, StatusCode::NOT_FOUND);
        let sliced = model_url.replace("/files/model?", "/files/sliced?");
        assert_eq!(app.get(&sliced, None).await.status, StatusCode::NOT_FOUND);

        // An object that went missing from the bucket is a 404, not an error page.
        storage.delete(&format!("lab/Pending/{folder}/{folder}.stl")).await.unwrap();
        assert_eq!(app.get(&model_url, None).await.status, StatusCode::NOT_FOUND);
    })
    .await;
    drop(s3);
}

/// A bucket that is not there fails readiness with the store's reason, and
/// the app says so instead of crashing.
pub async fn a_missing_bucket_fails_readiness(kind: Kind) {
    let s3 = Arc::new(S3Server::start().await);
    let server = s3.clone();
    let change = move |state: &mut memoreez::state::StateParts| {
        let config = server.config(&state.config, "no-such-bucket");
        state.storage = Storage::s3(&config, "memoreez-test-secret").expect("S3 settings");
    };
    with_changed_app(kind, change, |app| async move {
        let ready = app.get("/readyz", None).await;
        assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE, "{}", ready.text());
        assert_eq!(ready.json()["storage"]["ok"], false);
        let error = ready.json()["storage"]["error"].as_str().unwrap_or_default().to_string();
        // `/readyz` is public: the bucket's name and the cause go to the log, not the answer.
        assert_eq!(error, "it failed; see the server's log");
        assert!(!ready.text().contains("no-such-bucket"), "{}", ready.text());
    })
    .await;
    drop(s3);
}
