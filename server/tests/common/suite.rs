//! The behaviours every database backend must show. `sqlite.rs` and
//! `postgres.rs` each run all of them through [`crate::database_suite!`].

use axum::body::Body;
use http::{Request, StatusCode};

use super::{Kind, with_app};

pub async fn health_and_readiness(kind: Kind) {
    with_app(kind, |app| async move {
        let alive = app.get("/healthz", None).await;
        assert_eq!(alive.status, StatusCode::OK);
        assert_eq!(alive.text(), "ok");

        let ready = app.get("/readyz", None).await;
        assert_eq!(ready.status, StatusCode::OK, "{}", ready.text());
        let body = ready.json();
        assert_eq!(body["status"], "ready");
        assert_eq!(body["database"]["ok"], true);
        assert_eq!(body["storage"]["ok"], true);
        // The test app starts no PostgreSQL listener (tests/instances.rs runs real ones).
        assert_eq!(body["live_updates"], "polling");

        // The JSON API's description, made from the handlers (schemathesis fuzzes it in ./dev test).
        let described = app.get("/api/openapi.json", None).await;
        assert_eq!(described.status, StatusCode::OK);
        let paths = described.json()["paths"].as_object().unwrap().keys().cloned().collect::<Vec<_>>();
        for path in ["/api/creations", "/api/orders", "/api/lab/submissions", "/readyz"] {
            assert!(paths.iter().any(|p| p == path), "{path} in {paths:?}");
        }

        // The lab's short address, as README and posters give it, opens the submission form.
        let lab = app.get("/lab", None).await;
        assert!(lab.status.is_redirection(), "{}", lab.status);
        assert_eq!(lab.header("location").as_deref(), Some("/lab/submit"));
    })
    .await;
}

/// Probes at once all answer ready (they used to share one probe file and
/// delete it under each other), and leave no probe file behind.
pub async fn readiness_holds_under_probes_at_once(kind: Kind) {
    with_app(kind, |app| async move {
        // Each round waits past the reuse window, so every round checks again.
        for _ in 0..2 {
            let probes = (0..20).map(|_| app.get("/readyz", None));
            let answers = futures_util::future::join_all(probes).await;
            for answer in &answers {
                assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
            }
            tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
        }
        let probes = app.dir.path().join("files/.readyz");
        let left = std::fs::read_dir(&probes).map(|entries| entries.count()).unwrap_or(0);
        assert_eq!(left, 0, "no probe file is left in {}", probes.display());
    })
    .await;
}

pub async fn readiness_fails_when_storage_breaks(kind: Kind) {
    with_app(kind, |app| async move {
        // Replace the storage folder by a plain file: nothing can be written.
        let files = app.dir.path().join("files");
        std::fs::remove_dir_all(&files).unwrap();
        std::fs::write(&files, "not a folder").unwrap();

        let ready = app.get("/readyz", None).await;
        assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
        let body = ready.json();
        assert_eq!(body["status"], "unavailable");
        assert_eq!(body["database"]["ok"], true);
        assert_eq!(body["storage"]["ok"], false);
        assert!(body["storage"]["error"].as_str().unwrap().len() > 5, "{body}");
    })
    .await;
}

pub async fn readiness_fails_when_the_database_is_gone(kind: Kind) {
    with_app(kind, |app| async move {
        app.state.db.close().await;
        let ready = app.get("/readyz", None).await;
        assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
        let body = ready.json();
        assert_eq!(body["database"]["ok"], false);
        assert_eq!(body["storage"]["ok"], true);
    })
    .await;
}

