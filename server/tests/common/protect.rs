//! Protection on every backend: per-address limits on expensive requests
//! (429 with Retry-After, then a block), the trusted-proxy setting, the
//! customer's generation session, security headers with the page's CSP
//! nonce, and the CORS allow-list.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::ConnectInfo;
use http::{Request, StatusCode};
use memoreez::config::Config;
use memoreez::state::AppState;

use super::{Kind, Reply, TestApp, with_changed_app};

/// The app with its configuration changed, and what is derived from it.
fn configure(state: &mut AppState, change: impl FnOnce(&mut Config)) {
    let mut config = (*state.config).clone();
    change(&mut config);
    state.trusted_proxies = memoreez::client_address::TrustedProxies::parse(&config.trusted_proxies).unwrap();
    state.config = Arc::new(config);
}

/// A POST as it arrives over a connection from `peer`.
fn post_from(peer: &str, path: &str, content_type: &str) -> http::request::Builder {
    let peer: SocketAddr =
        if peer.contains(':') { format!("[{peer}]:40000") } else { format!("{peer}:40000") }.parse().unwrap();
    let mut request = Request::post(path).header("content-type", content_type);
    request.extensions_mut().unwrap().insert(ConnectInfo(peer));
    request
}

async fn quote_from(app: &TestApp, peer: &str) -> Reply {
    let request = post_from(peer, "/api/quotes", "application/json");
    app.send(request.body(Body::from("{}")).unwrap()).await
}

fn retry_after(reply: &Reply) -> u64 {
    reply.header("retry-after").expect("Retry-After").parse().unwrap()
}

