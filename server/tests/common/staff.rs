//! Staff sign-in on every backend: first-run setup only with this server's
//! code, the password hashed, wrong passwords rate limited, the session
//! cookie HttpOnly and SameSite=Strict, idle sessions ended, cross-site
//! POSTs refused, and the outbox only for staff.

use http::{Request, StatusCode};

use super::{Kind, Reply, TestApp, with_app};

/// Sets a staff password and signs in; the session's cookie.
pub(crate) async fn staff_cookie(app: &TestApp) -> String {
    let db = &app.state.db;
    memoreez::staff::sign_in::set_password(db, "correct-horse-battery", "correct-horse-battery")
        .await
        .unwrap();
    let token = memoreez::staff::sign_in::sign_in(db, "test", "correct-horse-battery", false).await.unwrap();
    format!("{}={token}", memoreez::staff::sign_in::COOKIE_NAME)
}

/// A staff session as the sign-in check makes it, for calling a room's staff
/// operations directly (they take one). Signs in once more with the tests'
/// password (setting it when none is set), so other sessions stay signed in.
pub(crate) async fn staff_session(app: &TestApp) -> memoreez::staff::StaffSession {
    let db = &app.state.db;
    let password = "correct-horse-battery";
    if !memoreez::staff::sign_in::password_is_set(db).await.unwrap() {
        memoreez::staff::sign_in::set_password(db, password, password).await.unwrap();
    }
    let token = memoreez::staff::sign_in::sign_in(db, "test", password, true).await.unwrap();
    let mut headers = http::HeaderMap::new();
    let cookie = format!("{}={token}", memoreez::staff::sign_in::COOKIE_NAME);
    headers.insert(http::header::COOKIE, cookie.parse().unwrap());
    memoreez::staff::StaffSession::check(db, &headers, 60).await.unwrap().expect("a live session")
}