pub async fn api_creates_a_creation_its_visitor_can_see(kind: Kind) {
    with_app(kind, |app| async move {
        let created = app
            .post_json(
                "/api/creations",
                r#"{"hobbies": ["sailing", "jazz piano"], "facts": "Retired teacher. Owns a beagle called Pip."}"#,
                None,
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
        let body = created.json();
        let id = body["id"].as_str().unwrap().to_string();
        assert_eq!(body["url"], format!("/create/{id}"));
        assert_eq!(created.header("location"), Some(format!("/create/{id}")));
        let cookie = created.visitor_cookie().expect("a first-time visitor gets a cookie");

        let page = app.get(&format!("/create/{id}"), Some(&cookie)).await;
        assert_eq!(page.status, StatusCode::OK);
        let html = page.text();
        assert!(html.contains("A keepsake for someone who loves sailing, jazz piano"), "{html}");
        assert!(html.contains("Owns a beagle called Pip."));
        assert!(page.visitor_cookie().is_none(), "a known visitor keeps its cookie");

        // Another browser (no cookie, or someone else's) sees a 404, not the story.
        for other in [None, Some("memoreez_visitor=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")] {
            let page = app.get(&format!("/create/{id}"), other).await;
            assert_eq!(page.status, StatusCode::NOT_FOUND);
            assert!(!page.text().contains("Pip"));
            assert!(page.text().contains("We couldn&#x27;t find that page") || page.text().contains("find that page"));
        }

        // A second creation by the same visitor reuses the visitor.
        let again = app.post_json("/api/creations", r#"{"hobbies": "chess, tea", "story": "x"}"#, Some(&cookie)).await;
        assert_eq!(again.status, StatusCode::CREATED, "{}", again.text());
        assert_eq!(app.count("visitors").await, 1);
        assert_eq!(app.count("creations").await, 2);
    })
    .await;
}

pub async fn api_refuses_bad_input_and_stores_nothing(kind: Kind) {
    with_app(kind, |app| async move {
        let cases = [
            (r#"{"facts": "no hobbies"}"#, StatusCode::UNPROCESSABLE_ENTITY, Some("hobbies")),
            (
                r#"{"hobbies": [" ", ""], "facts": "blank hobbies"}"#,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("hobbies"),
            ),
            (
                &format!(r#"{{"hobbies": ["golf"], "facts": "{}"}}"#, "x".repeat(597)),
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("facts"),
            ),
            (r#"{"hobbies": ["golf"], "facts": 12}"#, StatusCode::UNPROCESSABLE_ENTITY, None),
            (r#"{"hobbies": ["golf"], "colour": "red"}"#, StatusCode::UNPROCESSABLE_ENTITY, None),
            (r#"{"hobbies": ["golf""#, StatusCode::BAD_REQUEST, None),
        ];
        for (body, status, field) in cases {
            let reply = app.post_json("/api/creations", body, None).await;
            assert_eq!(reply.status, status, "{body} → {}", reply.text());
            let json = reply.json();
            assert!(json["error"].as_str().is_some_and(|e| !e.is_empty()), "{json}");
            if let Some(field) = field {
                assert_eq!(json["field"], field, "{json}");
            }
        }
        let wrong_type = app
            .send(
                Request::post("/api/creations")
                    .header("content-type", "text/plain")
                    .body(Body::from("golf"))
                    .unwrap(),
            )
            .await;
        assert_eq!(wrong_type.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);

        let reply = app.post_json("/api/creations", r#"{"facts": "no hobbies"}"#, None).await;
        assert_eq!(reply.json()["error"], "Add at least one hobby.");
        assert_eq!(app.count("creations").await, 0);
        assert_eq!(app.count("visitors").await, 0);
    })
    .await;
}

/// The form without JavaScript: a plain POST to the server function,
/// answered by a redirect to the new creation.
pub async fn form_post_without_javascript_redirects_to_the_creation(kind: Kind) {
    with_app(kind, |app| async move {
        let request = Request::post("/api/create_creation")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "text/html")
            .body(Body::from("hobbies=gardening%2C+birds&facts=Grows+tomatoes"))
            .unwrap();
        let reply = app.send(request).await;
        assert_eq!(reply.status, StatusCode::FOUND, "{}", reply.text());
        let location = reply.header("location").expect("redirect");
        assert!(location.starts_with("/create/"), "{location}");
        let cookie = reply.visitor_cookie().expect("cookie");

        let page = app.get(&location, Some(&cookie)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.text().contains("Grows tomatoes"));
        assert_eq!(app.count("creations").await, 1);

        // The server re-checks what the browser checked: a script gets the
        // typed error, a plain browser form is sent back to the page it came from.
        let request = Request::post("/api/create_creation")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from("hobbies=+,+&facts=nothing"))
            .unwrap();
        let reply = app.send(request).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        let error: app::error::AppError = serde_json::from_slice(&reply.body).expect("typed error");
        assert_eq!(error, app::error::AppError::InvalidStory(app::story::StoryError::NoHobby));

        let request = Request::post("/api/create_creation")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "text/html")
            .header("referer", "/")
            .body(Body::from("hobbies=&facts=nothing"))
            .unwrap();
        let reply = app.send(request).await;
        assert_eq!(reply.status, StatusCode::FOUND);
        assert_eq!(reply.header("location").as_deref(), Some("/"));
        assert_eq!(app.count("creations").await, 1);
    })
    .await;
}

pub async fn pages_render_and_unknown_paths_are_404(kind: Kind) {
    with_app(kind, |app| async move {
        let home = app.get("/", None).await;
        assert_eq!(home.status, StatusCode::OK);
        let html = home.text();
        assert!(html.contains("Tell us about them"));
        assert!(html.contains(r#"name="hobbies""#) && html.contains(r#"name="facts""#));
        assert!(home.visitor_cookie().is_none(), "viewing a page mints no session");

        for path in ["/no/such/page", "/create/AAAAAAAAAAAAAAAAAAAAAA", "/create/not-an-id"] {
            let page = app.get(path, None).await;
            assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
            assert!(page.text().contains("data-testid=\"not-found\""), "{path}");
        }
    })
    .await;
}

pub(crate) fn box_stl() -> Vec<u8> {
    geometry::io::stl::write_binary(&geometry::shapes::cuboid([0.0; 3], [20.0, 20.0, 10.0]))
}

/// `POST /api/quotes` slices with the real PrusaSlicer, prices from the
/// configured books and records the quote.
pub async fn api_quotes_a_model_and_records_it(kind: Kind) {
    with_app(kind, |app| async move {
        let stl = box_stl();
        let reply = app
            .post_multipart("/api/quotes", &[("file", Some("box.stl"), &stl), ("engine", None, b"prusa")])
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
        let quote = reply.json();
        assert!(quote["engine"].as_str().unwrap().starts_with("prusa-slicer"), "{quote}");
        assert!(quote["id"].as_str().is_some_and(|id| !id.is_empty()));
        let grams = quote["total_g"].as_f64().unwrap();
        assert!(grams > 2.0 && grams < 4.0, "{quote}");
        let material = quote["price"]["material_cents"].as_u64().unwrap();
        assert_eq!(material, (grams * 3.0).round() as u64);
        assert_eq!(quote["price"]["total_cents"].as_u64().unwrap(), material + 2100);
        // The slice's G-code is kept in storage, and its own footer agrees.
        let key = quote["gcode"].as_str().expect("a sliced quote keeps its G-code");
        let gcode = app.state.storage.get(key).await.expect("stored");
        let summary = slicing::gcode::summarise(&gcode[..]).unwrap();
        let footer = summary.slicer_total_g.unwrap();
        assert!((footer - grams).abs() <= 0.011, "{footer} vs {grams}");

        let reply = app
            .post_multipart(
                "/api/quotes",
                &[("file", Some("box.stl"), &stl), ("profile", None, b"lab"), ("engine", None, b"estimate")],
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
        let lab = reply.json();
        assert_eq!((lab["engine"].as_str(), lab["profile"].as_str()), (Some("estimate"), Some("lab")));
        assert_eq!(lab["price"]["total_cents"], 300, "the minimum: {lab}");
        assert!(lab.get("gcode").is_none(), "an estimate has no G-code: {lab}");
        assert_eq!(app.count("quotes").await, 2);
    })
    .await;
}

/// A 624-byte 3MF whose six levels of components place a tetrahedron a
/// million times (a hostile shape of `geometry/tests/support/hostile.rs`).
const FAN_OUT_3MF: &[u8] = include_bytes!("../../../fuzz/regressions/three_mf/fan-out-6-levels-of-10");

pub async fn api_refuses_bad_quote_requests_and_stores_nothing(kind: Kind) {
    with_app(kind, |app| async move {
        let stl = box_stl();
        let open = b"v 0 0 0\nv 10 0 0\nv 0 10 0\nv 0 0 10\nf 1 2 3\n".to_vec();
        let cases: [(&[Part], &str, &str); 7] = [
            (&[("engine", None, b"estimate")], "file", "Choose a model file"),
            (&[("file", Some("junk.stl"), b"solid x\nthis is not an STL")], "file", "not a readable STL"),
            (&[("file", Some("fan-out.3mf"), FAN_OUT_3MF)], "file", "copies of its parts"),
            (&[("file", Some("model.step"), &stl)], "file", "not a model file"),
            (&[("file", Some("open.obj"), &open)], "file", ""),
            (
                &[("file", Some("box.stl"), &stl), ("material", None, b"wood")],
                "material",
                "pla, petg or resin",
            ),
            (
                &[("file", Some("box.stl"), &stl), ("engine", None, b"fast")],
                "engine",
                "auto, estimate or prusa",
            ),
        ];
        for (parts, field, words) in cases {
            let reply = app.post_multipart("/api/quotes", parts).await;
            assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {}", reply.text());
            let json = reply.json();
            assert_eq!(json["field"], field, "{json}");
            assert!(json["error"].as_str().unwrap().contains(words), "{json}");
            // The same refusals when the quote would be made in the background.
            let background = [parts, &[("wait", None, b"false")]].concat();
            let reply = app.post_multipart("/api/quotes", &background).await;
            assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {}", reply.text());
        }
        let request = Request::post("/api/quotes")
            .header("content-type", "application/json")
            .body(Body::from(r#"{"file": "box.stl"}"#))
            .unwrap();
        let reply = app.send(request).await;
        assert_eq!(reply.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{}", reply.text());
        assert!(reply.json()["error"].as_str().unwrap().contains("multipart/form-data"));
        assert_eq!((app.count("quotes").await, app.count("jobs").await), (0, 0));
        assert_eq!(stored_uploads(&app), 0, "no upload kept for a refused quote");
    })
    .await;
}

/// One part of a multipart form: (name, file name, bytes).
type Part<'a> = (&'a str, Option<&'a str>, &'a [u8]);

fn stored_uploads(app: &super::TestApp) -> usize {
    std::fs::read_dir(app.dir.path().join("files/uploads")).map(|dir| dir.count()).unwrap_or(0)
}

/// `wait=false`: the quote is made by a background worker and its progress
/// and result come over server-sent events.
pub async fn api_quotes_in_the_background_with_progress_over_sse(kind: Kind) {
    with_app(kind, |app| async move {
        memoreez::workers::spawn(&app.state);
        let stl = box_stl();
        let reply = app
            .post_multipart("/api/quotes", &[("file", Some("box.stl"), &stl), ("wait", None, b"false")])
            .await;
        assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text());
        let accepted = reply.json();
        let events_url = accepted["events_url"].as_str().unwrap().to_string();
        assert_eq!(events_url, format!("/api/jobs/{}/events", accepted["job_id"].as_str().unwrap()));

        let events = app.get(&events_url, None).await;
        assert_eq!(events.status, StatusCode::OK);
        // Behind nginx the stream flows instead of arriving all at the end.
        assert_eq!(events.header("x-accel-buffering").as_deref(), Some("no"));
        let text = events.text();
        let events = sse_events(&text);
        let data =
            |name: &str| events.iter().find(|(event, _, _)| event == name).map(|(_, _, data)| data.clone());
        assert!(data("progress").is_some(), "progress before the end: {text}");
        let done = data("done").unwrap_or_else(|| panic!("no done event: {text}"));
        assert!(done["quote"]["total_g"].as_f64().unwrap() > 1.0, "{done}");
        assert!(done["quote_id"].as_str().is_some_and(|id| !id.is_empty()), "{done}");
        assert_eq!(app.count("quotes").await, 1);

        assert!(accepted["estimate"]["total_g"].as_f64().unwrap() > 1.0, "an instant estimate: {accepted}");
        assert_eq!(accepted["estimate"]["engine"], "estimate");
        // The bar never goes backwards.
        let percents: Vec<u64> = events.iter().filter_map(|(_, _, data)| data["percent"].as_u64()).collect();
        assert!(percents.windows(2).all(|w| w[0] <= w[1]), "{percents:?}");

        // The worker checks the file again: a queued job whose file cannot
        // be used fails for good, with the reason, without retries. (The API
        // refuses such a file up front, so this one is queued directly.)
        app.state.storage.put("uploads/junk.stl", b"solid junk\nnonsense".to_vec()).await.unwrap();
        let payload = serde_json::json!({
            "upload": "uploads/junk.stl", "file_name": "junk.stl", "profile": "shop",
            "material": "pla", "engine": "auto"
        });
        let job_id = memoreez::jobs::queue::enqueue(&app.state.db, "quote", &payload, 3).await.unwrap();
        let text = app.get(&format!("/api/jobs/{job_id}/events"), None).await.text();
        assert!(text.contains("event: failed") && text.contains("not a readable STL file"), "{text}");
        let job = memoreez::jobs::queue::view(&app.state.db, &job_id).await.unwrap().unwrap();
        assert_eq!((job.status.as_str(), job.attempts), ("failed", 1));

        assert_eq!(app.get("/api/jobs/no-such-job/events", None).await.status, StatusCode::NOT_FOUND);
        let reply = app
            .post_multipart("/api/quotes", &[("file", Some("model.step"), &stl), ("wait", None, b"false")])
            .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.text());
    })
    .await;
}

/// The quote page's form, as a browser without JavaScript sends it: a
/// redirect to the quote's page, which shows the estimate at once and the
/// exact price when the slice is done; a bad file comes back to the form
/// with its reason.
pub async fn quote_page_without_javascript(kind: Kind) {
    with_app(kind, |app| async move {
        let form = Request::post("/api/start_quote").header("accept", "text/html");
        let reply = app
            .send(multipart(form, &[("file", Some("box.stl"), &box_stl()), ("material", None, b"petg")]))
            .await;
        assert_eq!(reply.status, StatusCode::FOUND, "{}", reply.text());
        let location = reply.header("location").expect("redirect");
        assert!(location.starts_with("/quote/"), "{location}");

        let page = app.get(&location, None).await;
        assert_eq!(page.status, StatusCode::OK);
        let html = page.text();
        assert!(html.contains("box.stl") && html.contains("Instant estimate"), "{html}");
        assert!(html.contains("data-testid=\"quote-progress\"") && html.contains("http-equiv=\"refresh\""));

        memoreez::workers::spawn(&app.state);
        let mut html = String::new();
        for _ in 0..300 {
            html = app.get(&location, None).await.text();
            if html.contains("Exact price") {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(html.contains("Exact price") && html.contains("Sliced by prusa-slicer"), "{html}");
        assert!(html.contains("PETG") && !html.contains("http-equiv=\"refresh\""), "{html}");

        // A wrong file goes back to the form, which says why.
        let form = Request::post("/api/start_quote")
            .header("accept", "text/html")
            .header("referer", "http://127.0.0.1:3000/quote");
        let reply = app.send(multipart(form, &[("file", Some("photo.png"), b"PNG")])).await;
        assert_eq!(reply.status, StatusCode::FOUND);
        let back = reply.header("location").expect("back to the form");
        let back = back.trim_start_matches("http://127.0.0.1:3000");
        assert!(back.starts_with("/quote?"), "{back}");
        let html = app.get(back, None).await.text();
        assert!(html.contains("That is not a model file"), "{html}");

        // A script gets the typed error; a body that is not a form gets 415, not a crash.
        let reply =
            app.send(multipart(Request::post("/api/start_quote"), &[("file", Some("a.stl"), b"junk")])).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        let error: app::error::AppError = serde_json::from_slice(&reply.body).expect("typed error");
        assert!(
            matches!(&error, app::error::AppError::Invalid { field, .. } if field == "file"),
            "{error:?}"
        );
        let request =
            Request::post("/api/start_quote").header("content-type", "text/plain").body(Body::from("x"));
        assert_eq!(app.send(request.unwrap()).await.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);

        assert_eq!(app.get("/quote/no-such-job", None).await.status, StatusCode::NOT_FOUND);
        assert_eq!(app.count("jobs").await, 1, "refused forms queue nothing");
    })
    .await;
}

/// `request` with a multipart/form-data body; each part is (name, file name, bytes).
fn multipart(request: http::request::Builder, parts: &[(&str, Option<&str>, &[u8])]) -> Request<Body> {
    let (content_type, body) = super::multipart_body(parts);
    request.header("content-type", content_type).body(Body::from(body)).unwrap()
}

/// Draws like the embedded maker, but fails the first drawing it is asked
/// for: a flaky image service.
#[derive(Debug, Default)]
struct FailsOnce(std::sync::atomic::AtomicBool);

#[async_trait::async_trait]
impl memoreez::generation::concepts::ImageMaker for FailsOnce {
    async fn draw(&self, brief: &memoreez::generation::concepts::Brief) -> Result<Vec<u8>, String> {
        if !self.0.swap(true, std::sync::atomic::Ordering::SeqCst) {
            return Err("the image service timed out".into());
        }
        memoreez::generation::concepts::Emblems.draw(brief).await
    }
}

/// The events of an SSE body as (name, id, data).
pub(crate) fn sse_events(text: &str) -> Vec<(String, String, serde_json::Value)> {
    text.split("\n\n")
        .filter_map(|block| {
            let field = |name: &str| {
                block.lines().find_map(|l| l.strip_prefix(&format!("{name}: ")).map(str::to_string))
            };
            Some((
                field("event")?,
                field("id").unwrap_or_default(),
                serde_json::from_str(&field("data")?).ok()?,
            ))
        })
        .collect()
}

/// A story's four concepts stream in as they are drawn; a reconnect resumes
/// without repeats; "Explore more" adds four; a failed one is retried; the
/// pictures are the visitor's alone.
pub async fn concepts_stream_in_and_resume(kind: Kind) {
    with_app(kind, |app| async move {
        let created = app.post_json("/api/creations", r#"{"hobbies": "sailing, jazz piano"}"#, None).await;
        let id = created.json()["id"].as_str().unwrap().to_string();
        let cookie = created.visitor_cookie().unwrap();
        let state = app.state.with(|parts| parts.images = std::sync::Arc::new(FailsOnce::default()));
        memoreez::workers::spawn(&state);

        let url = format!("/api/creations/{id}/concepts/stream");
        let events = sse_events(&app.get(&url, Some(&cookie)).await.text());
        let names: Vec<&str> = events.iter().map(|(name, _, _)| name.as_str()).collect();
        assert_eq!(names.len(), 5, "{events:?}");
        assert_eq!(names.last(), Some(&"done"));
        let mut indices: Vec<u64> =
            events[..4].iter().map(|(_, _, data)| data["index"].as_u64().unwrap()).collect();
        indices.sort();
        assert_eq!(indices, [0, 1, 2, 3], "each concept once: {events:?}");
        // One drawing failed (the service timed out): that card says so in our words (the
        // service's own are logged); the others show.
        let failed: Vec<_> = events.iter().filter(|(name, _, _)| name == "concept_failed").collect();
        assert_eq!(failed.len(), 1, "{events:?}");
        let failed_index = failed[0].2["index"].as_u64().unwrap();
        let reason = failed[0].2["reason"].as_str().unwrap();
        assert!(
            reason.contains("did not answer in time") && reason.contains("Try this design again"),
            "{reason}"
        );
        let ready = events.iter().find(|(name, _, _)| name == "concept").unwrap();
        let image_url = ready.2["image_url"].as_str().unwrap().to_string();
        let image = app.get(&image_url, Some(&cookie)).await;
        assert_eq!(image.status, StatusCode::OK);
        assert_eq!(image.header("content-type").as_deref(), Some("image/png"));
        assert!(image.body.starts_with(b"\x89PNG"), "a PNG");
        assert_eq!(app.get(&image_url, None).await.status, StatusCode::NOT_FOUND, "not someone else's");

        // Reconnecting after the second event gets the rest, nothing twice.
        let last_event_id = &events[1].1;
        let request = Request::get(&url).header("cookie", &cookie).header("last-event-id", last_event_id);
        let rest = sse_events(&app.send(request.body(Body::empty()).unwrap()).await.text());
        let mut again: Vec<u64> =
            events[..2].iter().chain(&rest).filter_map(|(_, _, d)| d["index"].as_u64()).collect();
        again.sort();
        assert_eq!(again, [0, 1, 2, 3], "resumed without repeats: {rest:?}");

        // Retry the failed one: it arrives as a picture, on its own.
        let seen = events.last().unwrap().1.clone();
        let retry = format!("/api/creations/{id}/concepts/{failed_index}/retry");
        assert_eq!(app.post_json(&retry, "", Some(&cookie)).await.status, StatusCode::ACCEPTED);
        let after = sse_events(&app.get(&format!("{url}?seen={seen}"), Some(&cookie)).await.text());
        assert_eq!(after.len(), 2, "{after:?}");
        assert_eq!((after[0].0.as_str(), after[0].2["index"].as_u64()), ("concept", Some(failed_index)));
        let ready_retry = format!("/api/creations/{id}/concepts/0/retry");
        let not_failed =
            if failed_index == 0 { format!("/api/creations/{id}/concepts/1/retry") } else { ready_retry };
        assert_eq!(app.post_json(&not_failed, "", Some(&cookie)).await.status, StatusCode::CONFLICT);

        // Explore more: four more, different designs, streamed after what was seen.
        let more = app.post_json(&format!("/api/creations/{id}/concepts"), "", Some(&cookie)).await;
        assert_eq!(more.status, StatusCode::ACCEPTED, "{}", more.text());
        assert_eq!(more.json()["indices"], serde_json::json!([4, 5, 6, 7]));
        let seen = after.last().unwrap().1.clone();
        let fresh = sse_events(&app.get(&format!("{url}?seen={seen}"), Some(&cookie)).await.text());
        let mut fresh_indices: Vec<u64> = fresh.iter().filter_map(|(_, _, d)| d["index"].as_u64()).collect();
        fresh_indices.sort();
        assert_eq!(fresh_indices, [4, 5, 6, 7], "{fresh:?}");
        let titles: std::collections::HashSet<String> = fresh
            .iter()
            .chain(&events)
            .filter_map(|(_, _, d)| d["title"].as_str().map(String::from))
            .collect();
        assert!(titles.len() >= 6, "new designs, not repeats: {titles:?}");

        // Up to 40 designs, then a clear no.
        for _ in 0..8 {
            let more = app.post_json(&format!("/api/creations/{id}/concepts"), "", Some(&cookie)).await;
            assert_eq!(more.status, StatusCode::ACCEPTED);
        }
        let enough = app.post_json(&format!("/api/creations/{id}/concepts"), "", Some(&cookie)).await;
        assert_eq!(enough.status, StatusCode::CONFLICT);
        assert!(enough.json()["error"].as_str().unwrap().contains("every design"));
        assert_eq!(app.count("concepts").await, 40);

        // Someone else's or an unknown creation: 404, no events.
        assert_eq!(app.get(&url, None).await.status, StatusCode::NOT_FOUND);
        let unknown = "/api/creations/AAAAAAAAAAAAAAAAAAAAAA/concepts/stream";
        assert_eq!(app.get(unknown, Some(&cookie)).await.status, StatusCode::NOT_FOUND);
    })
    .await;
}

/// The whole embedded flow: story → four concepts → pick one → a mesh job
/// makes a watertight model, stored with its picture; the pages show each step.
pub async fn picking_a_concept_makes_a_watertight_model(kind: Kind) {
    with_app(kind, |app| async move {
        let created = app
            .post_json("/api/creations", r#"{"hobbies": ["gardening"], "facts": "Grows tomatoes."}"#, None)
            .await;
        let id = created.json()["id"].as_str().unwrap().to_string();
        let cookie = created.visitor_cookie().unwrap();
        memoreez::workers::spawn(&app.state);

        // The gallery page renders the four cards (placeholders or pictures).
        let page = app.get(&format!("/create/{id}/concepts"), Some(&cookie)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert_eq!(page.text().matches("data-testid=\"concept\"").count(), 4, "{}", page.text());
        let events =
            sse_events(&app.get(&format!("/api/creations/{id}/concepts/stream"), Some(&cookie)).await.text());
        assert_eq!(events.iter().filter(|(name, _, _)| name == "concept").count(), 4, "{events:?}");

        let select = format!("/api/creations/{id}/select");
        for (body, status) in [
            (r#"{"concept": 9}"#, StatusCode::UNPROCESSABLE_ENTITY),
            (r#"{"concept": "one"}"#, StatusCode::UNPROCESSABLE_ENTITY),
            ("nope", StatusCode::BAD_REQUEST),
        ] {
            let reply = app.post_json(&select, body, Some(&cookie)).await;
            assert_eq!(reply.status, status, "{body}: {}", reply.text());
        }
        assert_eq!(
            app.post_json(&select, r#"{"concept": 0}"#, None).await.status,
            StatusCode::NOT_FOUND,
            "not yours"
        );
        let picked = app.post_json(&select, r#"{"concept": 2}"#, Some(&cookie)).await;
        assert_eq!(picked.status, StatusCode::ACCEPTED, "{}", picked.text());
        let picked = picked.json();
        let again = app.post_json(&select, r#"{"concept": 2}"#, Some(&cookie)).await.json();
        assert_eq!(again["job_id"], picked["job_id"], "picking the same design again is the same job");

        let events = sse_events(&app.get(picked["events_url"].as_str().unwrap(), None).await.text());
        let (_, _, done) =
            events.iter().find(|(name, _, _)| name == "done").unwrap_or_else(|| panic!("{events:?}"));
        let stl = app.get(done["mesh_url"].as_str().unwrap(), Some(&cookie)).await;
        assert_eq!(stl.status, StatusCode::OK);
        let mesh =
            geometry::io::read(geometry::io::Format::Stl, &stl.body, &geometry::Limits::default()).unwrap();
        let info = geometry::analyse(&mesh, &Default::default());
        assert!(info.watertight && info.shells == 1 && info.volume_mm3 > 1000.0, "{info:?}");
        // By default a standing plaque: upright, thin front to back.
        let [x, y, z] = info.size_mm();
        assert!(z > 40.0 && y < 10.0 && x > 40.0, "a plaque stands: {x} × {y} × {z}");
        // The same design as a flat medallion is another job, and lies flat.
        let flat =
            app.post_json(&select, r#"{"concept": 2, "form": "medallion"}"#, Some(&cookie)).await.json();
        assert_ne!(flat["job_id"], picked["job_id"], "another form is another model");
        let events = sse_events(&app.get(flat["events_url"].as_str().unwrap(), None).await.text());
        let (_, _, flat_done) =
            events.iter().find(|(name, _, _)| name == "done").unwrap_or_else(|| panic!("{events:?}"));
        let stl = app.get(flat_done["mesh_url"].as_str().unwrap(), Some(&cookie)).await;
        let mesh =
            geometry::io::read(geometry::io::Format::Stl, &stl.body, &geometry::Limits::default()).unwrap();
        let [_, y, z] = geometry::analyse(&mesh, &Default::default()).size_mm();
        assert!(z < 10.0 && y > 40.0, "a medallion lies flat: {y} deep, {z} high");
        // As a rounded figure it stands too, round on both sides: deeper than the plaque.
        let round = app.post_json(&select, r#"{"concept": 2, "form": "figure"}"#, Some(&cookie)).await.json();
        let events = sse_events(&app.get(round["events_url"].as_str().unwrap(), None).await.text());
        let (_, _, round_done) =
            events.iter().find(|(name, _, _)| name == "done").unwrap_or_else(|| panic!("{events:?}"));
        let stl = app.get(round_done["mesh_url"].as_str().unwrap(), Some(&cookie)).await;
        let mesh =
            geometry::io::read(geometry::io::Format::Stl, &stl.body, &geometry::Limits::default()).unwrap();
        let round_info = geometry::analyse(&mesh, &Default::default());
        let [_, round_y, round_z] = round_info.size_mm();
        assert!(round_info.watertight && round_info.shells == 1, "{round_info:?}");
        assert!(
            round_z > 40.0 && round_y > 10.0,
            "a figure stands, deeper than a plaque: {round_y} × {round_z}"
        );

        // Every model made stays a version to choose from, the newest chosen.
        let model_url = format!("/api/creations/{id}/model");
        let model = app.get(&model_url, Some(&cookie)).await.json();
        let versions = model["versions"].as_array().unwrap().clone();
        let whats: Vec<&str> = versions.iter().map(|v| v["what"].as_str().unwrap()).collect();
        assert_eq!(whats, ["Standing plaque", "Flat medallion", "Rounded figure"], "{model}");
        assert_eq!(versions.iter().filter(|v| v["chosen"] == true).count(), 1);
        assert_eq!(versions[2]["chosen"], true);
        assert_eq!(model["job_id"], round["job_id"]);
        assert_eq!(model["another"], serde_json::json!({ "design": { "forms": true } }), "{model}");
        assert_eq!(app.get(&model_url, None).await.status, StatusCode::NOT_FOUND, "not yours");

        // "Make another version": the same design again, as a medallion, made and chosen.
        let another = format!("/api/creations/{id}/versions");
        for (body, status) in [
            (r#"{"form": "statue"}"#, StatusCode::UNPROCESSABLE_ENTITY),
            (r#"{"colour": "red"}"#, StatusCode::UNPROCESSABLE_ENTITY),
            ("nope", StatusCode::BAD_REQUEST),
        ] {
            let reply = app.post_json(&another, body, Some(&cookie)).await;
            assert_eq!(reply.status, status, "{body}: {}", reply.text());
        }
        assert_eq!(app.post_json(&another, "{}", None).await.status, StatusCode::NOT_FOUND);
        let fourth = app.post_json(&another, r#"{"form": "medallion"}"#, Some(&cookie)).await;
        assert_eq!(fourth.status, StatusCode::ACCEPTED, "{}", fourth.text());
        let fourth = fourth.json();
        let events = sse_events(&app.get(fourth["events_url"].as_str().unwrap(), None).await.text());
        assert!(events.iter().any(|(name, _, _)| name == "done"), "{events:?}");
        let model = app.get(&model_url, Some(&cookie)).await.json();
        let versions = model["versions"].as_array().unwrap().clone();
        assert_eq!(versions.len(), 4);
        assert_eq!(
            (versions[3]["what"].as_str(), versions[3]["chosen"].as_bool()),
            (Some("Flat medallion"), Some(true))
        );
        assert_eq!(versions[3]["job_id"], fourth["job_id"]);
        // Each version's picture is there to choose by; another's creation's is not.
        let first_job = versions[0]["job_id"].as_str().unwrap().to_string();
        let thumb = versions[0]["thumbnail_url"].as_str().unwrap();
        assert_eq!(thumb, format!("/media/models/{id}/versions/{first_job}/thumbnail.png"));
        assert!(app.get(thumb, Some(&cookie)).await.body.starts_with(b"\x89PNG"));
        assert_eq!(app.get(thumb, None).await.status, StatusCode::NOT_FOUND);
        let stranger = format!("/media/models/{id}/versions/not-a-job/model.stl");
        assert_eq!(app.get(&stranger, Some(&cookie)).await.status, StatusCode::NOT_FOUND);

        // "Use this one": the first version, the standing plaque, is the model again.
        let choose = format!("/api/creations/{id}/versions/{first_job}/choose");
        assert_eq!(app.post_json(&choose, "", None).await.status, StatusCode::NOT_FOUND);
        let unknown = format!("/api/creations/{id}/versions/no-such-job/choose");
        assert_eq!(app.post_json(&unknown, "", Some(&cookie)).await.status, StatusCode::NOT_FOUND);
        let chosen = app.post_json(&choose, "", Some(&cookie)).await;
        assert_eq!(chosen.status, StatusCode::NO_CONTENT, "{}", chosen.text());
        let model = app.get(&model_url, Some(&cookie)).await.json();
        assert_eq!(model["job_id"].as_str(), Some(first_job.as_str()));
        assert_eq!(model["versions"][0]["chosen"], true);
        let stl = app.get(&format!("/media/models/{id}/model.stl"), Some(&cookie)).await;
        let mesh =
            geometry::io::read(geometry::io::Format::Stl, &stl.body, &geometry::Limits::default()).unwrap();
        let [_, y, z] = geometry::analyse(&mesh, &Default::default()).size_mm();
        assert!(z > 40.0 && y < 10.0, "the plaque again: {y} deep, {z} high");
        // A design's model is no text → 3D preview: nothing to refine.
        let refine = format!("/api/creations/{id}/versions/{first_job}/refine");
        assert_eq!(app.post_json(&refine, "{}", Some(&cookie)).await.status, StatusCode::CONFLICT);
        let page = app.get(&format!("/create/{id}/model"), Some(&cookie)).await.text();
        assert!(page.contains("Make another version") && page.contains("Use this one"), "{page}");
        assert_eq!(
            app.post_json(&select, r#"{"concept": 2, "form": "statue"}"#, Some(&cookie)).await.status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        let picture = app.get(done["thumbnail_url"].as_str().unwrap(), Some(&cookie)).await;
        assert!(picture.body.starts_with(b"\x89PNG"));
        assert_eq!(app.get(done["mesh_url"].as_str().unwrap(), None).await.status, StatusCode::NOT_FOUND);

        let page = app.get(&format!("/create/{id}/model"), Some(&cookie)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.text().contains("Download the STL") && page.text().contains("Open the studio"));
        assert_eq!(app.get(&format!("/create/{id}/model"), None).await.status, StatusCode::NOT_FOUND);

        // "My models": this browser's creations, newest first, each with where it stands.
        let second = app.post_json("/api/creations", r#"{"hobbies": "chess"}"#, Some(&cookie)).await;
        assert_eq!(second.status, StatusCode::CREATED);
        let html = app.get("/my", Some(&cookie)).await.text();
        assert_eq!(html.matches("data-testid=\"my-model\"").count(), 2, "{html}");
        let (chess, gardening) = (html.find(">chess<").unwrap(), html.find(">gardening<").unwrap());
        assert!(chess < gardening, "newest first");
        assert!(html.contains("Model ready") && html.contains(&format!("/media/models/{id}/thumbnail.png")));
        assert!(html.contains("Choosing a design"));
        let stranger = app.get("/my", None).await.text();
        assert!(stranger.contains("data-testid=\"no-models\"") && !stranger.contains("gardening"));
    })
    .await;
}

/// "Describe an object": a description instead of a story gets its designs
/// the same way; bad descriptions are refused with nothing stored.
pub async fn an_object_description_gets_designs_too(kind: Kind) {
    with_app(kind, |app| async move {
        for (body, words) in [
            (r#"{"object": " x "}"#, "Describe the object in a few words."),
            (r#"{"object": "a boat", "hobbies": ["golf"]}"#, "Send a story or an object, not both."),
        ] {
            let reply = app.post_json("/api/creations", body, None).await;
            assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
            assert_eq!(reply.json(), serde_json::json!({ "error": words, "field": "object" }));
        }
        assert_eq!(
            app.post_json("/api/creations", r#"{"object": 7}"#, None).await.status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        assert_eq!((app.count("creations").await, app.count("concepts").await), (0, 0));

        let created =
            app.post_json("/api/creations", r#"{"object": "A sailboat with red sails"}"#, None).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
        let id = created.json()["id"].as_str().unwrap().to_string();
        let cookie = created.visitor_cookie().unwrap();
        let page = app.get(&format!("/create/{id}/concepts"), Some(&cookie)).await.text();
        assert!(page.contains("Designs for “A sailboat with red sails”"), "{page}");
        assert_eq!(page.matches("data-testid=\"concept\"").count(), 4);
        let brief = memoreez::generation::concepts::store::brief(&app.state.db, &id, 0).await.unwrap();
        assert_eq!(brief.motif, "sailboat", "the description chooses the picture");

        // Without JavaScript the home page's object form posts and is redirected.
        let request = Request::post("/api/describe_object")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "text/html")
            .body(Body::from("object=A+red+teapot"))
            .unwrap();
        let reply = app.send(request).await;
        assert_eq!(reply.status, StatusCode::FOUND, "{}", reply.text());
        assert!(reply.header("location").unwrap().ends_with("/concepts"));
        assert_eq!(app.count("creations").await, 2);
    })
    .await;
}

/// The job queue: one claimer per job, leases that run out, bounded retries.
pub async fn jobs_are_claimed_once_leased_retried_and_bounded(kind: Kind) {
    use memoreez::jobs::queue;
    use serde_json::json;
    with_app(kind, |app| async move {
        let db = &app.state.db;
        let a = queue::enqueue(db, "slice", &json!({"model": "a.stl"}), 2).await.unwrap();
        let claimed = queue::claim(db, &["slice"], "w1", 60_000).await.unwrap().expect("a queued job");
        assert_eq!((claimed.id.as_str(), claimed.attempt), (a.as_str(), 1));
        assert_eq!(claimed.payload, json!({"model": "a.stl"}));
        assert!(queue::claim(db, &["slice"], "w2", 60_000).await.unwrap().is_none(), "leased to w1");
        assert!(queue::claim(db, &["mesh"], "w2", 60_000).await.unwrap().is_none(), "other kinds are apart");
        assert!(queue::heartbeat(db, &a, "w1", 60_000, "slicing", 40).await.unwrap());
        let seen = queue::view(db, &a).await.unwrap().unwrap();
        assert_eq!(
            (seen.status.as_str(), seen.stage.as_deref(), seen.percent),
            ("running", Some("slicing"), Some(40))
        );

        // A failed attempt goes back to the queue while attempts are left.
        assert!(queue::fail(db, &a, "w1", "the slicer crashed").await.unwrap());
        let again = queue::claim(db, &["slice"], "w2", 60_000).await.unwrap().unwrap();
        assert_eq!(again.attempt, 2);
        assert!(queue::complete(db, &a, "w2", &json!({"grams": 12.5})).await.unwrap());
        let done = queue::view(db, &a).await.unwrap().unwrap();
        assert_eq!((done.status.as_str(), done.result), ("done", Some(json!({"grams": 12.5}))));

        // A lease that runs out lets another worker take over; the first can
        // then neither report nor finish.
        let b = queue::enqueue(db, "slice", &json!({}), 2).await.unwrap();
        queue::claim(db, &["slice"], "w1", -1).await.unwrap().unwrap();
        let taken = queue::claim(db, &["slice"], "w2", 60_000).await.unwrap().unwrap();
        assert_eq!((taken.id.as_str(), taken.attempt), (b.as_str(), 2));
        assert!(!queue::heartbeat(db, &b, "w1", 60_000, "late", 90).await.unwrap());
        assert!(!queue::complete(db, &b, "w1", &json!({})).await.unwrap());
        assert!(queue::fail(db, &b, "w2", "out of filament").await.unwrap());
        let failed = queue::view(db, &b).await.unwrap().unwrap();
        assert_eq!((failed.status.as_str(), failed.error.as_deref()), ("failed", Some("out of filament")));
        assert!(queue::claim(db, &["slice"], "w3", 60_000).await.unwrap().is_none(), "no attempts left");

        // A job whose worker keeps vanishing is given up, with a reason.
        let c = queue::enqueue(db, "slice", &json!({}), 1).await.unwrap();
        queue::claim(db, &["slice"], "w1", -1).await.unwrap().unwrap();
        assert_eq!(queue::give_up_abandoned(db).await.unwrap(), 1);
        let given_up = queue::view(db, &c).await.unwrap().unwrap();
        assert_eq!(given_up.status, "failed");
        assert_eq!(
            given_up.error.as_deref(),
            Some("the worker stopped answering (gave up after 1 attempts)")
        );
    })
    .await;
}

/// Many workers claiming at once: every job is taken exactly once.
pub async fn concurrent_claims_take_each_job_once(kind: Kind) {
    use memoreez::jobs::queue;
    with_app(kind, |app| async move {
        let db = app.state.db.clone();
        let mut queued = Vec::new();
        for i in 0..24 {
            queued.push(queue::enqueue(&db, "slice", &serde_json::json!({ "n": i }), 3).await.unwrap());
        }
        let workers: Vec<_> = (0..6)
            .map(|w| {
                let db = db.clone();
                tokio::spawn(async move {
                    let mut mine = Vec::new();
                    while let Some(job) =
                        queue::claim(&db, &["slice"], &format!("w{w}"), 60_000).await.unwrap()
                    {
                        mine.push(job.id);
                    }
                    mine
                })
            })
            .collect();
        let mut claimed = Vec::new();
        for worker in workers {
            claimed.extend(worker.await.unwrap());
        }
        claimed.sort();
        queued.sort();
        assert_eq!(claimed, queued, "each job once, none lost");
    })
    .await;
}

/// "Upload a model": a printable file becomes a keepsake at its own size,
/// made by a `model` job and shown on the model page and in "My models";
/// a bad file is refused with its reason and leaves no row and no file.
pub async fn an_uploaded_model_becomes_a_keepsake(kind: Kind) {
    with_app(kind, |app| async move {
        let open = b"v 0 0 0\nv 10 0 0\nv 0 10 0\nv 0 0 10\nf 1 2 3\n".to_vec();
        let cases: [(&[Part], &str); 7] = [
            (&[("file", Some("open.obj"), &open)], "no volume"),
            (&[("file", Some("fan-out.3mf"), FAN_OUT_3MF)], "copies of its parts"),
            (&[("file", Some("junk.stl"), b"solid x\nthis is not an STL")], "not a readable STL"),
            (&[("file", Some("noise.3mf"), &[0x5a; 512])], "3MF"),
            (&[("file", Some("photo.png"), b"PNG")], "not a model file"),
            (&[], "Choose a model file"),
            (&[("file", Some("box.stl"), &box_stl()), ("material", None, b"pla")], "unknown field"),
        ];
        for (parts, words) in cases {
            let reply = app.send(multipart(Request::post("/api/creations/upload"), parts)).await;
            assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{words}: {}", reply.text());
            let json = reply.json();
            assert!(json["error"].as_str().unwrap().contains(words), "{words}: {json}");
        }
        let request = Request::post("/api/creations/upload").header("content-type", "application/json");
        let reply = app.send(request.body(Body::from("{}")).unwrap()).await;
        assert_eq!(reply.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert_eq!((app.count("creations").await, app.count("jobs").await), (0, 0));
        assert!(!app.dir.path().join("files/models").exists(), "no file kept for a refused upload");

        let reply = app
            .send(multipart(
                Request::post("/api/creations/upload"),
                &[("file", Some("Pip_box.stl"), &box_stl())],
            ))
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
        let cookie = reply.visitor_cookie().expect("a visitor");
        let answer = reply.json();
        let id = answer["id"].as_str().unwrap().to_string();
        assert_eq!(answer["next_url"], format!("/create/{id}/model"));
        let mesh = app.model_made_for(&answer, &cookie).await;
        let [min, max] = geometry::analysis::bounding_box(&mesh);
        assert_eq!(
            [max[0] - min[0], max[1] - min[1], max[2] - min[2], min[2]],
            [20.0, 20.0, 10.0, 0.0],
            "its own size, standing on the bed"
        );
        let thumbnail = app.get(&format!("/media/models/{id}/thumbnail.png"), Some(&cookie)).await;
        assert!(thumbnail.body.starts_with(b"\x89PNG"));
        let page = app.get(&format!("/create/{id}/model"), Some(&cookie)).await.text();
        assert!(page.contains("Pip box") && page.contains("Pip_box.stl · 20 × 20 × 10 mm"), "{page}");
        assert!(app.get("/my", Some(&cookie)).await.text().contains(&format!("/create/{id}/model")));
        // An uploaded model has no designs to draw or show.
        let more = app.post_json(&format!("/api/creations/{id}/concepts"), "{}", Some(&cookie)).await;
        assert_eq!(more.status, StatusCode::NOT_FOUND);
        assert_eq!(
            app.get(&format!("/create/{id}/concepts"), Some(&cookie)).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(app.count("concepts").await, 0);

        // Without JavaScript the home page's form posts to the server function and is redirected.
        let form = Request::post("/api/upload_model").header("accept", "text/html");
        let reply = app.send(multipart(form, &[("file", Some("box.stl"), &box_stl())])).await;
        assert_eq!(reply.status, StatusCode::FOUND, "{}", reply.text());
        assert!(reply.header("location").unwrap().ends_with("/model"));
        let form = Request::post("/api/upload_model")
            .header("accept", "text/html")
            .header("referer", "http://127.0.0.1:3000/");
        let reply = app.send(multipart(form, &[("file", Some("open.obj"), &open)])).await;
        assert_eq!(reply.status, StatusCode::FOUND);
        let back = reply.header("location").unwrap();
        let html = app.get(back.trim_start_matches("http://127.0.0.1:3000"), None).await.text();
        assert!(html.contains("the model has no volume"), "{html}");
    })
    .await;
}

/// The studio: settings checked and saved on the creation, the keepsake
/// rebuilt on the server from them (the same bytes as the kernel gives for
/// the same model and spec), sliced by PrusaSlicer, and downloadable as
/// exactly what was priced.
pub async fn the_studio_prices_and_keeps_a_keepsake(kind: Kind) {
    with_app(kind, |app| async move {
        let reply = app
            .send(multipart(Request::post("/api/creations/upload"), &[("file", Some("box.stl"), &box_stl())]))
            .await;
        let cookie = reply.visitor_cookie().unwrap();
        let answer = reply.json();
        let id = answer["id"].as_str().unwrap().to_string();
        let quote_url = format!("/api/creations/{id}/studio/quote");
        let early = app.post_json(&quote_url, &studio_settings("", 0.8), Some(&cookie)).await;
        // No workers run yet: the model is not made, and the studio says so.
        assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.text());
        assert!(early.json()["error"].as_str().unwrap().contains("still being made"));
        let model = app.model_made_for(&answer, &cookie).await;

        let studio = app.get(&format!("/api/creations/{id}/studio"), Some(&cookie)).await.json();
        assert_eq!(studio["model_height_mm"], 10.0, "{studio}");
        assert_eq!(studio["settings"]["shape"], "round");

        for (settings, field) in
            [(studio_settings("Pip", 9.0), "depth_mm"), (studio_settings(&"x".repeat(41), 0.8), "line1")]
        {
            let refused = app.post_json(&quote_url, &settings, Some(&cookie)).await;
            assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.text());
            assert_eq!(refused.json()["field"], field);
        }
        let unreadable = app.post_json(&quote_url, r#"{"shape": "star"}"#, Some(&cookie)).await;
        assert_eq!(unreadable.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", unreadable.text());
        let stranger = app.post_json(&quote_url, &studio_settings("Pip", 0.8), None).await;
        assert_eq!(stranger.status, StatusCode::NOT_FOUND);

        let priced = app.post_json(&quote_url, &studio_settings("Pip", 0.8), Some(&cookie)).await;
        assert_eq!(priced.status, StatusCode::ACCEPTED, "{}", priced.text());
        let priced = priced.json();
        let events = app.get(priced["events_url"].as_str().unwrap(), None).await.text();
        assert!(events.contains("event: done") && events.contains("prusa-slicer"), "{events}");

        // The server's keepsake is the kernel's for the same model and settings, byte for byte.
        let spec: geometry::keepsake::KeepsakeSpec = serde_json::from_value(serde_json::json!({
            "pedestal": { "shape": "hex", "height_mm": 8.0, "margin_mm": 3.0 },
            "text": ["Pip"], "finish": "engraved", "letter_height_mm": 5.0, "depth_mm": 0.8,
            "model_height_mm": 30.0,
        }))
        .unwrap();
        let font = geometry::text::Font::embedded();
        let native = geometry::keepsake::keepsake(&model, &spec, &font).unwrap();
        let native_stl = geometry::io::stl::write_binary(&native.mesh);
        assert_eq!(priced["mesh_sha256"], sha256_hex(&native_stl));
        let download = app.get(&format!("/api/creations/{id}/keepsake.stl"), Some(&cookie)).await;
        assert_eq!(download.status, StatusCode::OK);
        assert_eq!(sha256_hex(&download.body), sha256_hex(&native_stl), "the download is what was priced");
        let mesh = geometry::io::stl::read(&download.body, &geometry::Limits::default()).unwrap();
        let analysis = geometry::analyse(&mesh, &geometry::AnalysisOptions::default());
        assert!(analysis.watertight && analysis.shells == 1, "{analysis:?}");
        // On the bed; the 30 mm model sinks 0.6 mm into a pedestal at least 8 mm tall (taller for the words).
        let [bottom, top] = [analysis.bbox_mm[0][2], analysis.bbox_mm[1][2]];
        assert!(bottom == 0.0 && top >= 8.0 + 30.0 - 0.6 - 1e-3, "{:?}", analysis.bbox_mm);
        let three_mf = app.get(&format!("/api/creations/{id}/keepsake.3mf"), Some(&cookie)).await;
        let read_back = geometry::io::three_mf::read(&three_mf.body, &geometry::Limits::default()).unwrap();
        assert_eq!(read_back.triangles.len(), mesh.triangles.len());

        // A reload (or another device with the same session) shows the same studio and price.
        let studio = app.get(&format!("/api/creations/{id}/studio"), Some(&cookie)).await.json();
        assert_eq!(studio["settings"]["line1"], "Pip");
        assert_eq!(studio["settings"]["shape"], "hex");
        assert_eq!(studio["quote"]["job_id"], priced["job_id"]);
        assert!(studio["quote"]["quote"]["model_g"].as_f64().unwrap() > 0.0, "{studio}");
        let page = app.get(&format!("/create/{id}/studio"), Some(&cookie)).await.text();
        assert!(page.contains("Exact price") && page.contains(r#"value="Pip""#), "{page}");
        assert_eq!(app.get(&format!("/create/{id}/studio"), None).await.status, StatusCode::NOT_FOUND);

        // Without JavaScript the settings form posts to the server function and comes back here.
        let form = |depth: &str| {
            format!(
                "id={id}&settings%5Bshape%5D=square&settings%5Bpedestal_height_mm%5D=6\
                 &settings%5Bmargin_mm%5D=2&settings%5Bline1%5D=Pip+%26+Joe&settings%5Bline2%5D=2026\
                 &settings%5Bletter_height_mm%5D=4&settings%5Bfinish%5D=embossed\
                 &settings%5Bdepth_mm%5D={depth}&settings%5Bmodel_height_mm%5D=25"
            )
        };
        let post = |body: String| {
            Request::post("/api/price_keepsake")
                .header("content-type", "application/x-www-form-urlencoded")
                .header("accept", "text/html")
                .header("referer", format!("http://127.0.0.1:3000/create/{id}/studio"))
                .header("cookie", cookie.clone())
                .body(Body::from(body))
                .unwrap()
        };
        let reply = app.send(post(form("0.6"))).await;
        assert_eq!(reply.status, StatusCode::FOUND, "{}", reply.text());
        assert!(reply.header("location").unwrap().ends_with(&format!("/create/{id}/studio")));
        let studio = app.get(&format!("/api/creations/{id}/studio"), Some(&cookie)).await.json();
        assert_eq!(studio["settings"]["line1"], "Pip & Joe");
        assert_eq!(studio["settings"]["finish"], "embossed");
        assert_ne!(studio["quote"]["job_id"], priced["job_id"], "a new price for the new settings");
        let refused = app.send(post(form("7"))).await;
        assert_eq!(refused.status, StatusCode::FOUND);
        let back = refused.header("location").unwrap();
        let html = app.get(back.trim_start_matches("http://127.0.0.1:3000"), Some(&cookie)).await.text();
        assert!(html.contains("The engraving depth must be between 0.3 and 3 mm."), "{html}");
    })
    .await;
}

pub(crate) fn studio_settings(line1: &str, depth_mm: f64) -> String {
    serde_json::json!({
        "shape": "hex", "pedestal_height_mm": 8.0, "margin_mm": 3.0, "line1": line1, "line2": "",
        "letter_height_mm": 5.0, "finish": "engraved", "depth_mm": depth_mm, "model_height_mm": 30.0,
    })
    .to_string()
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|byte| format!("{byte:02x}")).collect()
}

#[macro_export]
macro_rules! database_suite {
    ($kind:expr) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn expensive_requests_are_limited_per_address() {
            common::protect::expensive_requests_are_limited_per_address($kind).await
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn a_generation_session_caps_designs_and_ends_when_idle() {
            common::protect::a_generation_session_caps_designs_and_ends_when_idle($kind).await
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn pages_carry_security_headers_and_a_csp_nonce() {
            common::protect::pages_carry_security_headers_and_a_csp_nonce($kind).await
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn private_things_refuse_the_wrong_caller() {
            common::protect::private_things_refuse_the_wrong_caller($kind).await
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn cross_origin_calls_only_from_listed_sites() {
            common::protect::cross_origin_calls_only_from_listed_sites($kind).await
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn oversized_bodies_are_refused_before_they_are_read() {
            common::protect::oversized_bodies_are_refused_before_they_are_read($kind).await
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn metrics_are_for_staff_and_scrapers_and_parse() {
            common::observe::metrics_are_for_staff_and_scrapers_and_parse($kind).await
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn the_funnel_follows_a_story_to_its_payment() {
            common::reports::the_funnel_follows_a_story_to_its_payment($kind).await
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn the_lab_overview_matches_figures_counted_by_hand() {
            common::reports::the_lab_overview_matches_figures_counted_by_hand($kind).await
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn a_backup_restores_every_job_event_order_and_file() {
            common::backup::a_backup_restores_every_job_event_order_and_file($kind).await
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn crafted_archives_write_nothing_anywhere() {
            common::backup::crafted_archives_write_nothing_anywhere($kind).await
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn mesh_work_is_shared_out_and_keepsakes_are_built_once() {
            common::protect::mesh_work_is_shared_out_and_keepsakes_are_built_once($kind).await
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn the_slicer_opens_our_mesh_and_every_opening_is_logged() {
            common::lab::the_slicer_opens_our_mesh_and_every_opening_is_logged($kind).await
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn cookies_behind_https_carry_the_host_prefix() {
            common::protect::cookies_behind_https_carry_the_host_prefix($kind).await
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn the_same_step_pressed_at_once_is_taken_once() {
            common::lab::the_same_step_pressed_at_once_is_taken_once($kind).await
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn live_streams_are_capped_and_end_in_time() {
            common::protect::live_streams_are_capped_and_end_in_time($kind).await
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn streams_of_one_topic_share_one_reader() {
            common::protect::streams_of_one_topic_share_one_reader($kind).await
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn a_run_that_lost_its_lease_cannot_overwrite_the_winner() {
            common::protect::a_run_that_lost_its_lease_cannot_overwrite_the_winner($kind).await
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn paid_providers_stop_at_their_daily_ceiling() {
            common::protect::paid_providers_stop_at_their_daily_ceiling($kind).await
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn files_no_record_names_are_swept() {
            common::protect::files_no_record_names_are_swept($kind).await
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn an_order_is_only_for_the_mesh_that_was_priced() {
            common::checkout::an_order_is_only_for_the_mesh_that_was_priced($kind).await
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn an_order_is_priced_by_the_server_and_its_emails_are_written() {
            common::checkout::an_order_is_priced_by_the_server_and_its_emails_are_written($kind).await
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn a_model_priced_for_the_shop_is_ordered() {
            common::checkout::a_model_priced_for_the_shop_is_ordered($kind).await
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn a_shipped_order_is_printed_and_shipped_by_slant3d() {
            common::outside::a_shipped_order_is_printed_and_shipped_by_slant3d($kind).await
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn shop_orders_join_the_lab_queue_and_its_log_cannot_be_changed() {
            common::print_jobs::shop_orders_join_the_lab_queue_and_its_log_cannot_be_changed($kind).await
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn staff_move_a_shop_job_and_its_order_follows() {
            common::print_jobs::staff_move_a_shop_job_and_its_order_follows($kind).await
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn a_submission_goes_from_upload_to_pickup() {
            common::lab::a_submission_goes_from_upload_to_pickup($kind).await
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn a_refused_submission_keeps_nothing() {
            common::lab::a_refused_submission_keeps_nothing($kind).await
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn a_rejected_submission_says_why() {
            common::lab::a_rejected_submission_says_why($kind).await
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn folder_moves_finish_after_a_crash() {
            common::lab::folder_moves_finish_after_a_crash($kind).await
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn staff_keep_the_sliced_file_and_its_figures() {
            common::lab::staff_keep_the_sliced_file_and_its_figures($kind).await
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn open_dashboards_hear_of_every_change() {
            common::lab::open_dashboards_hear_of_every_change($kind).await
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn the_lab_keeps_its_files_in_s3() {
            common::s3::the_lab_keeps_its_files_in_s3($kind).await
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn a_missing_bucket_fails_readiness() {
            common::s3::a_missing_bucket_fails_readiness($kind).await
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn staff_sign_in_guards_the_outbox() {
            common::staff::staff_sign_in_guards_the_outbox($kind).await
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn every_staff_function_and_route_refuses_a_stranger() {
            common::staff::every_staff_function_and_route_refuses_a_stranger($kind).await
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn parallel_guesses_check_at_most_five_passwords() {
            common::staff::parallel_guesses_check_at_most_five_passwords($kind).await
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn guesses_from_many_addresses_meet_a_site_wide_cap_that_known_computers_pass() {
            common::staff::guesses_from_many_addresses_meet_a_site_wide_cap_that_known_computers_pass($kind)
                .await
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn mail_is_sent_once_by_many_senders_and_keeps_no_tokens() {
            common::staff::mail_is_sent_once_by_many_senders_and_keeps_no_tokens($kind).await
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn a_card_order_is_paid_once_by_a_signed_webhook() {
            common::card_payments::a_card_order_is_paid_once_by_a_signed_webhook($kind).await
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn a_failed_or_short_payment_is_not_paid() {
            common::card_payments::a_failed_or_short_payment_is_not_paid($kind).await
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn without_stripe_nothing_is_placed_and_cards_are_refused() {
            common::card_payments::without_stripe_nothing_is_placed_and_cards_are_refused($kind).await
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn mail_goes_over_smtp_and_is_retried_after_the_server_was_down() {
            common::checkout::mail_goes_over_smtp_and_is_retried_after_the_server_was_down($kind).await
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn the_studio_prices_and_keeps_a_keepsake() {
            common::suite::the_studio_prices_and_keeps_a_keepsake($kind).await
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn an_uploaded_model_becomes_a_keepsake() {
            common::suite::an_uploaded_model_becomes_a_keepsake($kind).await
        }
        #[tokio::test]
        async fn health_and_readiness() {
            common::suite::health_and_readiness($kind).await
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn printers_are_added_checked_and_listed() {
            common::printers::printers_are_added_checked_and_listed($kind).await
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn one_instance_reads_a_printer_from_octoprint_at_a_time() {
            common::printers::one_instance_reads_a_printer_from_octoprint_at_a_time($kind).await
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn a_lab_job_prints_on_octoprint_from_approval_to_completed() {
            common::printers::a_lab_job_prints_on_octoprint_from_approval_to_completed($kind).await
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn a_cancelled_print_fails_and_its_reprint_completes() {
            common::printers::a_cancelled_print_fails_and_its_reprint_completes($kind).await
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn a_lab_job_prints_on_klipper_through_moonraker() {
            common::printers::a_lab_job_prints_on_klipper_through_moonraker($kind).await
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn a_printer_out_of_reach_mid_print_keeps_its_job() {
            common::printers::a_printer_out_of_reach_mid_print_keeps_its_job($kind).await
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn a_printer_is_changed_and_removed_but_not_from_under_its_print() {
            common::printers::a_printer_is_changed_and_removed_but_not_from_under_its_print($kind).await
        }
        #[tokio::test]
        async fn a_student_whose_link_ran_out_gets_a_fresh_one() {
            common::lab::a_student_whose_link_ran_out_gets_a_fresh_one($kind).await
        }
        #[tokio::test]
        async fn a_student_sees_the_estimate_before_submitting() {
            common::lab::a_student_sees_the_estimate_before_submitting($kind).await
        }
        #[tokio::test]
        async fn a_printers_camera_pictures_the_print_and_refuses_what_is_no_picture() {
            common::camera::a_printers_camera_pictures_the_print_and_refuses_what_is_no_picture($kind).await
        }
        #[tokio::test]
        async fn a_student_asks_for_copies_and_every_figure_counts_them() {
            common::lab::a_student_asks_for_copies_and_every_figure_counts_them($kind).await
        }
        #[tokio::test]
        async fn a_failed_print_gets_its_cause_and_the_overview_counts_it() {
            common::printers::a_failed_print_gets_its_cause_and_the_overview_counts_it($kind).await
        }
        #[tokio::test]
        async fn a_printer_in_maintenance_is_planned_nothing_and_its_log_says_so() {
            common::printers::a_printer_in_maintenance_is_planned_nothing_and_its_log_says_so($kind).await
        }
        #[tokio::test]
        async fn the_queue_plans_each_job_on_a_fitting_printer_and_staff_move_one_up() {
            common::printers::the_queue_plans_each_job_on_a_fitting_printer_and_staff_move_one_up($kind).await
        }
        #[tokio::test]
        async fn readiness_holds_under_probes_at_once() {
            common::suite::readiness_holds_under_probes_at_once($kind).await
        }
        #[tokio::test]
        async fn readiness_fails_when_storage_breaks() {
            common::suite::readiness_fails_when_storage_breaks($kind).await
        }
        #[tokio::test]
        async fn readiness_fails_when_the_database_is_gone() {
            common::suite::readiness_fails_when_the_database_is_gone($kind).await
        }
        #[tokio::test]
        async fn api_creates_a_creation_its_visitor_can_see() {
            common::suite::api_creates_a_creation_its_visitor_can_see($kind).await
        }
        #[tokio::test]
        async fn api_refuses_bad_input_and_stores_nothing() {
            common::suite::api_refuses_bad_input_and_stores_nothing($kind).await
        }
        #[tokio::test]
        async fn form_post_without_javascript_redirects_to_the_creation() {
            common::suite::form_post_without_javascript_redirects_to_the_creation($kind).await
        }
        #[tokio::test]
        async fn api_quotes_a_model_and_records_it() {
            common::suite::api_quotes_a_model_and_records_it($kind).await
        }
        #[tokio::test]
        async fn api_refuses_bad_quote_requests_and_stores_nothing() {
            common::suite::api_refuses_bad_quote_requests_and_stores_nothing($kind).await
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn api_quotes_in_the_background_with_progress_over_sse() {
            common::suite::api_quotes_in_the_background_with_progress_over_sse($kind).await
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn quote_page_without_javascript() {
            common::suite::quote_page_without_javascript($kind).await
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn concepts_stream_in_and_resume() {
            common::suite::concepts_stream_in_and_resume($kind).await
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn picking_a_concept_makes_a_watertight_model() {
            common::suite::picking_a_concept_makes_a_watertight_model($kind).await
        }
        #[tokio::test]
        async fn an_object_description_gets_designs_too() {
            common::suite::an_object_description_gets_designs_too($kind).await
        }
        #[tokio::test]
        async fn jobs_are_claimed_once_leased_retried_and_bounded() {
            common::suite::jobs_are_claimed_once_leased_retried_and_bounded($kind).await
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn concurrent_claims_take_each_job_once() {
            common::suite::concurrent_claims_take_each_job_once($kind).await
        }
        #[tokio::test]
        async fn pages_render_and_unknown_paths_are_404() {
            common::suite::pages_render_and_unknown_paths_are_404($kind).await
        }
    };
}
