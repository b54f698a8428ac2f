//! Checkout on every backend: an order for a priced keepsake, its amounts
//! worked out by the server, its page by token, and its emails through the
//! outbox — as `.eml` files by default, and over real SMTP (Python's
//! aiosmtpd) including a retry after the server was down.

use std::sync::Arc;

use http::StatusCode;
use memoreez::platform::config::{Config, SmtpTls};
use serde_json::{Value, json};
use slicing::material::Material;

use super::suite::{box_stl, studio_settings};
use super::{Kind, TestApp, with_app, with_changed_app};

/// Uploads a box, makes its model and prices its keepsake; returns the
/// creation id, the visitor's cookie and the studio's view.
pub(crate) async fn priced_keepsake(app: &TestApp) -> (String, String, Value) {
    let reply = app.post_multipart("/api/creations/upload", &[("file", Some("box.stl"), &box_stl())]).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    let cookie = reply.visitor_cookie().unwrap();
    let answer = reply.json();
    let id = answer["id"].as_str().unwrap().to_string();
    app.model_made_for(&answer, &cookie).await;
    let priced = app
        .post_json(&format!("/api/creations/{id}/studio/quote"), &studio_settings("Pip", 0.8), Some(&cookie))
        .await;
    assert_eq!(priced.status, StatusCode::ACCEPTED, "{}", priced.text());
    let events = app.get(priced.json()["events_url"].as_str().unwrap(), None).await.text();
    assert!(events.contains("event: done"), "{events}");
    let studio = app.get(&format!("/api/creations/{id}/studio"), Some(&cookie)).await.json();
    (id, cookie, studio)
}

pub(crate) fn order_form(creation_id: &str) -> Value {
    json!({
        "creation_id": creation_id,
        "name": "Ada Lovelace",
        "email": "ada@example.com",
        "delivery": "ship",
        "address": { "line1": "12 Analytical Row", "city": "London", "postal_code": "N1 7AA", "country": "gb" },
        "quantity": 2,
        // Money from the browser is never read: these are ignored.
        "total_cents": 1,
        "unit_cents": 1,
    })
}

