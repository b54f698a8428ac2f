//! `cargo bench -p memoreez --bench create`: the embedded "create a
//! keepsake" flow against the real app (router, SQLite, storage, in-process
//! workers), timed from the story's POST: the first concept ready (goal
//! < 300 ms), all four (goal < 1.5 s), and the relief (mesh) job after a
//! pick (goal < 1 s). Prints the median and worst of several runs.

use std::time::{Duration, Instant};

use axum::body::Body;
use http::{Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;

mod common;

const RUNS: usize = 7;

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let (_dir, state) = common::embedded_app(|_| ()).await;
    let router = memoreez::http::router(state.clone());

    let (mut first, mut all, mut mesh) = (Vec::new(), Vec::new(), Vec::new());
    for run in 0..RUNS {
        let story = format!(r#"{{"hobbies": ["sailing", "jazz piano"], "facts": "Run {run}."}}"#);
        let request = Request::post("/api/creations").header("content-type", "application/json");
        let started = Instant::now();
        let response = router.clone().oneshot(request.body(Body::from(story)).unwrap()).await.unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        let body = response.into_body().collect().await.unwrap().to_bytes();
        let id =
            serde_json::from_slice::<serde_json::Value>(&body).unwrap()["id"].as_str().unwrap().to_string();
        let (mut first_at, mut all_at) = (None, None);
        while all_at.is_none() {
            let ready = memoreez::generation::concepts::store::list(&state.db, &id)
                .await
                .unwrap()
                .iter()
                .filter(|c| c.status == app::concept::ConceptStatus::Ready)
                .count();
            if ready >= 1 && first_at.is_none() {
                first_at = Some(started.elapsed());
            }
            if ready == 4 {
                all_at = Some(started.elapsed());
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        first.push(first_at.unwrap());
        all.push(all_at.unwrap());

        let picked = Instant::now();
        let job = memoreez::generation::model3d::select(&state.db, &id, 0, Default::default()).await.unwrap();
        loop {
            let view = memoreez::jobs::queue::view(&state.db, &job).await.unwrap().unwrap();
            if view.status == "done" {
                break;
            }
            assert_ne!(view.status, "failed", "{:?}", view.error);
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        mesh.push(picked.elapsed());
    }
    let report = |name: &str, times: &mut Vec<Duration>, goal_ms: u128| {
        times.sort();
        let (median, worst) = (times[times.len() / 2], times[times.len() - 1]);
        let verdict = if worst.as_millis() < goal_ms { "met" } else { "NOT met" };
        println!(
            "{name:<34} median {:>5} ms, worst {:>5} ms (goal < {goal_ms} ms: {verdict})",
            median.as_millis(),
            worst.as_millis()
        );
    };
    println!(
        "embedded providers, {RUNS} runs, {} cores",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    report("first concept after the story POST", &mut first, 300);
    report("all four concepts", &mut all, 1500);
    report("relief (mesh) job after a pick", &mut mesh, 1000);
    state.db.close().await;
}
