//! Protection on every backend: per-address limits on expensive requests
//! (429 with Retry-After, then a block), the trusted-proxy setting, the
//! customer's generation session, security headers with the page's CSP
//! nonce, and the CORS allow-list.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::ConnectInfo;
use http::{Request, StatusCode};
use memoreez::platform::config::Config;
use memoreez::state::{AppState, StateParts};

use super::{Kind, Reply, TestApp, with_changed_app};

/// The app with its configuration changed, and what is derived from it.
fn configure(state: &mut StateParts, change: impl FnOnce(&mut Config)) {
    let mut config = (*state.config).clone();
    change(&mut config);
    state.trusted_proxies =
        memoreez::platform::client_address::TrustedProxies::parse(&config.trusted_proxies).unwrap();
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
    let change = |state: &mut StateParts| {
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
    let change = |state: &mut StateParts| configure(state, |config| config.generations_per_session = 2);
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
    // Behind HTTPS: HSTS, and Secure on every cookie (named with the __Host- prefix).
    let https = |state: &mut StateParts| {
        configure(state, |config| config.public_url = "https://memoreez.example".into())
    };
    with_changed_app(kind, https, |app| async move {
        let created = app.post_json("/api/creations", STORY, None).await;
        assert_eq!(created.header("strict-transport-security").as_deref(), Some("max-age=31536000"));
        for name in ["__Host-memoreez_visitor", "__Host-memoreez_session"] {
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
    let listed = |state: &mut StateParts| {
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
            // A run of a model job that no completed job points at: its lease was lost.
            format!("models/{id}/lost-1/model.stl"),
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
            memoreez::workers::orphans::sweep(&app.state.db, storage, Duration::from_secs(minutes * 60))
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
    let change = |state: &mut StateParts| configure(state, |config| config.max_model_mb = 1);
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
        let script =
            app.send(sized(app::server_fns::creations::CreateCreation::PATH, urlencoded, form.clone())).await;
        assert_eq!(script.status, StatusCode::PAYLOAD_TOO_LARGE);
        let error: app::error::AppError = serde_json::from_slice(&script.body).expect("an AppError");
        assert!(error.to_string().contains("at most 64 KB"), "{error:?}");
        let mut plain = sized(app::server_fns::creations::CreateCreation::PATH, urlencoded, form.clone());
        plain.headers_mut().insert("accept", "text/html".parse().unwrap());
        let page = app.send(plain).await;
        assert_eq!(page.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert!(page.text().contains("at most 64 KB") && page.text().contains("<h1>"), "{}", page.text());

        // Without a declared length the body is cut off at the cap: refused, never held whole.
        let chunks = (0..40).map(|_| Ok::<_, std::io::Error>(bytes::Bytes::from(vec![b'a'; 4096])));
        let streamed = Request::post(app::server_fns::creations::CreateCreation::PATH)
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

/// Mesh work has one budget: an address gets two heavy requests at once
/// (the next is 429 before anything is built), a full queue is 503, and a
/// keepsake is built once for its model and settings, whoever downloads it.
pub async fn mesh_work_is_shared_out_and_keepsakes_are_built_once(kind: Kind) {
    super::with_app(kind, |app| async move {
        let (id, cookie, _) = super::checkout::priced_keepsake(&app).await;
        let stl_path = format!("/api/creations/{id}/keepsake.stl");
        // Pricing built the keepsake; its downloads find it built.
        let builds = app.state.keepsakes.builds();
        let first = app.get(&stl_path, Some(&cookie)).await;
        assert_eq!(first.status, StatusCode::OK, "{}", first.text());
        let three_mf = app.get(&format!("/api/creations/{id}/keepsake.3mf"), Some(&cookie)).await;
        assert_eq!(three_mf.status, StatusCode::OK);
        let parallel =
            futures_util::future::join_all((0..4).map(|_| app.get(&stl_path, Some(&cookie)))).await;
        for reply in &parallel {
            assert!(
                reply.status == StatusCode::OK || reply.status == StatusCode::TOO_MANY_REQUESTS,
                "{}",
                reply.status
            );
            if reply.status == StatusCode::OK {
                assert_eq!(reply.body, first.body, "one keepsake, the same bytes");
            }
        }
        assert_eq!(app.state.keepsakes.builds(), builds, "downloads built nothing");

        // New settings: a new keepsake, built once, then found.
        let priced = app
            .post_json(
                &format!("/api/creations/{id}/studio/quote"),
                &super::suite::studio_settings("Other", 0.6),
                Some(&cookie),
            )
            .await;
        assert_eq!(priced.status, StatusCode::ACCEPTED, "{}", priced.text());
        assert_eq!(app.state.keepsakes.builds(), builds + 1);
        let changed = app.get(&stl_path, Some(&cookie)).await;
        assert_eq!(changed.status, StatusCode::OK);
        assert_ne!(changed.body, first.body);
        assert_eq!(app.state.keepsakes.builds(), builds + 1);

        // The router's requests have no connection: their address is "unknown".
        let held =
            [app.state.mesh_work.admit("unknown").unwrap(), app.state.mesh_work.admit("unknown").unwrap()];
        let refused = app.get(&stl_path, Some(&cookie)).await;
        assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS, "{}", refused.text());
        assert!(refused.header("retry-after").is_some());
        // Light requests are not held up by the address's heavy ones.
        assert_eq!(app.get("/", None).await.status, StatusCode::OK);
        drop(held);
        assert_eq!(app.get(&stl_path, Some(&cookie)).await.status, StatusCode::OK);

        // Every place in the queue taken (by other addresses): 503 with Retry-After.
        let mut others = Vec::new();
        while let Ok(admission) =
            app.state.mesh_work.admit(&format!("10.9.{}.{}", others.len() / 250, others.len() % 250))
        {
            others.push(admission);
        }
        let full = app.get(&stl_path, Some(&cookie)).await;
        assert_eq!(full.status, StatusCode::SERVICE_UNAVAILABLE, "{}", full.text());
        assert_eq!(full.header("retry-after").as_deref(), Some("5"));
        assert!(full.text().contains("busy building models"), "{}", full.text());
        drop(others);
        assert_eq!(app.get(&stl_path, Some(&cookie)).await.status, StatusCode::OK);
    })
    .await;
}

/// Behind HTTPS our cookies are `__Host-` cookies: Secure, Path=/, no
/// Domain. The prefixed cookie is the visitor's; the same token sent
/// without the prefix (as a neighbouring subdomain could plant it) is nobody's.
pub async fn cookies_behind_https_carry_the_host_prefix(kind: Kind) {
    let https =
        |state: &mut StateParts| configure(state, |config| config.public_url = "https://shop.example".into());
    with_changed_app(kind, https, |app| async move {
        let reply = app.post_json("/api/creations", STORY, None).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
        let set: Vec<String> =
            reply.headers.get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_string()).collect();
        assert!(!set.is_empty());
        for cookie in &set {
            assert!(cookie.starts_with("__Host-memoreez_"), "{cookie}");
            assert!(
                cookie.contains("; Secure") && cookie.contains("Path=/") && !cookie.contains("Domain"),
                "{cookie}"
            );
        }
        let prefixed = set
            .iter()
            .find(|c| c.starts_with("__Host-memoreez_visitor="))
            .map(|c| c.split(';').next().unwrap().to_string())
            .expect("the visitor's cookie");
        let plain = prefixed.trim_start_matches("__Host-").to_string();
        let page = format!("/create/{}", reply.json()["id"].as_str().unwrap());
        assert_eq!(app.get(&page, Some(&prefixed)).await.status, StatusCode::OK);
        assert_eq!(app.get(&page, Some(&plain)).await.status, StatusCode::NOT_FOUND);
        // Other sites' cookies pass untouched beside ours.
        let both = format!("theme=dark; {prefixed}");
        assert_eq!(app.get(&page, Some(&both)).await.status, StatusCode::OK);
    })
    .await;

    // Over plain HTTP (a machine's own address) the names stay as they are.
    super::with_app(kind, |app| async move {
        let reply = app.post_json("/api/creations", STORY, None).await;
        let cookie = reply.header("set-cookie").unwrap();
        assert!(cookie.starts_with("memoreez_") && !cookie.contains("Secure"), "{cookie}");
    })
    .await;
}

/// Live streams are capped per address and end after their lifetime (the
/// page opens a new one): two staff feeds at once from one address here, a
/// third refused with 429 until one closes; a held feed ends by itself.
pub async fn live_streams_are_capped_and_end_in_time(kind: Kind) {
    let limits = |state: &mut StateParts| {
        configure(state, |config| {
            config.streams_per_client = 2;
            config.stream_lifetime_s = 1;
        });
        state.changes = memoreez::platform::changes::Changes::with_limits(state.config.stream_limits());
    };
    with_changed_app(kind, limits, |app| async move {
        use http_body_util::BodyExt;
        let cookie = super::staff::staff_cookie(&app).await;
        let feed =
            || Request::get("/api/staff/events").header("cookie", &cookie).body(Body::empty()).unwrap();
        let first = app.open(feed()).await;
        let second = app.open(feed()).await;
        assert_eq!((first.status(), second.status()), (StatusCode::OK, StatusCode::OK));
        assert_eq!(app.state.changes.open_streams(), 2);
        let third = app.send(feed()).await;
        assert_eq!(third.status, StatusCode::TOO_MANY_REQUESTS, "{}", third.text());
        assert!(third.header("retry-after").is_some());
        drop(second);
        assert_eq!(app.state.changes.open_streams(), 1);
        let again = app.open(feed()).await;
        assert_eq!(again.status(), StatusCode::OK);

        // Each ends by itself once its second is up, having said where the lab stands.
        let started = std::time::Instant::now();
        let body = tokio::time::timeout(std::time::Duration::from_secs(10), first.into_body().collect())
            .await
            .expect("the stream ended")
            .unwrap()
            .to_bytes();
        assert!(String::from_utf8_lossy(&body).contains("event: lab"));
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        drop(again);
        assert_eq!(app.state.changes.open_streams(), 0);
    })
    .await;
}

/// Ten pages following one job share one reader of its row: the database
/// is read about as often as for one page, and the reader stops with the
/// last of them.
pub async fn streams_of_one_topic_share_one_reader(kind: Kind) {
    super::with_app(kind, |app| async move {
        let upload = app
            .post_multipart("/api/creations/upload", &[("file", Some("box.stl"), &super::suite::box_stl())])
            .await;
        assert_eq!(upload.status, StatusCode::CREATED, "{}", upload.text());
        // No workers run here: the job stays queued, and its streams open.
        let events = upload.json()["events_url"].as_str().unwrap().to_string();
        let readings = &app.state.readings.jobs;
        let mut open = Vec::new();
        for _ in 0..10 {
            let stream = app.open(Request::get(&events).body(Body::empty()).unwrap()).await;
            assert_eq!(stream.status(), StatusCode::OK);
            open.push(stream);
        }
        assert_eq!(readings.readers(), 1);
        let before = readings.reads();
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        let made = readings.reads() - before;
        // One reader re-reads every 200 ms (or on news); ten readers would make 50.
        assert!(made <= 8, "{made} reads in a second for ten streams");
        drop(open);
        assert_eq!(readings.readers(), 0);
    })
    .await;
}

/// A run of a model job whose lease was lost (it stalled, another worker
/// took the job over and finished) still writes, but into its own folder:
/// the model customers see, the studio builds on and the lab prints is the
/// winner's, and the loser's files are swept as nobody's.
pub async fn a_run_that_lost_its_lease_cannot_overwrite_the_winner(kind: Kind) {
    super::with_app(kind, |app| async move {
        use memoreez::generation::model3d::{self, Run};
        const MODEL_JOB: &str =
            <memoreez::generation::model3d::ModelJob as memoreez::jobs::kinds::Job>::KIND.name();
        let upload = app
            .post_multipart("/api/creations/upload", &[("file", Some("box.stl"), &super::suite::box_stl())])
            .await;
        assert_eq!(upload.status, StatusCode::CREATED, "{}", upload.text());
        let cookie = upload.visitor_cookie().unwrap();
        let id = upload.json()["id"].as_str().unwrap().to_string();
        let db = &app.state.db;
        // Run 1 claims the job with a lease that runs out at once; run 2 takes it over.
        let first = memoreez::jobs::queue::claim(db, &[MODEL_JOB], "stalled", 1).await.unwrap().unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        let second = memoreez::jobs::queue::claim(db, &[MODEL_JOB], "winner", 60_000).await.unwrap().unwrap();
        assert_eq!((first.id.as_str(), first.attempt, second.attempt), (second.id.as_str(), 1, 2));
        fn run(job: &memoreez::jobs::queue::Claimed) -> Run<'_> {
            Run { job_id: &job.id, attempt: job.attempt }
        }

        let job: model3d::ModelJob = serde_json::from_value(second.payload.clone()).unwrap();
        let won = model3d::make_model(
            &app.state.generation(),
            (&job, run(&second)),
            memoreez::jobs::queue::unheard(),
        )
        .await
        .unwrap();
        assert!(
            memoreez::jobs::queue::complete(db, &second.id, "winner", &serde_json::to_value(&won).unwrap())
                .await
                .unwrap()
        );
        // The stalled run wakes up and keeps another model: into its own folder only.
        let other = geometry::shapes::cuboid([0.0; 3], [40.0, 5.0, 5.0]);
        let storage_and_work = (&app.state.storage, &app.state.mesh_work);
        let lost = model3d::keep(
            storage_and_work,
            (&id, run(&first)),
            other,
            None,
            memoreez::jobs::queue::unheard(),
        )
        .await
        .unwrap();
        assert_ne!(lost.files, won.files);
        let lost_result = serde_json::to_value(&lost).unwrap();
        let finished = memoreez::jobs::queue::complete(db, &first.id, "stalled", &lost_result).await.unwrap();
        assert!(!finished, "the stalled run's lease is gone");

        let served = app.get(&format!("/media/models/{id}/model.stl"), Some(&cookie)).await;
        assert_eq!(served.status, StatusCode::OK);
        let winner = app.state.storage.get(&format!("{}/model.stl", won.files)).await.unwrap();
        assert_eq!(served.body, winner, "the winner's model is the one served");
        let studio = app.get(&format!("/api/creations/{id}/studio"), Some(&cookie)).await.json();
        assert_eq!(studio["model_height_mm"], 10.0, "the studio builds on the winner's box: {studio}");

        let swept = memoreez::workers::orphans::sweep(db, &app.state.storage, std::time::Duration::ZERO)
            .await
            .unwrap();
        let mut removed = swept.removed.clone();
        removed.sort();
        assert_eq!(removed, [format!("{}/model.stl", lost.files), format!("{}/thumbnail.png", lost.files)]);
        assert_eq!(app.get(&format!("/media/models/{id}/model.stl"), Some(&cookie)).await.body, winner);
    })
    .await;
}

/// A chat writer that counts its calls and writes what the composer writes.
#[derive(Debug, Default)]
struct CountingWriter(std::sync::atomic::AtomicUsize);

#[async_trait::async_trait]
impl memoreez::generation::concepts::writer::PromptWriter for CountingWriter {
    async fn briefs(
        &self,
        story: &app::story::Story,
        kind: app::creation::CreationKind,
        batch: usize,
    ) -> Vec<memoreez::generation::concepts::brief::Brief> {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        memoreez::generation::concepts::writer::Composer.briefs(story, kind, batch).await
    }
}

/// Each paid provider stops at its daily ceiling: racing calls never pass
/// it together, the day after starts afresh, a design past the image
/// service's ceiling fails with the reason (the others are drawn), and past
/// the chat service's ceiling the embedded composer writes the briefs.
pub async fn paid_providers_stop_at_their_daily_ceiling(kind: Kind) {
    use memoreez::platform::spend::{self, Allowance, Paid, SpendError};
    let writer = Arc::new(CountingWriter::default());
    let counted = writer.clone();
    let change = move |state: &mut StateParts| {
        configure(state, |config| {
            config.image_provider = memoreez::platform::config::Provider::Openai;
            (config.image_call_cents, config.image_daily_ceiling_cents) = (4, 8);
            config.prompt_provider = memoreez::platform::config::Provider::Openai;
            (config.prompt_call_cents, config.prompt_daily_ceiling_cents) = (1, 0);
        });
        state.writer = writer;
    };
    with_changed_app(kind, change, |app| async move {
        let db = &app.state.db;
        let allowance = Allowance { call_cents: 4, daily_ceiling_cents: 10 };
        let racing = (0..20).map(|_| spend::charge_on(db, Paid::Mesh, "2026-12-04", allowance));
        let outcomes = futures_util::future::join_all(racing).await;
        let passed = outcomes.iter().filter(|outcome| outcome.is_ok()).count();
        assert_eq!(passed, 2, "{outcomes:?}");
        assert!(
            outcomes.iter().all(|o| o.is_ok() || matches!(o, Err(SpendError::CeilingReached(Paid::Mesh))))
        );
        assert_eq!(spend::spent_on(db, Paid::Mesh, "2026-12-04").await.unwrap(), (8, 2));
        assert!(spend::charge_on(db, Paid::Mesh, "2026-12-05", allowance).await.is_ok(), "a new day");
        assert!(
            spend::charge_on(db, Paid::TextTo3d, "2026-12-04", allowance).await.is_ok(),
            "its own ceiling"
        );
        let dear = Allowance { call_cents: 11, daily_ceiling_cents: 10 };
        assert!(spend::charge_on(db, Paid::Image, "2026-12-01", dear).await.is_err(), "one call past it");
        // The embedded providers cost nothing and are never counted.
        assert_eq!(spend::allowance(&memoreez::platform::config::Config::default(), Paid::Image), None);

        let created = app.post_json("/api/creations", r#"{"hobbies": "sailing, jazz piano"}"#, None).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
        assert_eq!(counted.0.load(std::sync::atomic::Ordering::SeqCst), 0, "the chat service was not called");
        let id = created.json()["id"].as_str().unwrap().to_string();
        let cookie = created.visitor_cookie().unwrap();
        memoreez::workers::spawn(&app.state);
        let stream = app.get(&format!("/api/creations/{id}/concepts/stream"), Some(&cookie)).await.text();
        let events = super::suite::sse_events(&stream);
        let drawn = events.iter().filter(|(name, _, _)| name == "concept").count();
        let refused: Vec<_> = events.iter().filter(|(name, _, _)| name == "concept_failed").collect();
        assert_eq!((drawn, refused.len()), (2, 2), "{events:?}");
        for (_, _, data) in refused {
            assert!(
                data["reason"].as_str().unwrap().contains("Today's budget for drawing designs is used up"),
                "{data}"
            );
        }
        let today = memoreez::platform::time::lab_day(
            memoreez::platform::time::now_ms(),
            app.state.config.lab_zone(),
        );
        assert_eq!(spend::spent_on(db, Paid::Image, &today).await.unwrap(), (8, 2));
        assert_eq!(spend::spent_on(db, Paid::Prompt, &today).await.unwrap(), (0, 0));
    })
    .await;
}