pub async fn an_order_is_priced_by_the_server_and_its_emails_are_written(kind: Kind) {
    with_app(kind, |app| async move {
        // Before the keepsake is priced there is nothing to order.
        let reply =
            app.post_multipart("/api/creations/upload", &[("file", Some("box.stl"), &box_stl())]).await;
        let early_cookie = reply.visitor_cookie().unwrap();
        let early_id = reply.json()["id"].as_str().unwrap().to_string();
        let early =
            app.post_json("/api/orders", &order_form(&early_id).to_string(), Some(&early_cookie)).await;
        assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.text());
        assert!(early.json()["error"].as_str().unwrap().contains("Get the exact price"));

        let (id, cookie, studio) = priced_keepsake(&app).await;
        let form = order_form(&id);
        let mut bad_email = form.clone();
        bad_email["email"] = json!("ada.example.com");
        let mut no_address = form.clone();
        no_address["address"] = Value::Null;
        let mut too_many = form.clone();
        too_many["quantity"] = json!(21);
        for (body, field) in [(bad_email, "email"), (no_address, "line1"), (too_many, "quantity")] {
            let refused = app.post_json("/api/orders", &body.to_string(), Some(&cookie)).await;
            assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.text());
            assert_eq!(refused.json()["field"], field);
        }
        let stranger = app.post_json("/api/orders", &form.to_string(), None).await;
        assert_eq!(stranger.status, StatusCode::NOT_FOUND);
        assert_eq!(app.count("orders").await, 0, "refused orders leave nothing");
        assert_eq!(app.count("outbox").await, 0);

        let placed = app.post_json("/api/orders", &form.to_string(), Some(&cookie)).await;
        assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.text());
        let placed = placed.json();
        assert_eq!(placed["status"], "pay_at_pickup");
        let order_url = placed["order_url"].as_str().unwrap();
        let (path, token) = order_url.split_once("?t=").unwrap();
        let order_id = path.trim_start_matches("/orders/");

        // The amounts are the shop's price book applied to the slicer's grams.
        let quote = &studio["quote"]["quote"];
        assert!(quote["engine"].as_str().unwrap().starts_with("prusa-slicer"), "{quote}");
        let book = &app.state.config.shop;
        let each = book.price(Material::Pla, quote["total_g"].as_f64().unwrap());
        let order = app.get(&format!("/api/orders/{order_id}?t={token}"), None).await;
        assert_eq!(order.status, StatusCode::OK, "{}", order.text());
        let order = order.json();
        let unit = each.material_cents + book.service_cents;
        assert_eq!(order["amounts"]["unit_cents"], unit);
        assert_eq!(order["amounts"]["shipping_cents"], book.shipping_cents);
        assert_eq!(order["amounts"]["total_cents"], 2 * unit + book.shipping_cents);
        assert_eq!(order["address"]["country"], "GB");
        assert_eq!(order["history"].as_array().unwrap().len(), 1);
        assert_eq!(order["history"][0]["status"], "pay_at_pickup");
        // The order keeps the keepsake as priced.
        let kept = app.state.storage.get(&memoreez::shop::orders::keepsake_key(order_id)).await.unwrap();
        let priced_stl = app.get(&format!("/api/creations/{id}/keepsake.stl"), Some(&cookie)).await.body;
        assert_eq!(kept, priced_stl);

        // The keepsake as ordered, pictured, for whoever has the link (no session needed).
        let picture = app.get(order["thumbnail_url"].as_str().unwrap(), None).await;
        assert_eq!(picture.status, StatusCode::OK);
        assert_eq!(picture.header("content-type").as_deref(), Some("image/png"));
        assert!(picture.body.starts_with(b"\x89PNG"));
        for wrong in [
            format!("/api/orders/{order_id}?t=nope"),
            format!("/api/orders/{order_id}x?t={token}"),
            format!("/api/orders/{order_id}/thumbnail.png?t=nope"),
        ] {
            assert_eq!(app.get(&wrong, None).await.status, StatusCode::NOT_FOUND, "{wrong}");
        }

        // A browser without JavaScript posts the checkout form and is sent to the order's page.
        let form_body = format!(
            "fields[creation_id]={id}&fields[name]=Grace+Hopper&fields[email]=grace%40example.com\
             &fields[delivery]=pickup&fields[quantity]=1"
        );
        let request = http::Request::post("/api/place_order")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "text/html")
            .header("cookie", &cookie)
            .body(axum::body::Body::from(form_body))
            .unwrap();
        let reply = app.send(request).await;
        assert_eq!(reply.status, StatusCode::FOUND, "{}", reply.text());
        let location = reply.header("location").expect("the order's page");
        assert!(location.starts_with("/orders/") && location.contains("?t="), "{location}");
        let page = app.get(&location, None).await;
        assert_eq!(page.status, StatusCode::OK);
        let html = page.text();
        assert!(
            html.contains("Grace Hopper") && html.contains(&format!("{}.{:02} USD", unit / 100, unit % 100)),
            "{html}"
        );
        assert_eq!(app.count("orders").await, 2);
        sqlx::query(
            "DELETE FROM outbox WHERE recipient = 'grace@example.com' OR text_body LIKE '%Grace Hopper%'",
        )
        .execute(app.state.db.pool())
        .await
        .unwrap();

        // The receipt and the lab's alert wait in the outbox, then go out as .eml files.
        assert_eq!(app.count("outbox").await, 2);
        let sent = memoreez::mail::sender::send_due(&app.state.db, &app.state.storage, &app.state.config)
            .await
            .unwrap();
        assert_eq!(sent, 2);
        assert_eq!(
            memoreez::mail::sender::send_due(&app.state.db, &app.state.storage, &app.state.config)
                .await
                .unwrap(),
            0,
            "sent once"
        );
        let folder = app.state.config.files_dir.join("outbox");
        let mut emails: Vec<String> = std::fs::read_dir(&folder)
            .unwrap()
            .map(|entry| unfold_quoted_printable(&std::fs::read_to_string(entry.unwrap().path()).unwrap()))
            .collect();
        emails.sort_by_key(|mail| !mail.contains("To: ada@example.com"));
        assert_eq!(emails.len(), 2, "no partial files left: {emails:?}");
        let total = format!(
            "{}.{:02} USD",
            (2 * unit + book.shipping_cents) / 100,
            (2 * unit + book.shipping_cents) % 100
        );
        assert!(
            emails[0].contains("Subject: Your Memoreez order") && emails[0].contains(&total),
            "{}",
            emails[0]
        );
        assert!(emails[0].contains("text/html") && emails[0].contains("text/plain"));
        assert!(emails[0].contains(token), "the receipt links to the order page: {}", emails[0]);
        assert!(
            emails[0].contains(&format!(
                "<img src=\"http://127.0.0.1:3000/api/orders/{order_id}/thumbnail.png?t={token}\""
            )),
            "the receipt shows the keepsake: {}",
            emails[0]
        );
        assert!(
            emails[1].contains("To: lab@memoreez.localhost") && emails[1].contains("Ada Lovelace"),
            "{}",
            emails[1]
        );
        // The lab's alert links the G-code the price came from, by a signed link that needs no login.
        let gcode_link = emails[1]
            .lines()
            .find_map(|line| line.split("G-code as priced: ").nth(1))
            .expect("a G-code link")
            .trim()
            .trim_start_matches("http://127.0.0.1:3000")
            .to_string();
        let gcode = app.get(&gcode_link, None).await;
        assert_eq!(gcode.status, StatusCode::OK, "{gcode_link}");
        assert!(
            gcode.text().contains("; generated by PrusaSlicer"),
            "{}",
            &gcode.text()[..200.min(gcode.text().len())]
        );
        let outbox =
            memoreez::mail::outbox::outbox(&app.state.db, &super::staff::staff_session(&app).await, 10)
                .await
                .unwrap();
        assert!(
            outbox.iter().all(|m| m.status == "sent" && m.attempts == 1 && m.sent_at_ms.is_some()),
            "{outbox:?}"
        );
    })
    .await;
}

