//! Running the service: `/metrics` for staff and scrapers, read by
//! Prometheus' own Python client.

use axum::body::Body;
use http::{Request, StatusCode};
use memoreez::state::StateParts;

use super::{Kind, with_changed_app};

const TOKEN: &str = "scrape-me-please-0123456789";

/// The samples of an OpenMetrics text as Prometheus' Python client reads it:
/// (name, labels, value).
fn parsed(text: &str) -> Vec<(String, serde_json::Map<String, serde_json::Value>, f64)> {
    use std::io::Write;
    let script = "import json, sys\n\
        from prometheus_client.openmetrics.parser import text_string_to_metric_families\n\
        out = [[s.name, s.labels, s.value] for f in text_string_to_metric_families(sys.stdin.read()) for s in f.samples]\n\
        print(json.dumps(out))";
    let mut python = std::process::Command::new("python3")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs");
    python.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let out = python.wait_with_output().unwrap();
    assert!(out.status.success(), "the parser refused it: {}\n{text}", String::from_utf8_lossy(&out.stderr));
    let samples: Vec<(String, serde_json::Map<String, serde_json::Value>, f64)> =
        serde_json::from_slice(&out.stdout).unwrap();
    samples
}

/// The value of the sample `name` whose labels include all of `labels`.
fn value(
    samples: &[(String, serde_json::Map<String, serde_json::Value>, f64)],
    name: &str,
    labels: &[(&str, &str)],
) -> Option<f64> {
    samples
        .iter()
        .find(|(found, have, _)| {
            found == name && labels.iter().all(|(k, v)| have.get(*k).and_then(|x| x.as_str()) == Some(*v))
        })
        .map(|(_, _, value)| *value)
}

pub async fn metrics_are_for_staff_and_scrapers_and_parse(kind: Kind) {
    let change =
        |state: &mut StateParts| state.metrics_token_hash = Some(super::suite::sha256_hex(TOKEN.as_bytes()));
    with_changed_app(kind, change, |app| async move {
        let scrape = |bearer: Option<&str>, cookie: Option<&str>| {
            let mut request = Request::get("/metrics");
            if let Some(bearer) = bearer {
                request = request.header("authorization", format!("Bearer {bearer}"));
            }
            if let Some(cookie) = cookie {
                request = request.header("cookie", cookie);
            }
            app.send(request.body(Body::empty()).unwrap())
        };
        let refused = scrape(None, None).await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
        assert!(refused.header("www-authenticate").is_some_and(|h| h.starts_with("Bearer")));
        assert_eq!(scrape(Some("not-the-token"), None).await.status, StatusCode::UNAUTHORIZED);

        // Traffic to count: a story (four designs queued; no worker runs here),
        // a student's submission (its "received" email waits: no SMTP server),
        // and three requests only this test makes.
        let story = r#"{"hobbies": ["sailing"], "facts": "Owns a beagle called Pip."}"#;
        assert_eq!(app.post_json("/api/creations", story, None).await.status, StatusCode::CREATED);
        let (job_id, token) = super::lab::submitted(&app).await;
        assert_eq!(app.get(&format!("/api/lab/jobs/{job_id}?t={token}"), None).await.status, StatusCode::OK);
        for _ in 0..3 {
            let wrong = Request::delete("/metrics").body(Body::empty()).unwrap();
            assert_eq!(app.send(wrong).await.status, StatusCode::METHOD_NOT_ALLOWED);
        }
        // Methods nobody routes are one label, whatever a client invents.
        for invented in ["BREW", "XYZZY"] {
            let odd = Request::builder().method(invented).uri("/healthz").body(Body::empty()).unwrap();
            app.send(odd).await;
        }

        let scraped = scrape(Some(TOKEN), None).await;
        assert_eq!(scraped.status, StatusCode::OK, "{}", scraped.text());
        assert!(scraped.header("content-type").unwrap().starts_with("application/openmetrics-text"));
        let samples = parsed(&scraped.text());
        let deletes = [("method", "DELETE"), ("route", "/metrics"), ("status", "405")];
        assert_eq!(value(&samples, "memoreez_http_requests_total", &deletes), Some(3.0));
        let timed = [("method", "DELETE"), ("route", "/metrics")];
        assert_eq!(value(&samples, "memoreez_http_request_duration_seconds_count", &timed), Some(3.0));
        // Routes are counted by their pattern, never by a path with ids in it.
        let routes = samples.iter().filter_map(|(_, labels, _)| labels.get("route")?.as_str());
        assert!(routes.clone().any(|route| route == "/api/lab/jobs/{id}"));
        assert!(routes.clone().all(|route| !route.contains(&job_id)), "{:?}", routes.collect::<Vec<_>>());
        let methods: std::collections::BTreeSet<&str> =
            samples.iter().filter_map(|(_, labels, _)| labels.get("method")?.as_str()).collect();
        assert!(
            methods.contains("other") && !methods.contains("BREW") && !methods.contains("XYZZY"),
            "{methods:?}"
        );
        let posted = [("method", "POST"), ("route", "/api/creations"), ("status", "201")];
        assert!(value(&samples, "memoreez_http_requests_total", &posted).is_some_and(|n| n >= 1.0));
        // What the database says: this app's own queue and outbox.
        assert_eq!(value(&samples, "memoreez_jobs", &[("kind", "concept"), ("status", "queued")]), Some(4.0));
        let age = value(&samples, "memoreez_job_oldest_queued_age_seconds", &[("kind", "concept")]).unwrap();
        assert!((0.0..60.0).contains(&age), "{age}");
        assert_eq!(value(&samples, "memoreez_emails_pending", &[]), Some(1.0));

        // Signed-in staff may look too.
        let cookie = super::staff::staff_cookie(&app).await;
        assert_eq!(scrape(None, Some(&cookie)).await.status, StatusCode::OK);
    })
    .await;
}
