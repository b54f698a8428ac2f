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
    let token = memoreez::staff::sign_in::sign_in(db, "test", "correct-horse-battery").await.unwrap();
    format!("{}={token}", memoreez::staff::sign_in::COOKIE_NAME)
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
        let link = memoreez::staff::setup::link(&app.state);
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
        let senders = (0..4).map(|_| memoreez::mail::sender::send_due(db, config));
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