/// Enough of quoted-printable decoding to search a message's text: soft
/// line breaks joined, `=3D` back to `=`.
fn unfold_quoted_printable(mail: &str) -> String {
    mail.replace("=\r\n", "").replace("=\n", "").replace("=3D", "=")
}

/// A free local port with nothing listening on it (yet).
pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Python's aiosmtpd, storing what it receives in a Maildir; stopped on drop.
pub(crate) struct SmtpServer {
    child: std::process::Child,
    maildir: tempfile::TempDir,
}

impl SmtpServer {
    pub(crate) async fn start(port: u16) -> SmtpServer {
        let maildir = tempfile::tempdir().unwrap();
        for part in ["tmp", "new", "cur"] {
            std::fs::create_dir(maildir.path().join(part)).unwrap();
        }
        let child = std::process::Command::new("python3")
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{port}"),
                "-c",
                "aiosmtpd.handlers.Mailbox",
            ])
            .arg(maildir.path())
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("python3 runs");
        let mut server = SmtpServer { child, maildir };
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return server;
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("aiosmtpd exited ({status}); `pip install aiosmtpd` (./dev test does)");
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("aiosmtpd did not start on port {port}");
    }

    pub(crate) fn received(&self) -> Vec<String> {
        let new = self.maildir.path().join("new");
        match std::fs::read_dir(new) {
            Ok(entries) => entries.map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap()).collect(),
            Err(_) => Vec::new(),
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub async fn mail_goes_over_smtp_and_is_retried_after_the_server_was_down(kind: Kind) {
    let port = free_port();
    let smtp = move |state: &mut memoreez::state::StateParts| {
        state.config = Arc::new(Config {
            smtp_host: "127.0.0.1".into(),
            smtp_port: port,
            smtp_tls: SmtpTls::None,
            ..(*state.config).clone()
        });
    };
    with_changed_app(kind, smtp, move |app| async move {
        let db = &app.state.db;
        let mut tx = db.pool().begin().await.unwrap();
        let mail = memoreez::mail::outbox::Mail {
            kind: "receipt",
            to: "ada@example.com".into(),
            subject: "Your Memoreez order — 12.73 USD".into(),
            text: "Thank you, Ada.\n".into(),
            html: "<p>Thank you, Ada.</p>".into(),
        };
        let id = memoreez::mail::outbox::enqueue(&mut tx, &mail).await.unwrap();
        tx.commit().await.unwrap();

        // Nobody listens yet: the message stays, with the reason and a later try.
        assert_eq!(
            memoreez::mail::sender::send_due(db, &app.state.storage, &app.state.config).await.unwrap(),
            0
        );
        let waiting = &memoreez::mail::outbox::outbox(db, &super::staff::staff_session(&app).await, 10)
            .await
            .unwrap()[0];
        assert_eq!(
            (waiting.id.as_str(), waiting.status.as_str(), waiting.attempts),
            (id.as_str(), "pending", 1)
        );
        assert!(!waiting.last_error.as_deref().unwrap_or_default().is_empty(), "{waiting:?}");
        assert_eq!(
            memoreez::mail::sender::send_due(db, &app.state.storage, &app.state.config).await.unwrap(),
            0,
            "not due again at once"
        );

        // The server comes up; once the retry falls due, the message goes out once.
        let server = SmtpServer::start(port).await;
        sqlx::query("UPDATE outbox SET next_attempt_at = 0").execute(db.pool()).await.unwrap();
        let sent = memoreez::mail::sender::send_due(db, &app.state.storage, &app.state.config).await.unwrap();
        assert_eq!(
            sent,
            1,
            "{:?}",
            memoreez::mail::outbox::outbox(db, &super::staff::staff_session(&app).await, 10).await.unwrap()
        );
        assert_eq!(
            memoreez::mail::sender::send_due(db, &app.state.storage, &app.state.config).await.unwrap(),
            0
        );
        let received = server.received();
        assert_eq!(received.len(), 1, "{received:?}");
        assert!(
            received[0].contains("Subject: =?utf-8?") || received[0].contains("Subject: Your Memoreez order")
        );
        assert!(
            received[0].contains("To: ada@example.com") && received[0].contains("Thank you, Ada."),
            "{}",
            received[0]
        );
        let sent = &memoreez::mail::outbox::outbox(db, &super::staff::staff_session(&app).await, 10)
            .await
            .unwrap()[0];
        assert_eq!((sent.status.as_str(), sent.attempts, sent.last_error.as_deref()), ("sent", 2, None));
    })
    .await;
}

/// Queues a `/quote` job for the box with `profile` prices and waits for it.
async fn quoted_box(app: &TestApp, profile: &[u8]) -> String {
    let parts: [(&str, Option<&str>, &[u8]); 3] =
        [("file", Some("box.stl"), &box_stl()), ("wait", None, b"false"), ("profile", None, profile)];
    let reply = app.post_multipart("/api/quotes", &parts).await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text());
    let job_id = reply.json()["job_id"].as_str().unwrap().to_string();
    let events = app.get(&format!("/api/jobs/{job_id}/events"), None).await.text();
    assert!(events.contains("event: done"), "{events}");
    job_id
}

