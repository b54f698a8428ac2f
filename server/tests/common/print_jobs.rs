//! The lab's queue on every backend: shop orders join it once, with the
//! first entry of an event log that the database refuses to change.

use http::StatusCode;
use serde_json::json;

use super::checkout::{order_form, priced_keepsake};
use super::{Kind, TestApp, with_app};

/// (status, source, quantity, weight_g, price_cents) of the order's print job, and its events' kinds.
pub(crate) async fn queued(
    app: &TestApp,
    order_id: &str,
) -> Option<((String, String, i64, f64, i64), Vec<String>)> {
    use sqlx::Row;
    let row = sqlx::query(
        "SELECT id, status, source, quantity, weight_g, price_cents FROM print_jobs WHERE order_id = $1",
    )
    .bind(order_id)
    .fetch_optional(app.state.db.pool())
    .await
    .unwrap()?;
    let id: String = row.get("id");
    let kinds = sqlx::query_scalar("SELECT kind FROM print_job_events WHERE job_id = $1 ORDER BY id")
        .bind(&id)
        .fetch_all(app.state.db.pool())
        .await
        .unwrap();
    Some((
        (
            row.get("status"),
            row.get("source"),
            row.get("quantity"),
            row.get("weight_g"),
            row.get("price_cents"),
        ),
        kinds,
    ))
}

pub async fn shop_orders_join_the_lab_queue_and_its_log_cannot_be_changed(kind: Kind) {
    with_app(kind, move |app| async move {
        let (id, cookie, _) = priced_keepsake(&app).await;
        let mut form = order_form(&id);
        form["delivery"] = json!("pickup");
        let placed = app.post_json("/api/orders", &form.to_string(), Some(&cookie)).await;
        assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.text());
        let placed = placed.json();
        let order_id = placed["id"].as_str().unwrap();
        let order = app.get(&format!("/api{}", placed["order_url"].as_str().unwrap()), None).await.json();

        let ((status, source, quantity, weight_g, price), kinds) =
            queued(&app, order_id).await.expect("queued");
        assert_eq!((status.as_str(), source.as_str(), quantity), ("ReadyToPrint", "shop", 2));
        let each = order["model_g"].as_f64().unwrap() + order["support_g"].as_f64().unwrap();
        assert!((weight_g - 2.0 * each).abs() < 1e-9, "{weight_g} vs 2 × {each}");
        assert_eq!(price, order["amounts"]["total_cents"].as_i64().unwrap());
        assert_eq!(kinds, ["shop_order"]);

        // Staff see it on the dashboard: the first tab with jobs, its totals, a shop card.
        assert_eq!(
            super::staff::call(&app, "staff_queue", "status=", None, None).await.status,
            StatusCode::UNAUTHORIZED
        );
        let cookie = super::staff::staff_cookie(&app).await;
        let queue = super::staff::call(&app, "staff_queue", "status=", Some(&cookie), None).await;
        assert_eq!(queue.status, StatusCode::OK, "{}", queue.text());
        let queue = queue.json();
        assert_eq!(queue["showing"], "ReadyToPrint");
        let tab =
            queue["tabs"].as_array().unwrap().iter().find(|t| t["status"] == "ReadyToPrint").unwrap().clone();
        assert_eq!(tab["jobs"], 1);
        assert!((tab["grams"].as_f64().unwrap() - weight_g).abs() < 1e-9);
        let card = &queue["jobs"][0];
        assert_eq!(
            (card["source"].as_str(), card["new"].as_bool(), card["order_id"].as_str()),
            (Some("shop"), Some(true), Some(order_id))
        );
        let picture =
            card["thumbnail_url"].as_str().unwrap().trim_start_matches("http://127.0.0.1:3000").to_string();
        assert_eq!(app.get(&picture, None).await.status, StatusCode::OK, "{picture}");
        let printing =
            super::staff::call(&app, "staff_queue", "status=Printing", Some(&cookie), None).await.json();
        assert_eq!(printing["jobs"].as_array().unwrap().len(), 0);
        let html = app.get("/staff", Some(&cookie)).await.text();
        assert!(html.contains("data-testid=\"shop-badge\"") && html.contains("Ada Lovelace"), "{html}");

        // The event log is append-only, whatever the client.
        let pool = app.state.db.pool();
        let mut refusals = vec![
            sqlx::query("UPDATE print_job_events SET details = 'changed'").execute(pool).await.err(),
            sqlx::query("DELETE FROM print_job_events").execute(pool).await.err(),
        ];
        if kind == Kind::Postgres {
            refusals.push(sqlx::query("TRUNCATE print_job_events").execute(pool).await.err());
        }
        for refusal in refusals {
            let error = refusal.expect("refused").to_string();
            assert!(error.contains("append-only"), "{error}");
        }
        assert_eq!(app.count("print_job_events").await, 1);
    })
    .await;
}