pub async fn expensive_requests_are_limited_per_address(kind: Kind) {
    let change = |state: &mut AppState| {
        configure(state, |config| {
            config.rate_limit = 3;
            config.rate_limit_block_after = 2;
            config.trusted_proxies = "127.0.0.1".into();
        })
    };
    with_changed_app(kind, change, |app| async move {
        // Three requests (refused for their content, but counted: the work of
        // reading them was done) and then 429 until the window ends.
        for _ in 0..3 {
            let reply = quote_from(&app, "198.51.100.1").await;
            assert_ne!(reply.status, StatusCode::TOO_MANY_REQUESTS, "{}", reply.text());
        }
        let limited = quote_from(&app, "198.51.100.1").await;
        assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
        assert!((1..=15 * 60).contains(&retry_after(&limited)), "{:?}", limited.header("retry-after"));
        assert!(
            limited.json()["error"].as_str().unwrap().contains("Please try again in"),
            "{}",
            limited.text()
        );

        // A page's script gets the server function's own error; a plain form, a page.
        let form = post_from("198.51.100.1", "/api/start_quote", "multipart/form-data; boundary=x");
        let from_script = app.send(form.body(Body::from("--x--\r\n")).unwrap()).await;
        assert_eq!(from_script.status, StatusCode::TOO_MANY_REQUESTS);
        let error: app::error::AppError = serde_json::from_slice(&from_script.body).expect("an AppError");
        assert!(matches!(error, app::error::AppError::TooManyRequests { .. }), "{error:?}");
        let form = post_from("198.51.100.1", "/api/start_quote", "multipart/form-data; boundary=x")
            .header("accept", "text/html");
        let from_form = app.send(form.body(Body::from("--x--\r\n")).unwrap()).await;
        assert_eq!(from_form.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(from_form.text().contains("Please try again in"), "{}", from_form.text());
        assert!(from_form.header("retry-after").is_some());

        // Another address has its own budget.
        assert_ne!(quote_from(&app, "198.51.100.2").await.status, StatusCode::TOO_MANY_REQUESTS);

        // Going on after the 429s: blocked for the block time, sign-in included.
        let blocked = quote_from(&app, "198.51.100.1").await;
        assert_eq!(blocked.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(retry_after(&blocked) > 15 * 60, "blocked for an hour: {:?}", blocked.header("retry-after"));
        assert_eq!(app.count("rate_limit_blocks").await, 1);
        let sign_in = post_from("198.51.100.1", "/api/staff_sign_in", "application/x-www-form-urlencoded");
        let sign_in = app.send(sign_in.body(Body::from("password=anything-at-all")).unwrap()).await;
        assert_eq!(sign_in.status, StatusCode::TOO_MANY_REQUESTS, "{}", sign_in.text());
        // Reads are never limited.
        let page =
            Request::get("/healthz").extension(ConnectInfo("198.51.100.1:1".parse::<SocketAddr>().unwrap()));
        assert_eq!(app.send(page.body(Body::empty()).unwrap()).await.status, StatusCode::OK);

        // Behind our proxy the forwarded address counts; anyone else's header is ignored.
        let proxied = post_from("127.0.0.1", "/api/quotes", "application/json")
            .header("x-forwarded-for", "198.51.100.1, 203.0.113.50");
        assert_ne!(
            app.send(proxied.body(Body::from("{}")).unwrap()).await.status,
            StatusCode::TOO_MANY_REQUESTS
        );
        let spoofed = post_from("203.0.113.60", "/api/quotes", "application/json")
            .header("x-forwarded-for", "203.0.113.50");
        assert_ne!(
            app.send(spoofed.body(Body::from("{}")).unwrap()).await.status,
            StatusCode::TOO_MANY_REQUESTS
        );
        let counted: Vec<String> = sqlx::query_scalar("SELECT ip FROM rate_limit_windows ORDER BY ip")
            .fetch_all(app.state.db.pool())
            .await
            .unwrap();
        assert_eq!(counted, ["198.51.100.1", "198.51.100.2", "203.0.113.50", "203.0.113.60"]);
        // IPv6 is counted by /64: a new address in the same network is the same client.
        for _ in 0..3 {
            assert_ne!(quote_from(&app, "2001:db8:1:2::1").await.status, StatusCode::TOO_MANY_REQUESTS);
        }
        let next_door = quote_from(&app, "2001:db8:1:2:ffff::9").await;
        assert_eq!(next_door.status, StatusCode::TOO_MANY_REQUESTS, "{}", next_door.text());
        assert_ne!(quote_from(&app, "2001:db8:1:3::1").await.status, StatusCode::TOO_MANY_REQUESTS);
        let networks: Vec<String> =
            sqlx::query_scalar("SELECT ip FROM rate_limit_windows WHERE ip LIKE '2001:%' ORDER BY ip")
                .fetch_all(app.state.db.pool())
                .await
                .unwrap();
        assert_eq!(networks, ["2001:db8:1:2::/64", "2001:db8:1:3::/64"]);
    })
    .await;
}

const STORY: &str = r#"{"hobbies": ["sailing"], "facts": "Owns a beagle called Pip."}"#;

/// The `name=value` of the cookie `name` the reply set.
fn set_cookie(reply: &Reply, name: &str) -> Option<String> {
    reply
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|value| value.to_str().unwrap().to_string())
        .find(|value| value.starts_with(&format!("{name}=")))
}

pub async fn a_generation_session_caps_designs_and_ends_when_idle(kind: Kind) {
    let change = |state: &mut AppState| configure(state, |config| config.generations_per_session = 2);
    with_changed_app(kind, change, |app| async move {
        let first = app.post_json("/api/creations", STORY, None).await;
        assert_eq!(first.status, StatusCode::CREATED, "{}", first.text());
        let visitor = first.visitor_cookie().unwrap();
        let session = set_cookie(&first, "memoreez_session").expect("a generation session");
        for flag in ["HttpOnly", "SameSite=Lax", "Max-Age=1800", "Path=/"] {
            assert!(session.contains(flag), "{flag}: {session}");
        }
        assert!(!session.contains("Secure"), "plain http in tests");
        let session = session.split(';').next().unwrap().to_string();
        let cookies = format!("{visitor}; {session}");

        let second = app.post_json("/api/creations", STORY, Some(&cookies)).await;
        assert_eq!(second.status, StatusCode::CREATED, "{}", second.text());
        let third = app.post_json("/api/creations", STORY, Some(&cookies)).await;
        assert_eq!(third.status, StatusCode::TOO_MANY_REQUESTS, "{}", third.text());
        assert!((1700..=1800).contains(&retry_after(&third)), "{:?}", third.header("retry-after"));
        assert_eq!(app.count("creations").await, 2, "the refused one kept nothing");

        // Thirty minutes without a generation: the session is over, a new one starts.
        sqlx::query("UPDATE generation_sessions SET last_seen_at = last_seen_at - 1860000")
            .execute(app.state.db.pool())
            .await
            .unwrap();
        let later = app.post_json("/api/creations", STORY, Some(&cookies)).await;
        assert_eq!(later.status, StatusCode::CREATED, "{}", later.text());
        let renewed = set_cookie(&later, "memoreez_session").unwrap();
        assert_ne!(renewed.split(';').next().unwrap(), session, "a fresh token");

        // What was made belongs to the visitor, not the session.
        let my = app.get("/my", Some(&visitor)).await.text();
        assert_eq!(my.matches("data-testid=\"my-model\"").count(), 3, "{my}");
    })
    .await;
}

pub async fn pages_carry_security_headers_and_a_csp_nonce(kind: Kind) {
    with_changed_app(
        kind,
        |_| {},
        |app| async move {
            let page = app.get("/", None).await;
            assert_eq!(page.status, StatusCode::OK);
            let policy = page.header("content-security-policy").expect("a CSP");
            assert!(
                policy.contains("'wasm-unsafe-eval'") && policy.contains("frame-ancestors 'none'"),
                "{policy}"
            );
            assert!(!policy.contains("unsafe-inline") && !policy.contains("'unsafe-eval'"), "{policy}");
            let nonce =
                policy.split("'nonce-").nth(1).and_then(|rest| rest.split('\'').next()).expect("a nonce");
            assert!(nonce.len() >= 22, "{nonce}");
            let html = page.text();
            let scripts: Vec<&str> =
                html.split("<script").skip(1).map(|tag| tag.split('>').next().unwrap()).collect();
            assert!(!scripts.is_empty(), "the hydration script");
            for script in scripts {
                assert!(
                    script.contains(&format!("nonce=\"{nonce}\"")),
                    "every script carries the nonce: {script}"
                );
            }
            for (name, value) in [
                ("x-content-type-options", "nosniff"),
                ("x-frame-options", "DENY"),
                ("referrer-policy", "same-origin"),
            ] {
                assert_eq!(page.header(name).as_deref(), Some(value), "{name}");
            }
            assert_eq!(page.header("strict-transport-security"), None, "plain http");
            let again = app.get("/", None).await.header("content-security-policy").unwrap();
            assert_ne!(again, policy, "a fresh nonce per page");

            // What is not a page may do nothing, even if opened as one.
            let json = app.get("/readyz", None).await;
            assert_eq!(
                json.header("content-security-policy").unwrap(),
                "default-src 'none'; frame-ancestors 'none'; sandbox"
            );
            assert_eq!(json.header("x-content-type-options").as_deref(), Some("nosniff"));
        },
    )
    .await;
    // Behind HTTPS: HSTS, and Secure on every cookie.
    let https = |state: &mut AppState| {
        configure(state, |config| config.public_url = "https://memoreez.example".into())
    };
    with_changed_app(kind, https, |app| async move {
        let created = app.post_json("/api/creations", STORY, None).await;
        assert_eq!(created.header("strict-transport-security").as_deref(), Some("max-age=31536000"));
        for name in ["memoreez_visitor", "memoreez_session"] {
            let cookie = set_cookie(&created, name).unwrap_or_else(|| panic!("{name}"));
            assert!(cookie.contains("; Secure"), "{cookie}");
        }
    })
    .await;
}

pub async fn cross_origin_calls_only_from_listed_sites(kind: Kind) {
    let preflight = |origin: &str| {
        Request::options("/api/quotes")
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .body(Body::empty())
            .unwrap()
    };
    // None listed (the default): no site but ours.
    with_changed_app(
        kind,
        |_| {},
        move |app| async move {
            let reply = app.send(preflight("https://shop.example.com")).await;
            assert_eq!(reply.header("access-control-allow-origin"), None);
        },
    )
    .await;
    let listed = |state: &mut AppState| {
        configure(state, |config| config.cors_origins = "https://shop.example.com".into())
    };
    with_changed_app(kind, listed, move |app| async move {
        let allowed = app.send(preflight("https://shop.example.com")).await;
        assert_eq!(
            allowed.header("access-control-allow-origin").as_deref(),
            Some("https://shop.example.com")
        );
        assert_eq!(allowed.header("access-control-allow-credentials"), None, "no cookies cross-origin");
        let other = app.send(preflight("https://evil.example")).await;
        assert_eq!(other.header("access-control-allow-origin"), None);
    })
    .await;
}

/// Every private thing, asked for the wrong way: a creation's pages, models
/// and keepsake by another visitor or none; an order and a student's job
/// without their link's token or with a wrong one; the lab's files without a
/// signed link; staff pages, feeds and actions without the staff session;
/// the workers' API without a worker token.
pub async fn private_things_refuse_the_wrong_caller(kind: Kind) {
    use super::staff::{call, staff_cookie};
    super::with_app(kind, |app| async move {
        let (id, owner, _) = super::checkout::priced_keepsake(&app).await;
        let stranger = app.post_json("/api/creations", STORY, None).await.visitor_cookie().unwrap();
        let owned = [
            format!("/create/{id}/model"),
            format!("/create/{id}/studio"),
            format!("/api/creations/{id}/studio"),
            format!("/media/models/{id}/model.stl"),
            format!("/media/models/{id}/thumbnail.png"),
            format!("/api/creations/{id}/keepsake.stl"),
            format!("/api/creations/{id}/keepsake.3mf"),
        ];
        for path in &owned {
            assert_eq!(app.get(path, Some(&owner)).await.status, StatusCode::OK, "the owner: {path}");
            for wrong in [None, Some(stranger.as_str())] {
                let reply = app.get(path, wrong).await;
                assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path} as {wrong:?}");
                assert!(!reply.text().contains("Pip"), "{path}");
            }
        }
        let settings = super::suite::studio_settings("Mine", 0.8);
        for (path, body) in [
            (format!("/api/creations/{id}/studio/quote"), settings.as_str()),
            (format!("/api/creations/{id}/concepts"), "{}"),
            (format!("/api/creations/{id}/select"), r#"{"concept": 0}"#),
            ("/api/orders".to_string(), &super::checkout::order_form(&id).to_string()),
        ] {
            let reply = app.post_json(&path, body, Some(&stranger)).await;
            assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}: {}", reply.text());
        }

        // An order: only by its link.
        let placed =
            app.post_json("/api/orders", &super::checkout::order_form(&id).to_string(), Some(&owner)).await;
        assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.text());
        let order_url = placed.json()["order_url"].as_str().unwrap().to_string();
        let (path, token) = order_url.split_once("?t=").unwrap();
        let order = path.trim_start_matches("/orders/");
        assert_eq!(app.get(&format!("/api/orders/{order}?t={token}"), None).await.status, StatusCode::OK);
        for wrong in [
            format!("/api/orders/{order}"),
            format!("/api/orders/{order}?t=wrong"),
            format!("/orders/{order}?t=wrong"),
            format!("/api/orders/{order}/events?t=wrong"),
            format!("/api/orders/{order}/thumbnail.png"),
            format!("/api/orders/{order}/files/keepsake.3mf"),
        ] {
            // No token at all is a malformed request (400); a wrong one finds nothing (404).
            let reply = app.get(&wrong, Some(&owner)).await;
            assert!(matches!(reply.status.as_u16(), 400 | 404), "{wrong}: {}", reply.status);
            assert!(!reply.text().contains("Ada"), "{wrong}");
        }

        // A student's job: only by its link; its files only by a signed link.
        let (job, student_token) = super::lab::submitted(&app).await;
        assert_eq!(
            app.get(&format!("/api/lab/jobs/{job}?t={student_token}"), None).await.status,
            StatusCode::OK
        );
        for wrong in [format!("/api/lab/jobs/{job}"), format!("/api/lab/jobs/{job}?t={token}")] {
            let reply = app.get(&wrong, None).await;
            assert!(matches!(reply.status.as_u16(), 400 | 404), "{wrong}: {}", reply.status);
            assert!(!reply.text().contains("Ada"), "{wrong}");
        }
        let confirm =
            Request::post(format!("/api/lab/jobs/{job}/confirm?t=wrong")).body(Body::empty()).unwrap();
        assert_eq!(app.send(confirm).await.status, StatusCode::NOT_FOUND);
        for wrong in [
            format!("/api/lab/jobs/{job}/files/model"),
            format!("/api/lab/jobs/{job}/files/model?exp=9999999999&sig=00"),
        ] {
            let reply = app.get(&wrong, None).await;
            assert!(matches!(reply.status.as_u16(), 400 | 404), "{wrong}: {}", reply.status);
            assert!(reply.body.len() < 200, "{wrong}: no file");
        }

        // Staff things without the staff session (or with a visitor's cookie).
        for name in ["staff_queue", "staff_outbox", "staff_job", "staff_job_action", "staff_slice"] {
            let form = format!("id={job}&status=&action=approve");
            for cookie in [None, Some(owner.as_str())] {
                let reply = call(&app, name, &form, cookie, None).await;
                assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{name}: {}", reply.text());
            }
        }
        assert_eq!(app.get("/api/staff/events", Some(&owner)).await.status, StatusCode::UNAUTHORIZED);
        for page in ["/staff", "/staff/outbox", &format!("/staff/jobs/{job}")] {
            let reply = app.get(page, Some(&owner)).await;
            assert!(!reply.text().contains("Ada Lovelace"), "{page} shows nothing of the lab's");
        }
        // With the session, the same things answer (so the refusals above were about the caller).
        let staff = staff_cookie(&app).await;
        assert_eq!(
            call(&app, "staff_job", &format!("id={job}"), Some(&staff), None).await.status,
            StatusCode::OK
        );

        // The workers' API needs a worker's token.
        for token in [None, Some("Bearer not-a-worker-token")] {
            let mut claim = Request::post("/api/worker/claim").header("content-type", "application/json");
            if let Some(token) = token {
                claim = claim.header("authorization", token);
            }
            let reply = app.send(claim.body(Body::from(r#"{"kinds": ["mesh"]}"#)).unwrap()).await;
            assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{token:?}: {}", reply.text());
        }
    })
    .await;
}

/// A TCP relay to PostgreSQL that can be cut (its port closed, so new
/// connections are refused, and open ones dropped) and restored on the same
/// port, standing in for a database host that goes down and comes back.
struct Relay {
    upstream: String,
    port: u16,
    tasks: std::sync::Mutex<Vec<tokio::task::AbortHandle>>,
}

impl Relay {
    async fn start(upstream: String) -> Arc<Relay> {
        let port = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap().port();
        let relay = Arc::new(Relay { upstream, port, tasks: Default::default() });
        relay.restore().await;
        relay
    }

    async fn restore(self: &Arc<Self>) {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", self.port)).await.unwrap();
        let relay = self.clone();
        let accepting = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let upstream = relay.upstream.clone();
                let link = tokio::spawn(async move {
                    if let Ok(mut server) = tokio::net::TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                relay.tasks.lock().unwrap().push(link.abort_handle());
            }
        });
        self.tasks.lock().unwrap().push(accepting.abort_handle());
    }

    fn cut(&self) {
        for task in self.tasks.lock().unwrap().drain(..) {
            task.abort();
        }
    }
}

pub async fn the_database_goes_away_and_comes_back() {
    let (url, name) = super::create_postgres_database().await;
    let address = url.split('@').nth(1).and_then(|rest| rest.split('/').next()).unwrap().to_string();
    let relay = Relay::start(address.clone()).await;
    let port = relay.port;
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        database_url: url.replace(&address, &format!("127.0.0.1:{port}")),
        files_dir: dir.path().join("files"),
        site_root: dir.path().join("site"),
        ..Config::default()
    };
    let state = AppState::open(config).await.expect("app state opens");
    let router = memoreez::http::router(state.clone());
    let send = |request: Request<Body>| {
        let router = router.clone();
        async move {
            use http_body_util::BodyExt;
            use tower::ServiceExt;
            let response = router.oneshot(request).await.unwrap();
            let (parts, body) = response.into_parts();
            (parts, body.collect().await.unwrap().to_bytes())
        }
    };
    let story = || {
        Request::post("/api/creations")
            .header("content-type", "application/json")
            .body(Body::from(STORY))
            .unwrap()
    };
    let ready = || Request::get("/readyz").body(Body::empty()).unwrap();
    assert_eq!(send(story()).await.0.status, StatusCode::CREATED);

    relay.cut();
    let started = std::time::Instant::now();
    let (parts, body) = send(ready()).await;
    assert_eq!(parts.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(String::from_utf8_lossy(&body).contains("\"database\""), "{body:?}");
    let (parts, body) = send(story()).await;
    assert_eq!(parts.status, StatusCode::SERVICE_UNAVAILABLE, "{body:?}");
    assert_eq!(parts.headers.get("retry-after").unwrap(), "5");
    assert!(String::from_utf8_lossy(&body).contains("briefly unavailable"), "{body:?}");
    println!("outage: readiness and a request answered 503 within {:?}", started.elapsed());

    // Back, and the same process serves again: no restart.
    relay.restore().await;
    assert_eq!(send(ready()).await.0.status, StatusCode::OK);
    assert_eq!(send(story()).await.0.status, StatusCode::CREATED);
    let kept: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM creations").fetch_one(state.db.pool()).await.unwrap();
    assert_eq!(kept, 2, "the refused story left nothing behind");

    state.db.close().await;
    let admin = super::admin_pool().await;
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
        .execute(&admin)
        .await
        .unwrap();
}

/// Files that no row names (what a crash between a file and its row leaves)
/// are removed once older than the grace period; every file a row names,
/// and every key of a shape this service does not write, is kept.
pub async fn files_no_record_names_are_swept(kind: Kind) {
    super::with_app(kind, |app| async move {
        use std::time::Duration;
        // Files that rows name: a student's job folder and a customer's designs.
        super::lab::submitted(&app).await;
        let created = app.post_json("/api/creations", r#"{"hobbies": ["sailing"]}"#, None).await;
        let id = created.json()["id"].as_str().unwrap().to_string();
        let cookie = created.visitor_cookie().unwrap();
        memoreez::workers::spawn(&app.state);
        app.get(&format!("/api/creations/{id}/concepts/stream"), Some(&cookie)).await;
        let storage = &app.state.storage;
        let keys = || async {
            let mut keys: Vec<String> =
                storage.list_dated().await.unwrap().into_iter().map(|(k, _)| k).collect();
            keys.sort();
            keys
        };
        let named = keys().await;
        assert!(named.iter().any(|key| key.starts_with("lab/Uploaded/")), "{named:?}");
        assert!(named.iter().any(|key| key.starts_with(&format!("concepts/{id}/"))), "{named:?}");

        let mut orphans = vec![
            "concepts/nobody/0.png".to_string(),
            "models/nobody/upload.stl".into(),
            "orders/nobody/keepsake.stl".into(),
            "gcode/nobody.gcode".into(),
            "uploads/nobody.3mf".into(),
            "lab/Uploaded/Nobody_Filament_Red_zzzzzzzzzz/model.stl".into(),
            // A file added to a folder a row names is still that row's.
            format!("models/{id}/extra.png"),
        ];
        orphans.sort();
        let unknown = ["notes/readme.txt", "gcode/nobody.txt"];
        for key in orphans.iter().map(String::as_str).chain(unknown) {
            storage.put(key, "bytes").await.unwrap();
        }
        let own = format!("models/{id}/extra.png");
        orphans.retain(|key| *key != own);

        let sweep = |minutes: u64| {
            memoreez::orphans::sweep(&app.state.db, storage, Duration::from_secs(minutes * 60))
        };
        let young = sweep(60).await.unwrap();
        assert!(young.removed.is_empty(), "nothing is an hour old yet: {:?}", young.removed);
        let swept = sweep(0).await.unwrap();
        let mut removed = swept.removed.clone();
        removed.sort();
        assert_eq!(removed, orphans);
        assert_eq!(swept.looked_at, named.len() + orphans.len() + unknown.len() + 1);
        let mut left = named.clone();
        left.extend(unknown.iter().map(|key| key.to_string()));
        left.push(own);
        left.sort();
        assert_eq!(keys().await, left);
        // The empty folders go with them.
        assert!(!app.dir.path().join("files/lab/Uploaded/Nobody_Filament_Red_zzzzzzzzzz").exists());
        assert!(sweep(0).await.unwrap().removed.is_empty(), "a second sweep finds nothing");
    })
    .await;
}

/// Every route caps its body before a handler reads it: a form or JSON at
/// 64 KB, an upload at the model size plus its fields. A declared length
/// over the cap gets 413 in the caller's terms; a body sent without one is
/// cut off; nothing is kept either way.
pub async fn oversized_bodies_are_refused_before_they_are_read(kind: Kind) {
    let change = |state: &mut AppState| configure(state, |config| config.max_model_mb = 1);
    with_changed_app(kind, change, |app| async move {
        use leptos::server_fn::ServerFn;
        let sized = |path: &str, content_type: &str, body: Vec<u8>| {
            Request::post(path)
                .header("content-type", content_type)
                .header("content-length", body.len())
                .body(Body::from(body))
                .unwrap()
        };
        let facts = "x".repeat(70 * 1024);
        let story = serde_json::json!({ "hobbies": ["sailing"], "facts": facts }).to_string().into_bytes();
        let api = app.send(sized("/api/creations", "application/json", story)).await;
        assert_eq!(api.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", api.text());
        assert!(api.json()["error"].as_str().unwrap().contains("at most 64 KB"), "{}", api.text());

        // A page's script gets its server function's own error; a plain form, a page.
        let form = format!("hobbies=sailing&facts={facts}").into_bytes();
        let urlencoded = "application/x-www-form-urlencoded";
        let script = app.send(sized(app::creation::CreateCreation::PATH, urlencoded, form.clone())).await;
        assert_eq!(script.status, StatusCode::PAYLOAD_TOO_LARGE);
        let error: app::error::AppError = serde_json::from_slice(&script.body).expect("an AppError");
        assert!(error.to_string().contains("at most 64 KB"), "{error:?}");
        let mut plain = sized(app::creation::CreateCreation::PATH, urlencoded, form.clone());
        plain.headers_mut().insert("accept", "text/html".parse().unwrap());
        let page = app.send(plain).await;
        assert_eq!(page.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert!(page.text().contains("at most 64 KB") && page.text().contains("<h1>"), "{}", page.text());

        // Without a declared length the body is cut off at the cap: refused, never held whole.
        let chunks = (0..40).map(|_| Ok::<_, std::io::Error>(bytes::Bytes::from(vec![b'a'; 4096])));
        let streamed = Request::post(app::creation::CreateCreation::PATH)
            .header("content-type", urlencoded)
            .body(Body::from_stream(futures_util::stream::iter(chunks)))
            .unwrap();
        let streamed = app.send(streamed).await;
        assert!(
            streamed.status.is_client_error() || streamed.status.is_server_error(),
            "{}",
            streamed.text()
        );

        // An upload may be a model file (1 MB here) and its fields; more is 413 at once.
        let (content_type, body) =
            super::multipart_body(&[("file", Some("big.stl"), &vec![b's'; 2_200_000])]);
        let upload = app.send(sized("/api/lab/submissions", &content_type, body.clone())).await;
        assert_eq!(upload.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", upload.text());
        assert!(upload.json()["error"].as_str().unwrap().contains("at most 2 MB"), "{}", upload.text());
        // Within the cap the form reader holds the file itself to 1 MB.
        let (content_type, body) =
            super::multipart_body(&[("file", Some("big.stl"), &vec![b's'; 1_500_000])]);
        let upload = app.send(sized("/api/creations/upload", &content_type, body)).await;
        assert_eq!(upload.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", upload.text());
        assert!(upload.json()["error"].as_str().unwrap().contains("1 MB"), "{}", upload.text());

        assert_eq!((app.count("creations").await, app.count("print_jobs").await), (0, 0));
        assert!(app.state.storage.list_dated().await.unwrap().is_empty());
    })
    .await;
}
