//! The behaviours every database backend must show. `sqlite.rs` and
//! `postgres.rs` each run all of them through [`crate::backend_suite!`].

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
        assert!(reply.status.is_server_error() || reply.status.is_client_error(), "{}", reply.status);
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

#[macro_export]
macro_rules! backend_suite {
    ($kind:expr) => {
        #[tokio::test]
        async fn health_and_readiness() {
            common::suite::health_and_readiness($kind).await
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
        async fn pages_render_and_unknown_paths_are_404() {
            common::suite::pages_render_and_unknown_paths_are_404($kind).await
        }
    };
}