/// Calls a server function with a form body, as a page's script does.
pub(crate) async fn call(
    app: &TestApp,
    name: &str,
    form: &str,
    cookie: Option<&str>,
    origin: Option<&str>,
) -> Reply {
    let mut request = Request::post(format!("/api/{name}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("host", "127.0.0.1:3000");
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    if let Some(origin) = origin {
        request = request.header("origin", origin);
    }
    app.send(request.body(axum::body::Body::from(form.to_string())).unwrap()).await
}

fn error_of(reply: &Reply) -> String {
    reply.json().to_string()
}

pub async fn staff_sign_in_guards_the_outbox(kind: Kind) {
    with_app(kind, |app| async move {
        let status = call(&app, "staff_status", "", None, None).await.json();
        assert_eq!(status, serde_json::json!({ "signed_in": false, "password_set": false }));
        assert_eq!(call(&app, "staff_outbox", "", None, None).await.status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            call(&app, "staff_sign_in", "password=anything-at-all", None, None).await.status,
            StatusCode::UNPROCESSABLE_ENTITY
        );

        // Setup needs this server's code, a long enough password typed twice, and happens once.
        let link = memoreez::staff::setup::link(&app.state.links, &app.state.config.public_url);
        let code = link.split("code=").nth(1).unwrap();
        for (form, says) in [
            (
                "code=forged&password=correct-horse-battery&repeat=correct-horse-battery".to_string(),
                "not this server",
            ),
            (format!("code={code}&password=short&repeat=short"), "at least 10"),
            (
                format!("code={code}&password=correct-horse-battery&repeat=correct-horse-batter"),
                "not the same",
            ),
        ] {
            let reply = call(&app, "staff_setup", &form, None, None).await;
            assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{form}");
            assert!(error_of(&reply).contains(says), "{form}: {}", error_of(&reply));
        }
        let form = format!("code={code}&password=correct-horse-battery&repeat=correct-horse-battery");
        let set = call(&app, "staff_setup", &form, None, None).await;
        assert!(set.status.is_success() || set.status.is_redirection(), "{}", set.text());
        let again = call(&app, "staff_setup", &form, None, None).await;
        assert!(error_of(&again).contains("already set"), "{}", again.text());
        let stored: String = sqlx::query_scalar("SELECT value FROM secrets WHERE name = 'staff_password'")
            .fetch_one(app.state.db.pool())
            .await
            .unwrap();
        assert!(stored.starts_with("$argon2id$") && !stored.contains("correct-horse"), "{stored}");

        // Wrong passwords: five a minute, then even the right one waits.
        for _ in 0..5 {
            let wrong = call(&app, "staff_sign_in", "password=wrong-password-here", None, None).await;
            assert!(error_of(&wrong).contains("not the staff password"), "{}", wrong.text());
        }
        let limited = call(&app, "staff_sign_in", "password=correct-horse-battery", None, None).await;
        assert!(error_of(&limited).contains("Too many wrong passwords"), "{}", limited.text());
        sqlx::query("UPDATE login_attempts SET at = at - 61000").execute(app.state.db.pool()).await.unwrap();

        let signed_in = call(&app, "staff_sign_in", "password=correct-horse-battery", None, None).await;
        assert!(signed_in.status.is_success() || signed_in.status.is_redirection(), "{}", signed_in.text());
        let set_cookie = signed_in.header("set-cookie").expect("a session cookie");
        assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"), "{set_cookie}");
        assert!(!set_cookie.contains("Secure"), "plain http in tests");
        let cookie = set_cookie.split(';').next().unwrap().to_string();

        let outbox = call(&app, "staff_outbox", "", Some(&cookie), Some("http://127.0.0.1:3000")).await;
        assert_eq!(outbox.status, StatusCode::OK, "{}", outbox.text());
        assert!(outbox.json().is_array());
        // Another site's page posting with the cookie is refused.
        let forged = call(&app, "staff_outbox", "", Some(&cookie), Some("https://evil.example")).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        // The pages render for staff.
        let page = app.get("/staff/outbox", Some(&cookie)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.text().contains("data-testid=\"outbox\""), "{}", page.text());

        // An idle session ends; signing out ends one at once.
        sqlx::query("UPDATE staff_sessions SET last_seen_at = 0").execute(app.state.db.pool()).await.unwrap();
        assert_eq!(
            call(&app, "staff_outbox", "", Some(&cookie), None).await.status,
            StatusCode::UNAUTHORIZED
        );
        let second = call(&app, "staff_sign_in", "password=correct-horse-battery", None, None).await;
        let cookie = second.header("set-cookie").unwrap().split(';').next().unwrap().to_string();
        assert_eq!(call(&app, "staff_outbox", "", Some(&cookie), None).await.status, StatusCode::OK);
        let out = call(&app, "staff_sign_out", "", Some(&cookie), None).await;
        assert!(out.header("set-cookie").unwrap().contains("Max-Age=0"));
        assert_eq!(
            call(&app, "staff_outbox", "", Some(&cookie), None).await.status,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(app.count("staff_sessions").await, 0);
    })
    .await;
}

/// Sixty wrong passwords at once from one address: the attempts are
/// recorded before any is checked, so at most five reach Argon2; the rest
/// are told to wait, and so is the right password after them.
pub async fn parallel_guesses_check_at_most_five_passwords(kind: Kind) {
    with_app(kind, |app| async move {
        let db = &app.state.db;
        memoreez::staff::sign_in::set_password(db, "correct-horse-battery", "correct-horse-battery")
            .await
            .unwrap();
        let app = &app;
        let guesses = (0..60).map(|i| async move {
            call(app, "staff_sign_in", &format!("password=wrong-guess-{i:03}"), None, None).await
        });
        let replies = futures_util::future::join_all(guesses).await;
        let checked = replies.iter().filter(|r| error_of(r).contains("not the staff password")).count();
        let waited = replies.iter().filter(|r| error_of(r).contains("Too many wrong passwords")).count();
        assert_eq!(
            checked + waited,
            60,
            "every guess answered: {:?}",
            replies.iter().map(error_of).collect::<Vec<_>>()
        );
        // All may be told to wait (every one recorded before any counted),
        // never more than five checked.
        assert!(
            checked <= memoreez::staff::sign_in::MAX_FAILED_PER_MINUTE as usize,
            "{checked} passwords checked"
        );
        println!("60 parallel guesses: {checked} checked, {waited} told to wait");
        let right = call(app, "staff_sign_in", "password=correct-horse-battery", None, None).await;
        assert!(error_of(&right).contains("Too many wrong passwords"), "{}", right.text());
    })
    .await;
}

/// A guess from each of sixty addresses: past the site's cap the rest are
/// refused (429 with the wait) without a check, one address locked out on
/// its own counts only its share, and staff on a computer that signed in
/// before still get in.
pub async fn guesses_from_many_addresses_meet_a_site_wide_cap_that_known_computers_pass(kind: Kind) {
    use memoreez::staff::sign_in::{
        self, GLOBAL_FAILED_PER_MINUTE, MAX_FAILED_PER_MINUTE, StaffError, sign_in as try_password,
    };
    with_app(kind, |app| async move {
        let db = &app.state.db;
        let right = "correct-horse-battery";
        sign_in::set_password(db, right, right).await.unwrap();

        // One address locks itself out; staff elsewhere are not held up by it.
        for _ in 0..12 {
            let _ = try_password(db, "203.0.113.9", "wrong-guess", false).await;
        }
        let locked = try_password(db, "203.0.113.9", right, false).await;
        assert!(matches!(locked, Err(StaffError::TooManyTries(_))), "{locked:?}");
        assert!(try_password(db, "198.51.100.1", right, false).await.is_ok());

        // A wrong guess from each of sixty other addresses.
        let mut checked = 0;
        let mut refused = Vec::new();
        for n in 0..60 {
            match try_password(db, &format!("192.0.2.{n}"), "wrong-guess", false).await {
                Err(StaffError::WrongPassword) => checked += 1,
                Err(StaffError::SiteBusy(wait)) => refused.push(wait),
                other => panic!("{other:?}"),
            }
        }
        // The locked-out address counted at most its share of the cap.
        let share = MAX_FAILED_PER_MINUTE;
        assert_eq!(checked, GLOBAL_FAILED_PER_MINUTE - share, "checked before the cap");
        assert_eq!(refused.len() as i64, 60 - checked);
        assert!(refused.iter().all(|wait| (1..=60).contains(wait)), "{refused:?}");
        let reply = app::error::AppError::from(StaffError::SiteBusy(42));
        assert_eq!(reply.status(), 429);

        // A new address is refused even with the right password; a computer
        // that signed in before (its signed cookie) gets in.
        let stranger = try_password(db, "198.51.100.2", right, false).await;
        assert!(matches!(stranger, Err(StaffError::SiteBusy(_))), "{stranger:?}");
        assert!(try_password(db, "198.51.100.2", right, true).await.is_ok());

        // Through the page: the first sign-in leaves the known-computer
        // cookie, and with it the cap is passed.
        let now = memoreez::platform::time::now_ms();
        let token = sign_in::device_token(&app.state.links, now);
        let mut headers = http::HeaderMap::new();
        headers.insert("cookie", format!("{}={token}", sign_in::DEVICE_COOKIE).parse().unwrap());
        assert!(sign_in::known_device(&app.state.links, &headers, now));
        headers.insert("cookie", format!("{}=9999999999.forged", sign_in::DEVICE_COOKIE).parse().unwrap());
        assert!(!sign_in::known_device(&app.state.links, &headers, now));
        let refused = call(&app, "staff_sign_in", &format!("password={right}"), None, None).await;
        assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS, "{}", refused.text());
        assert!(refused.header("retry-after").is_some());
        let cookie = format!("{}={token}", sign_in::DEVICE_COOKIE);
        let known = call(&app, "staff_sign_in", &format!("password={right}"), Some(&cookie), None).await;
        assert_eq!(known.status, StatusCode::OK, "{}", known.text());
    })
    .await;
}

/// Every table's row count, to show a refused request changed nothing.
async fn table_counts(app: &TestApp, kind: Kind) -> Vec<(String, i64)> {
    let list = match kind {
        Kind::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        }
        Kind::Postgres => {
            "SELECT CAST(table_name AS TEXT) FROM information_schema.tables \
             WHERE table_schema = current_schema() ORDER BY table_name"
        }
    };
    let tables: Vec<String> = sqlx::query_scalar(list).fetch_all(app.state.db.pool()).await.unwrap();
    let mut counts = Vec::new();
    for table in tables {
        counts.push((table.clone(), app.count(&table).await));
    }
    counts
}

/// The route paths the server's code declares (`.route("…"`), read from its source.
fn routes_in_source() -> Vec<String> {
    fn walk(folder: &std::path::Path, found: &mut Vec<String>) {
        for entry in std::fs::read_dir(folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, found);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                let source = std::fs::read_to_string(&path).unwrap();
                let mut rest = source.as_str();
                while let Some(at) = rest.find(".route(") {
                    rest = rest[at + ".route(".len()..].trim_start();
                    if let Some(quoted) = rest.strip_prefix('"') {
                        found.push(quoted[..quoted.find('"').unwrap()].to_string());
                    }
                }
            }
        }
    }
    let mut found = Vec::new();
    walk(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut found);
    found.sort();
    found.dedup();
    found
}