pub async fn staff_move_a_shop_job_and_its_order_follows(kind: Kind) {
    use super::staff::{call, staff_cookie};
    with_app(kind, move |app| async move {
        let (id, cookie, _) = priced_keepsake(&app).await;
        let place = |delivery: &'static str| {
            let (app, cookie, id) = (app.clone(), cookie.clone(), id.clone());
            async move {
                let mut form = order_form(&id);
                form["delivery"] = json!(delivery);
                let placed = app.post_json("/api/orders", &form.to_string(), Some(&cookie)).await.json();
                let job_id: String = sqlx::query_scalar("SELECT id FROM print_jobs WHERE order_id = $1")
                    .bind(placed["id"].as_str().unwrap())
                    .fetch_one(app.state.db.pool())
                    .await
                    .unwrap();
                (job_id, placed["order_url"].as_str().unwrap().to_string())
            }
        };
        let (job, order_url) = place("pickup").await;
        let staff = staff_cookie(&app).await;
        let act = |form: String| {
            let (app, staff) = (app.clone(), staff.clone());
            async move { call(&app, "staff_job_action", &form, Some(&staff), None).await }
        };
        let order_status = || {
            let (app, url) = (app.clone(), order_url.clone());
            async move {
                app.get(&format!("/api{url}"), None).await.json()["status"].as_str().unwrap().to_string()
            }
        };

        assert_eq!(
            call(&app, "staff_job_action", &format!("id={job}&action=complete"), None, None).await.status,
            StatusCode::UNAUTHORIZED
        );
        let early = act(format!("id={job}&action=complete")).await;
        assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(early.text().contains("Ready to print cannot be completed"), "{}", early.text());
        assert_eq!(act("id=nope&action=complete".into()).await.status, StatusCode::NOT_FOUND);

        act(format!("id={job}&action=mark_reviewed")).await;
        let printing = act(format!("id={job}&action=start_printing&printer=MK4+left")).await;
        assert!(printing.status.is_success() || printing.status.is_redirection(), "{}", printing.text());
        assert_eq!(order_status().await, "printing");
        let printing_mail: String =
            sqlx::query_scalar("SELECT text_body FROM outbox WHERE kind = 'order_printing'")
                .fetch_one(app.state.db.pool())
                .await
                .unwrap();
        assert!(printing_mail.contains("Printing on MK4 left."), "the customer is told: {printing_mail}");
        // On a printer the lab follows, the customer's page shows how far it is.
        let mk4 = memoreez::printers::store::add(
            &app.state.db,
            &super::staff::staff_session(&app).await,
            memoreez::printers::store::NewPrinter {
                name: "MK4 left".into(),
                method: app::lab::PrintMethod::Filament,
                build_mm: [250.0, 210.0, 220.0],
                material: "PLA".into(),
                colour: "Black".into(),
                connection: memoreez::printers::store::Connection::Manual,
            },
        )
        .await
        .unwrap();
        sqlx::query(
            "UPDATE print_jobs SET printer_id = $1, printer_name = 'MK4 left', progress_pct = 40.0, time_left_s = 1500 WHERE id = $2",
        )
        .bind(&mk4)
        .bind(&job)
        .execute(app.state.db.pool())
        .await
        .unwrap();
        let order = app.get(&format!("/api{order_url}"), None).await.json();
        assert_eq!(
            order["on_printer"],
            json!({"printer": "MK4 left", "progress_pct": 40.0, "time_left_s": 1500})
        );
        act(format!("id={job}&action=complete")).await;
        assert_eq!(order_status().await, "ready_for_pickup");
        let told: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE kind = 'ready_for_pickup'")
            .fetch_one(app.state.db.pool())
            .await
            .unwrap();
        assert_eq!(told, 1);
        let unpaid = act(format!("id={job}&action=picked_up&payment=+")).await;
        assert!(
            unpaid.text().contains("how it was paid") && unpaid.text().contains("payment"),
            "{}",
            unpaid.text()
        );
        act(format!("id={job}&action=picked_up&payment=cash")).await;
        assert_eq!(order_status().await, "collected");
        let history = app.get(&format!("/api{order_url}"), None).await.json()["history"].to_string();
        assert!(history.contains("payment: cash"), "{history}");

        let page = call(&app, "staff_job", &format!("id={job}"), Some(&staff), None).await.json();
        assert_eq!(page["status"], "PaidPickedUp");
        let order_id = page["card"]["order_id"].as_str().unwrap();
        let slicer_link = page["slicer_link"].as_str().unwrap();
        assert!(
            slicer_link.starts_with(&format!("3dprint://open?path=orders/{order_id}/keepsake.stl&job=")),
            "{slicer_link}"
        );
        assert_eq!(page["card"]["new"], false);
        let kinds: Vec<&str> =
            page["events"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["shop_order", "reviewed", "printing", "completed", "picked_up"]);
        assert!(page["events"][2]["details"].as_str().unwrap().contains("MK4 left"));
        // Staff read times in the lab's zone (America/Chicago by default).
        let at = page["events"][0]["at"].as_str().unwrap();
        assert!(at.ends_with(" CST") || at.ends_with(" CDT"), "{at}");
        let html = app.get(&format!("/staff/jobs/{job}"), Some(&staff)).await.text();
        assert!(html.contains("data-status=\"PaidPickedUp\""), "{html}");

        // A shipped order: printed means shipped, and the customer is told.
        let (shipped_job, shipped_url) = place("ship").await;
        act(format!("id={shipped_job}&action=start_printing")).await;
        act(format!("id={shipped_job}&action=complete")).await;
        let shipped = app.get(&format!("/api{shipped_url}"), None).await.json();
        assert_eq!(shipped["status"], "shipped");
        let told: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE kind = 'shipped'")
            .fetch_one(app.state.db.pool())
            .await
            .unwrap();
        assert_eq!(told, 1);
    })
    .await;
}