pub async fn a_model_priced_for_the_shop_is_ordered(kind: Kind) {
    with_app(kind, |app| async move {
        memoreez::workers::spawn(&app.state);
        let job_id = quoted_box(&app, b"shop").await;
        let form = |job: &str| {
            json!({ "quote_job": job, "name": "Ada Lovelace", "email": "ada@example.com",
                    "delivery": "pickup", "quantity": 3 })
        };
        // A session is all it needs: the quote's id is the key, as for its page.
        let visit = app.get("/quote", None).await;
        let cookie = visit.visitor_cookie().unwrap_or_default();
        let placed = app.post_json("/api/orders", &form(&job_id).to_string(), Some(&cookie)).await;
        assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.text());
        let placed = placed.json();
        let order = app.get(&format!("/api{}", placed["order_url"].as_str().unwrap()), None).await.json();
        assert_eq!(order["title"], "box.stl");
        let quote = &app.get(&format!("/api/jobs/{job_id}/events"), None).await.text();
        let total_g: f64 = quote
            .split("\"total_g\":")
            .nth(1)
            .and_then(|rest| rest.split([',', '}']).next())
            .unwrap()
            .parse()
            .unwrap();
        let book = &app.state.config.shop;
        let unit =
            (book.price(Material::Pla, total_g).material_cents + book.service_cents).max(book.minimum_cents);
        assert_eq!(order["amounts"]["total_cents"], 3 * unit, "{order}");
        // The model is kept with the order as the slicer read it.
        let kept = app
            .state
            .storage
            .get(&memoreez::shop::orders::keepsake_key(placed["id"].as_str().unwrap()))
            .await
            .unwrap();
        let mesh =
            geometry::io::read(geometry::io::Format::Stl, &kept, &geometry::Limits::default()).unwrap();
        assert_eq!(mesh.triangle_count(), 12);

        // A lab price, an unknown quote and two things at once are refused.
        let lab = quoted_box(&app, b"lab").await;
        let refused = app.post_json("/api/orders", &form(&lab).to_string(), Some(&cookie)).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.text());
        assert!(refused.json()["error"].as_str().unwrap().contains("print lab's prices"));
        let unknown = app.post_json("/api/orders", &form("no-such-job").to_string(), Some(&cookie)).await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);
        let mut both = form(&job_id);
        both["creation_id"] = json!("some-creation");
        let refused = app.post_json("/api/orders", &both.to_string(), Some(&cookie)).await;
        assert_eq!(refused.json()["field"], "order", "{}", refused.text());
        assert_eq!(app.count("orders").await, 1);
    })
    .await;
}