/// Every staff server function (as registered, read from the server itself)
/// and every staff route (as declared in the source) answers a caller
/// without a staff session with 401 (or 403 from another site), whatever
/// the arguments, and changes nothing; a signed-in call with its arguments
/// left out is a plain 400, never a 500 that names our internals.
pub async fn every_staff_function_and_route_refuses_a_stranger(kind: Kind) {
    use memoreez::http::middleware::staff_gate::{staff_function, staff_route};
    with_app(kind, move |app| async move {
        let cookie = staff_cookie(&app).await;
        let (job, _) = super::lab::submitted(&app).await;
        let before = table_counts(&app, kind).await;

        let functions: Vec<(String, http::Method)> = leptos::server_fn::axum::server_fn_paths()
            .filter(|(path, _)| staff_function(path))
            .map(|(path, method)| (path.to_string(), method))
            .collect();
        assert!(functions.len() >= 12, "the staff server functions are found: {functions:?}");
        let routes: Vec<String> = routes_in_source().into_iter().filter(|path| staff_route(path)).collect();
        assert!(routes.len() >= 2, "the staff routes are found: {routes:?}");

        let wrong_cookie = format!("{}=not-a-session", memoreez::staff::sign_in::COOKIE_NAME);
        let bodies = [
            String::new(),
            format!("id={job}&action=approve&weight_g=10&print_hours=1&status=&step=send&form[name]=x"),
        ];
        let mut tried = 0;
        for (path, method) in &functions {
            for body in &bodies {
                for cookie in [None, Some(wrong_cookie.as_str())] {
                    let mut request = Request::builder()
                        .method(method.clone())
                        .uri(path.as_str())
                        .header("content-type", "application/x-www-form-urlencoded")
                        .header("host", "127.0.0.1:3000");
                    if let Some(cookie) = cookie {
                        request = request.header("cookie", cookie);
                    }
                    let reply = app.send(request.body(axum::body::Body::from(body.clone())).unwrap()).await;
                    assert!(
                        matches!(reply.status.as_u16(), 401 | 403),
                        "{method} {path} ({body:?}) answered {}: {}",
                        reply.status,
                        reply.text()
                    );
                    tried += 1;
                }
            }
        }
        for route in &routes {
            let path = route.replace("{file}", "funnel.csv").replace("{id}", &job);
            for method in [http::Method::GET, http::Method::POST] {
                let request =
                    Request::builder().method(method.clone()).uri(&path).header("host", "127.0.0.1:3000");
                let reply = app.send(request.body(axum::body::Body::empty()).unwrap()).await;
                // 405: the route has no such method, and nothing runs either.
                assert!(
                    matches!(reply.status.as_u16(), 401 | 403 | 405),
                    "{method} {path} answered {}: {}",
                    reply.status,
                    reply.text()
                );
                tried += 1;
            }
        }
        println!("{tried} staff calls without a session, each refused");
        assert_eq!(table_counts(&app, kind).await, before, "nothing changed");

        // Signed in, a call with its arguments left out or unreadable is the
        // caller's mistake, said plainly.
        for (name, body) in [("staff_job", ""), ("staff_job_action", "id=x"), ("staff_remove_printer", "")] {
            let reply = call(&app, name, body, Some(&cookie), None).await;
            assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{name}: {}", reply.text());
            let text = reply.text();
            assert!(text.contains("missing something"), "{name}: {text}");
            assert!(!text.contains("Unreachable") && !text.contains("deserializ"), "{name}: {text}");
        }
    })
    .await;
}

