//! The staff's reports on every backend: a customer's way through the
//! funnel recorded where each step happens, and the lab's overview against
//! figures counted by hand — both read through the CSV export, which holds
//! exactly the page's tables.

use http::StatusCode;
use memoreez::reports::period::periods;
use serde_json::json;

use super::checkout::order_form;
use super::staff::{call, staff_cookie};
use super::suite::sse_events;
use super::{Kind, TestApp, with_app};

/// The CSV's rows (header first), as any spreadsheet would split them.
async fn csv(app: &TestApp, path: &str, cookie: &str) -> Vec<Vec<String>> {
    let reply = app.get(path, Some(cookie)).await;
    assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.text());
    assert_eq!(reply.header("content-type").as_deref(), Some("text/csv; charset=utf-8"));
    let mut reader = csv::Reader::from_reader(reply.body.as_ref());
    let mut rows = vec![reader.headers().unwrap().iter().map(str::to_string).collect::<Vec<_>>()];
    rows.extend(reader.records().map(|record| record.unwrap().iter().map(str::to_string).collect()));
    rows
}

/// A story's creation and its visitor cookie.
async fn story(app: &TestApp, cookie: Option<&str>) -> (String, String) {
    let created = app
        .post_json("/api/creations", r#"{"hobbies": ["sailing"], "facts": "Owns a beagle."}"#, cookie)
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let id = created.json()["id"].as_str().unwrap().to_string();
    (id, created.visitor_cookie().or(cookie.map(str::to_string)).unwrap())
}

pub async fn the_funnel_follows_a_story_to_its_payment(kind: Kind) {
    with_app(kind, |app| async move {
        // One customer goes all the way, paying at pickup.
        let (id, cookie) = story(&app, None).await;
        memoreez::workers::spawn(&app.state);
        let shown =
            sse_events(&app.get(&format!("/api/creations/{id}/concepts/stream"), Some(&cookie)).await.text());
        assert_eq!(shown.iter().filter(|(name, _, _)| name == "concept").count(), 4, "{shown:?}");
        let picked =
            app.post_json(&format!("/api/creations/{id}/select"), r#"{"concept": 1}"#, Some(&cookie)).await;
        assert_eq!(picked.status, StatusCode::ACCEPTED, "{}", picked.text());
        let made = app.get(picked.json()["events_url"].as_str().unwrap(), None).await.text();
        assert!(made.contains("event: done"), "{made}");
        let studio = app.get(&format!("/api/creations/{id}/studio"), Some(&cookie)).await;
        assert_eq!(studio.status, StatusCode::OK);
        // The studio's own settings for this model, with words on the pedestal.
        let mut settings = studio.json()["settings"].clone();
        settings["line1"] = json!("Pip");
        let priced = app
            .post_json(&format!("/api/creations/{id}/studio/quote"), &settings.to_string(), Some(&cookie))
            .await;
        assert_eq!(priced.status, StatusCode::ACCEPTED, "{}", priced.text());
        let sliced = app.get(priced.json()["events_url"].as_str().unwrap(), None).await.text();
        assert!(sliced.contains("event: done"), "{sliced}");
        let mut form = order_form(&id);
        form["delivery"] = json!("pickup");
        let placed = app.post_json("/api/orders", &form.to_string(), Some(&cookie)).await;
        assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.text());
        let job: String = sqlx::query_scalar("SELECT id FROM print_jobs WHERE order_id = $1")
            .bind(placed.json()["id"].as_str().unwrap())
            .fetch_one(app.state.db.pool())
            .await
            .unwrap();
        let staff = staff_cookie(&app).await;
        for step in ["start_printing", "complete", "picked_up&payment=cash"] {
            let done =
                call(&app, "staff_job_action", &format!("id={job}&action={step}"), Some(&staff), None).await;
            assert!(done.status.is_success() || done.status.is_redirection(), "{step}: {}", done.text());
        }
        // The same customer starts a second story and leaves it; a second
        // visitor's story never shows its designs; an uploaded model is no story.
        story(&app, Some(&cookie)).await;
        story(&app, None).await;
        let upload = app
            .post_multipart("/api/creations/upload", &[("file", Some("box.stl"), &super::suite::box_stl())])
            .await;
        assert_eq!(upload.status, StatusCode::CREATED);

        let today = memoreez::reports::period::local_date(
            memoreez::platform::time::now_ms(),
            app.state.config.lab_zone(),
        );
        let path = format!("/staff/reports/funnel.csv?from={today}&to={today}");
        assert_eq!(app.get(&path, None).await.status, StatusCode::UNAUTHORIZED);
        let rows = csv(&app, &path, &staff).await;
        assert_eq!(
            rows[0],
            ["step", "creations", "visitors", "of_start_pct", "dropped", "dropped_pct", "median_s"]
        );
        let counts: Vec<(&str, &str, &str, &str)> = rows[1..]
            .iter()
            .map(|row| (row[0].as_str(), row[1].as_str(), row[2].as_str(), row[4].as_str()))
            .collect();
        assert_eq!(
            counts,
            [
                ("story_submitted", "3", "2", "0"),
                ("concepts_shown", "1", "1", "2"),
                ("concept_picked", "1", "1", "0"),
                ("mesh_ready", "1", "1", "0"),
                ("studio_opened", "1", "1", "0"),
                ("exact_price", "1", "1", "0"),
                ("checkout_started", "1", "1", "0"),
                ("paid", "1", "1", "0"),
            ]
        );
        assert_eq!((rows[2][3].as_str(), rows[2][5].as_str()), ("33.3", "66.7"));
        // One customer's steps come in order, so their times from the story do too.
        let waits: Vec<f64> = rows[2..].iter().map(|row| row[6].parse().unwrap()).collect();
        assert!(waits.windows(2).all(|pair| pair[0] <= pair[1]), "{waits:?}");
        // Opening the studio again, or paying twice, does not count twice.
        app.get(&format!("/api/creations/{id}/studio"), Some(&cookie)).await;
        let again = csv(&app, &path, &staff).await;
        assert_eq!(again[5][1], "1");
        let recorded: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM funnel_events WHERE creation_id = $1")
            .bind(&id)
            .fetch_one(app.state.db.pool())
            .await
            .unwrap();
        assert_eq!(recorded, 8);

        // Providers: the story's pictures, its model and its price all worked.
        let providers = csv(&app, &path.replace("funnel.csv", "providers.csv"), &staff).await;
        assert_eq!(providers[0], ["provider", "done", "failed", "failed_pct", "retries"]);
        let by_name = |name: &str| providers.iter().find(|row| row[0] == name).unwrap().clone();
        assert_eq!(by_name("mesh")[1..3], ["1", "0"]);
        assert_eq!(by_name("slicing")[1..3], ["1", "0"]);
        assert_eq!(by_name("image")[2], "0");

        // The page draws the same figures; a period that makes no sense is refused.
        let page = app.get(&format!("/staff/funnel?from={today}&to={today}"), Some(&staff)).await;
        assert_eq!(page.status, StatusCode::OK);
        let html = page.text();
        assert!(html.contains("data-testid=\"funnel-steps\"") && html.contains("Story submitted"), "{html}");
        assert!(html.contains("data-label=\"Paid\" data-value=\"1\""), "{html}");
        let wrong = app.get("/staff/reports/funnel.csv?from=2026-02-30", Some(&staff)).await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", wrong.text());
        assert!(wrong.text().contains("YYYY-MM-DD"));
        assert_eq!(app.get("/staff/reports/nothing.csv", Some(&staff)).await.status, StatusCode::NOT_FOUND);
    })
    .await;
}

const H: i64 = 3_600_000;

/// (id, (source, status now, method, colour), (grams, hours, cents), submitted, steps)
type SeededJob<'a> =
    (&'a str, (&'a str, &'a str, &'a str, &'a str), (f64, f64, i64), i64, Vec<(&'a str, i64, &'a str)>);

/// A print job and the steps of its log (`(to_status, hours after the week began, details)`).
#[allow(clippy::too_many_arguments)]
async fn seed_job(
    app: &TestApp,
    id: &str,
    (source, status, method, color): (&str, &str, &str, &str),
    (weight_g, print_hours, price_cents): (f64, f64, i64),
    created_at: i64,
    steps: &[(&str, i64, &str)],
) {
    let pool = app.state.db.pool();
    sqlx::query(
        "INSERT INTO print_jobs (id, source, status, name, email, method, color, notes, file_key, quantity, \
         weight_g, print_hours, price_cents, currency, created_at, updated_at) \
         VALUES ($1, $2, $3, 'Ada', 'ada@example.edu', $4, $5, '', 'lab/x.stl', 1, $6, $7, $8, 'USD', $9, $9)",
    )
    .bind(id)
    .bind(source)
    .bind(status)
    .bind(method)
    .bind(color)
    .bind(weight_g)
    .bind(print_hours)
    .bind(price_cents)
    .bind(created_at)
    .execute(pool)
    .await
    .unwrap();
    for (to, at, details) in steps {
        sqlx::query(
            "INSERT INTO print_job_events (job_id, at, actor, kind, from_status, to_status, details) \
             VALUES ($1, $2, 'staff', 'step', NULL, $3, $4)",
        )
        .bind(id)
        .bind(at)
        .bind(to)
        .bind(details)
        .execute(pool)
        .await
        .unwrap();
    }
}

/// A shop order of `total_cents` paid by `payment`, with one step of its history.
async fn seed_order(app: &TestApp, id: &str, payment: &str, total_cents: i64, (to, at): (&str, i64)) {
    let pool = app.state.db.pool();
    sqlx::query(
        "INSERT INTO orders (id, token_hash, visitor_id, creation_id, quote_id, mesh_sha256, status, payment, \
         customer_name, email, delivery, quantity, unit_cents, shipping_cents, total_cents, currency, model_g, \
         support_g, print_time_s, created_at, updated_at) \
         VALUES ($1, 'h', 'v', '', 'q', 's', 'collected', $2, 'Ada', 'ada@example.com', 'pickup', 1, $3, 0, $3, \
         'USD', 10, 1, 600, $4, $4)",
    )
    .bind(id)
    .bind(payment)
    .bind(total_cents)
    .bind(at)
    .execute(pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO order_events (order_id, at, from_status, to_status, note) VALUES ($1, $2, NULL, $3, '')",
    )
    .bind(id)
    .bind(at)
    .bind(to)
    .execute(pool)
    .await
    .unwrap();
}

pub async fn the_lab_overview_matches_figures_counted_by_hand(kind: Kind) {
    with_app(kind, |app| async move {
        let zone = app.state.config.lab_zone();
        let weeks = periods(memoreez::platform::time::now_ms(), zone, app::report::Grain::Week, 2);
        let (w1, w2) = (weeks[0].start_ms, weeks[1].start_ms);
        let size = app::lab::REJECTION_REASONS[1].1;
        let supports = app::lab::REJECTION_REASONS[3].1;
        let rejected_for = format!("Rejected. {size} {supports}");
        // (id, (source, status now, method, colour), (grams, hours, cents), submitted, steps)
        let jobs: Vec<SeededJob> = vec![
            (
                "j1",
                ("student", "PaidPickedUp", "filament", "Red"),
                (100.0, 5.0, 1200),
                w1 + H,
                vec![
                    ("Completed", w1 + 20 * H, "Printed."),
                    ("PaidPickedUp", w1 + 25 * H, "Picked up; payment: cash."),
                ],
            ),
            (
                "j2",
                ("student", "PaidPickedUp", "filament", "Red"),
                (50.0, 2.5, 700),
                w2 + 2 * H,
                vec![
                    ("Completed", w2 + 3 * H, "Printed."),
                    ("PaidPickedUp", w2 + 10 * H, "Picked up; payment: card."),
                ],
            ),
            (
                "j3",
                ("student", "PaidPickedUp", "resin", "Clear"),
                (30.0, 4.0, 900),
                w2 + H,
                vec![
                    ("Completed", w2 + 5 * H, "Printed."),
                    ("PaidPickedUp", w2 + 7 * H, "Picked up; payment: cash."),
                ],
            ),
            (
                "j4",
                ("shop", "Completed", "filament", "Blue"),
                (40.0, 3.0, 2500),
                w2 + H,
                vec![("Completed", w2 + 4 * H, "Printed.")],
            ),
            (
                "j5",
                ("student", "Rejected", "filament", "Red"),
                (0.0, 0.0, 0),
                w1 + 3 * H,
                vec![("Rejected", w1 + 4 * H, rejected_for.as_str())],
            ),
            (
                "j6",
                ("student", "Rejected", "filament", "Red"),
                (0.0, 0.0, 0),
                w2 + 3 * H,
                vec![("Rejected", w2 + 4 * H, "Rejected. Note: please scale it to 80 %.")],
            ),
            ("j7", ("student", "Uploaded", "filament", "Red"), (0.0, 0.0, 0), w2 + 5 * H, vec![]),
            ("j8", ("student", "Pending", "resin", "Clear"), (12.0, 1.0, 300), w2 + 6 * H, vec![]),
            // Before the two weeks: not counted anywhere.
            (
                "j9",
                ("student", "PaidPickedUp", "filament", "Red"),
                (99.0, 9.0, 999),
                w1 - 48 * H,
                vec![
                    ("Completed", w1 - 30 * H, "Printed."),
                    ("PaidPickedUp", w1 - 20 * H, "Picked up; payment: cash."),
                ],
            ),
        ];
        for (id, what, figures, created, steps) in &jobs {
            seed_job(&app, id, *what, *figures, *created, steps).await;
        }
        seed_order(&app, "o1", "stripe", 4500, ("Paid", w1 + 5 * H)).await;
        seed_order(&app, "o2", "pickup", 3000, ("Collected", w2 + 8 * H)).await;
        seed_order(&app, "o3", "pickup", 2000, ("ReadyForPickup", w2 + 8 * H)).await;
        seed_order(&app, "o4", "stripe", 9999, ("Paid", w1 - H)).await;
        seed_order(&app, "o5", "stripe", 1111, ("Collected", w2 + 9 * H)).await;

        let staff = staff_cookie(&app).await;
        let get = |table: &str| {
            let (app, staff) = (app.clone(), staff.clone());
            let path = format!("/staff/reports/{table}.csv?grain=week&periods=2");
            async move { csv(&app, &path, &staff).await }
        };
        let (l1, l2) = (weeks[0].label.clone(), weeks[1].label.clone());
        let (d1, d2) = (weeks[0].starts.to_string(), weeks[1].starts.to_string());
        let row = |label: &str, starts: &str, rest: &[&str]| -> Vec<String> {
            [label, starts].iter().chain(rest).map(|cell| cell.to_string()).collect()
        };
        let jobs_csv = get("jobs").await;
        assert_eq!(
            jobs_csv[0],
            [
                "period",
                "starts",
                "Uploaded",
                "Pending",
                "ReadyToPrint",
                "Printing",
                "PrintFailed",
                "Completed",
                "PaidPickedUp",
                "Rejected"
            ]
        );
        assert_eq!(
            jobs_csv[1..],
            [
                row(&l1, &d1, &["0", "0", "0", "0", "0", "0", "1", "1"]),
                row(&l2, &d2, &["1", "1", "0", "0", "0", "1", "2", "1"])
            ]
        );
        assert_eq!(
            get("printed").await[1..],
            [row(&l1, &d1, &["1", "100.0", "5.0"]), row(&l2, &d2, &["3", "120.0", "9.5"])]
        );
        // Picked up 24 h after upload in the first week; 8 h and 6 h in the second (median 7).
        assert_eq!(
            get("turnaround").await[1..],
            [row(&l1, &d1, &["1", "24.0"]), row(&l2, &d2, &["2", "7.0"])]
        );
        // Shop: o1 by card; o2 collected and paid at pickup. Lab: students' jobs picked up.
        assert_eq!(
            get("revenue").await[1..],
            [row(&l1, &d1, &["4500", "USD", "1200", "USD"]), row(&l2, &d2, &["3000", "USD", "1600", "USD"])]
        );
        let materials = get("materials").await;
        assert_eq!(materials[0], ["method", "color", "jobs", "grams", "hours"]);
        assert_eq!(
            materials[1..],
            [
                ["filament", "Red", "2", "150.0", "7.5"].map(String::from),
                ["filament", "Blue", "1", "40.0", "3.0"].map(String::from),
                ["resin", "Clear", "1", "30.0", "4.0"].map(String::from),
            ]
        );
        let reasons: Vec<(String, String)> =
            get("rejections").await[1..].iter().map(|row| (row[0].clone(), row[2].clone())).collect();
        let expected =
            [("file", "0"), ("size", "1"), ("detail", "0"), ("supports", "1"), ("rules", "0"), ("note", "1")];
        assert_eq!(reasons, expected.map(|(reason, n)| (reason.to_string(), n.to_string())));

        // The page charts the same: the second week's revenue stacks 30.00 of shop on 16.00 of lab.
        let html = app.get("/staff/overview?grain=week&periods=2", Some(&staff)).await.text();
        for chart in [
            "overview-jobs",
            "overview-grams",
            "overview-materials",
            "overview-turnaround",
            "overview-rejections",
            "overview-revenue",
        ] {
            assert!(html.contains(&format!("data-testid=\"{chart}\"")), "{chart}: {html}");
        }
        assert!(
            html.contains(&format!("data-label=\"{l2}\" data-series=\"Shop (USD)\" data-value=\"3000\"")),
            "{html}"
        );
        assert!(
            html.contains(&format!("data-label=\"{l2}\" data-series=\"Lab (USD)\" data-value=\"1600\"")),
            "{html}"
        );
        assert!(html.contains(&format!("data-label=\"{l2}\" data-total=\"4600\"")), "{html}");

        // Nonsense is refused; months work as weeks do.
        let wrong = app.get("/staff/reports/jobs.csv?grain=fortnight", Some(&staff)).await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            app.get("/staff/reports/jobs.csv?periods=0", Some(&staff)).await.status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        assert_eq!(app.get("/staff/reports/jobs.csv", None).await.status, StatusCode::UNAUTHORIZED);
        let signed_out = call(&app, "staff_overview", "grain=week&periods=2", None, None).await;
        assert_eq!(signed_out.status, StatusCode::UNAUTHORIZED);
        let months = call(&app, "staff_overview", "grain=month&periods=1", Some(&staff), None).await;
        assert_eq!(months.status, StatusCode::OK, "{}", months.text());
        assert_eq!(months.json()["periods"].as_array().unwrap().len(), 1);
    })
    .await;
}