/// A price is for one mesh: once the model under a priced keepsake changes
/// (another design picked, say), ordering is refused with 409 and nothing
/// is kept; priced again, the order keeps exactly the mesh that was sliced,
/// and the lab's G-code is that slice's.
pub async fn an_order_is_only_for_the_mesh_that_was_priced(kind: Kind) {
    with_app(kind, |app| async move {
        let (id, cookie, _) = priced_keepsake(&app).await;
        // Another model under the same creation, as a new pick makes.
        let model =
            memoreez::generation::model3d::current_files(&app.state.db, &id).await.unwrap().unwrap().mesh();
        let mut other = geometry::shapes::cuboid([0.0, 0.0, 0.0], [30.0, 20.0, 10.0]);
        other.vertices.iter_mut().for_each(|v| v[2] *= 2.0);
        app.state.storage.put(&model, geometry::io::stl::write_binary(&other)).await.unwrap();
        let form = order_form(&id).to_string();
        let refused = app.post_json("/api/orders", &form, Some(&cookie)).await;
        assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text());
        assert_eq!(refused.json()["error"], "The keepsake changed since it was priced; get a new price.");
        assert_eq!(app.count("orders").await, 0, "nothing kept for a refused order");

        let priced = app
            .post_json(
                &format!("/api/creations/{id}/studio/quote"),
                &super::suite::studio_settings("Pip", 0.8),
                Some(&cookie),
            )
            .await;
        assert_eq!(priced.status, StatusCode::ACCEPTED, "{}", priced.text());
        let new_hash = priced.json()["mesh_sha256"].as_str().unwrap().to_string();
        let events = app.get(priced.json()["events_url"].as_str().unwrap(), None).await.text();
        assert!(events.contains("event: done"), "{events}");
        let placed = app.post_json("/api/orders", &form, Some(&cookie)).await;
        assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.text());
        let order_id = placed.json()["id"].as_str().unwrap().to_string();

        let kept = app.state.storage.get(&format!("orders/{order_id}/keepsake.stl")).await.unwrap();
        assert_eq!(super::suite::sha256_hex(&kept), new_hash, "the order keeps the mesh that was priced");
        let (recorded, quote_id): (String, String) =
            sqlx::query_as("SELECT mesh_sha256, quote_id FROM orders WHERE id = $1")
                .bind(&order_id)
                .fetch_one(app.state.db.pool())
                .await
                .unwrap();
        assert_eq!(recorded, new_hash);
        // The slice the lab prints from is the one made of these very bytes.
        let payload: String = sqlx::query_scalar(
            "SELECT CAST(payload AS TEXT) FROM jobs WHERE kind = 'quote' AND CAST(result AS TEXT) LIKE $1",
        )
        .bind(format!("%{quote_id}%"))
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
        let payload: Value = serde_json::from_str(&payload).unwrap();
        assert_eq!(payload["mesh_sha256"], new_hash.as_str());
        let sliced = app.state.storage.get(payload["upload"].as_str().unwrap()).await.unwrap();
        assert_eq!(sliced, kept, "the sliced file is the ordered file, byte for byte");
        let engine: String = sqlx::query_scalar("SELECT engine FROM quotes WHERE id = $1")
            .bind(&quote_id)
            .fetch_one(app.state.db.pool())
            .await
            .unwrap();
        if engine == "prusa" {
            let gcode = app.state.storage.get(&format!("gcode/{quote_id}.gcode")).await;
            assert!(gcode.is_ok(), "the order's quote has its G-code: {gcode:?}");
        }
    })
    .await;
}