/// Four senders at once (as four instances' mail workers) over one outbox:
/// every message goes out once, and once sent the database keeps none of
/// its links' tokens.
pub async fn mail_is_sent_once_by_many_senders_and_keeps_no_tokens(kind: Kind) {
    with_app(kind, |app| async move {
        let db = &app.state.db;
        let mut tx = db.pool().begin().await.unwrap();
        for n in 0..12 {
            let link = format!("https://lab.example/lab/jobs/j{n}?t=SECRET-token-{n:02}");
            let mail = memoreez::mail::outbox::Mail {
                kind: "lab_received",
                to: format!("student{n}@example.edu"),
                subject: format!("Your print {n}"),
                text: format!("Follow it here: {link}\n"),
                html: format!("<p><a href=\"{link}\">Follow it</a></p>"),
            };
            memoreez::mail::outbox::enqueue(&mut tx, &mail).await.unwrap();
        }
        tx.commit().await.unwrap();
        let config = &app.state.config;
        let senders = (0..4).map(|_| memoreez::mail::sender::send_due(db, &app.state.storage, config));
        let sent: usize = futures_util::future::join_all(senders).await.into_iter().map(Result::unwrap).sum();
        assert_eq!(sent, 12, "each message sent by exactly one sender");
        let attempts: Vec<i64> = sqlx::query_scalar("SELECT attempts FROM outbox WHERE kind = 'lab_received'")
            .fetch_all(db.pool())
            .await
            .unwrap();
        assert_eq!(attempts, vec![1; 12], "no message sent twice");
        let written = std::fs::read_dir(app.state.config.files_dir.join("outbox")).unwrap().count();
        assert_eq!(written, 12);
        let kept: Vec<(String, String, String, String)> = sqlx::query_as(
            "SELECT recipient, subject, text_body, html_body FROM outbox WHERE kind = 'lab_received' AND status = 'sent'",
        )
        .fetch_all(db.pool())
        .await
        .unwrap();
        assert_eq!(kept.len(), 12);
        for (to, subject, text, html) in kept {
            assert!(to.ends_with("@example.edu") && subject.starts_with("Your print"), "kept: {to} {subject}");
            assert!(!text.contains("SECRET") && !html.contains("SECRET"), "{text} {html}");
            assert!(text.contains("/lab/jobs/") && text.contains("removed once sent"), "{text}");
        }
    })
    .await;
}
