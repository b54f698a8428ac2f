//! Outside fulfilment on every backend: the real Slant 3D client against a
//! local server speaking their API (`api-key` header, a list of order items
//! with string fields, `totalPrice`, `orderId`, tracking), which downloads
//! the model from the link it is given, as they do.

use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use memoreez::platform::config::Config;
use memoreez::shop::fulfilment::{self, OutsideError};
use memoreez::shop::slant3d::{Slant3d, Slant3dError};
use serde_json::{Value, json};

use super::checkout::{free_port, order_form, priced_keepsake};
use super::staff::call;
use super::{Kind, with_app, with_changed_app};

const KEY: &str = "slant-key";

#[derive(Default)]
struct Farm {
    /// The STL files fetched from the links given, by order number.
    fetched: Vec<(String, Vec<u8>)>,
    placed: Vec<Value>,
    status: String,
    tracking: Vec<String>,
    refuse_orders: bool,
}

type Shared = Arc<Mutex<Farm>>;

async fn checked_items(farm: &Shared, headers: &HeaderMap, body: &Value) -> Result<Vec<Value>, Response> {
    let refuse = |status: StatusCode, error: &str| (status, Json(json!({ "error": error }))).into_response();
    if headers.get("api-key").and_then(|v| v.to_str().ok()) != Some(KEY) {
        return Err(refuse(StatusCode::UNAUTHORIZED, "Invalid API key"));
    }
    let Some(items) = body.as_array().filter(|items| !items.is_empty()) else {
        return Err(refuse(StatusCode::BAD_REQUEST, "Expected a list of order items"));
    };
    for item in items {
        for field in [
            "email",
            "name",
            "orderNumber",
            "filename",
            "fileURL",
            "bill_to_street_1",
            "bill_to_city",
            "bill_to_zip",
            "ship_to_country_as_iso",
            "order_quantity",
            "order_item_color",
        ] {
            if item[field].as_str().is_none_or(str::is_empty) {
                return Err(refuse(StatusCode::BAD_REQUEST, &format!("Missing required field: {field}")));
            }
        }
        // They print what the link gives them: it must be a binary STL.
        let file = reqwest::get(item["fileURL"].as_str().unwrap())
            .await
            .map_err(|e| refuse(StatusCode::BAD_REQUEST, &e.to_string()))?;
        if !file.status().is_success() {
            return Err(refuse(StatusCode::BAD_REQUEST, "Could not download the file"));
        }
        let bytes = file.bytes().await.unwrap().to_vec();
        let triangles = bytes.get(80..84).map(|n| u32::from_le_bytes(n.try_into().unwrap()) as usize);
        if triangles.is_none_or(|n| bytes.len() != 84 + 50 * n) {
            return Err(refuse(StatusCode::BAD_REQUEST, "The file is not a binary STL"));
        }
        farm.lock().unwrap().fetched.push((item["orderNumber"].as_str().unwrap().to_string(), bytes));
    }
    Ok(items.clone())
}

async fn estimate(State(farm): State<Shared>, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    match checked_items(&farm, &headers, &body).await {
        Ok(items) => {
            let pieces: u64 =
                items.iter().map(|i| i["order_quantity"].as_str().unwrap().parse::<u64>().unwrap()).sum();
            Json(json!({ "totalPrice": 6.5 * pieces as f64 + 4.25 })).into_response()
        }
        Err(refused) => refused,
    }
}

async fn place(State(farm): State<Shared>, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    if farm.lock().unwrap().refuse_orders {
        return (StatusCode::BAD_REQUEST, Json(json!({ "error": "Unable to place order: address invalid" })))
            .into_response();
    }
    match checked_items(&farm, &headers, &body).await {
        Ok(_) => {
            let mut farm = farm.lock().unwrap();
            farm.placed.push(body);
            Json(json!({ "orderId": format!("slant-{}", farm.placed.len()) })).into_response()
        }
        Err(refused) => refused,
    }
}

async fn tracking(State(farm): State<Shared>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let farm = farm.lock().unwrap();
    if headers.get("api-key").and_then(|v| v.to_str().ok()) != Some(KEY) || id != "slant-1" {
        return (StatusCode::NOT_FOUND, Json(json!({ "error": "Order not found" }))).into_response();
    }
    Json(json!({ "status": farm.status, "trackingNumbers": farm.tracking })).into_response()
}

async fn start_farm() -> (String, Shared) {
    let farm: Shared = Arc::new(Mutex::new(Farm { status: "processing".into(), ..Farm::default() }));
    let router = Router::new()
        .route("/api/order/estimate", post(estimate))
        .route("/api/order", post(place))
        .route("/api/order/{id}/get-tracking", get(tracking))
        .with_state(farm.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/api", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (url, farm)
}

pub async fn a_shipped_order_is_printed_and_shipped_by_slant3d(kind: Kind) {
    let (farm_url, farm) = start_farm().await;
    let port = free_port();
    let change = move |state: &mut memoreez::state::StateParts| {
        state.config =
            Arc::new(Config { public_url: format!("http://127.0.0.1:{port}"), ..(*state.config).clone() });
        state.outside = Some(Arc::new(Slant3d::new(&farm_url, KEY)));
    };
    with_changed_app(kind, change, move |app| async move {
        app.listen_on(port).await;
        let (id, cookie, _) = priced_keepsake(&app).await;
        let place = |form: Value| {
            let app = app.clone();
            let cookie = cookie.clone();
            async move {
                let placed = app.post_json("/api/orders", &form.to_string(), Some(&cookie)).await;
                assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.text());
                placed.json()["id"].as_str().unwrap().to_string()
            }
        };
        let shipped = place(order_form(&id)).await;
        let mut pickup_form = order_form(&id);
        pickup_form["delivery"] = json!("pickup");
        let pickup = place(pickup_form).await;
        let state = &app.state;

        // Paid at pickup, nothing is paid until someone collects it at the
        // lab: such an order cannot be priced or sent out.
        assert!(matches!(
            fulfilment::send(&state.shop(), &super::staff::staff_session(&app).await, &shipped, "PLA BLACK")
                .await,
            Err(OutsideError::Unpaid(_))
        ));
        assert!(matches!(
            fulfilment::estimate(
                &state.shop(),
                &super::staff::staff_session(&app).await,
                &shipped,
                "PLA BLACK"
            )
            .await,
            Err(OutsideError::Unpaid(_))
        ));
        // Paid by card, as the Stripe webhook leaves an order (card_payments.rs drives the webhook itself).
        sqlx::query("UPDATE orders SET payment = 'stripe', status = 'paid' WHERE id = $1")
            .bind(&shipped)
            .execute(state.db.pool())
            .await
            .unwrap();

        assert!(matches!(
            fulfilment::estimate(
                &state.shop(),
                &super::staff::staff_session(&app).await,
                &pickup,
                "PLA BLACK"
            )
            .await,
            Err(OutsideError::Collected(_))
        ));
        assert!(matches!(
            fulfilment::send(&state.shop(), &super::staff::staff_session(&app).await, "nope", "PLA BLACK")
                .await,
            Err(OutsideError::NotFound(_))
        ));

        // Their price, from the file they fetched by the link we gave: the keepsake as ordered.
        let cents = fulfilment::estimate(
            &state.shop(),
            &super::staff::staff_session(&app).await,
            &shipped,
            "PLA BLACK",
        )
        .await
        .unwrap();
        assert_eq!(cents, 2 * 650 + 425);
        let kept = state.storage.get(&memoreez::shop::orders::keepsake_key(&shipped)).await.unwrap();
        assert_eq!(farm.lock().unwrap().fetched, vec![(shipped.clone(), kept.to_vec())]);

        // Their refusal comes back in their words and changes nothing.
        farm.lock().unwrap().refuse_orders = true;
        match fulfilment::send(&state.shop(), &super::staff::staff_session(&app).await, &shipped, "PLA BLACK")
            .await
        {
            Err(OutsideError::Service(Slant3dError::Refused(said))) => {
                assert!(said.contains("address invalid"), "{said}")
            }
            other => panic!("{other:?}"),
        }
        farm.lock().unwrap().refuse_orders = false;

        // Staff work from the order's print job page: what it offers, their price, then sent.
        let cookie = super::staff::staff_cookie(&app).await;
        let job_of = |order: &str| {
            let app = app.clone();
            let order = order.to_string();
            async move {
                sqlx::query_scalar::<_, String>("SELECT id FROM print_jobs WHERE order_id = $1")
                    .bind(order)
                    .fetch_one(app.state.db.pool())
                    .await
                    .unwrap()
            }
        };
        let (shipped_job, pickup_job) = (job_of(&shipped).await, job_of(&pickup).await);
        let staff_page = |job: String| {
            let (app, cookie) = (app.clone(), cookie.clone());
            async move { call(&app, "staff_job", &format!("id={job}"), Some(&cookie), None).await.json() }
        };
        let offered = staff_page(shipped_job.clone()).await;
        assert_eq!(
            offered["outside"],
            json!({ "why_not": "", "their_order": null, "their_status": null }),
            "{offered}"
        );
        let collected =
            staff_page(pickup_job.clone()).await["outside"]["why_not"].as_str().unwrap().to_string();
        assert!(
            collected.starts_with("Order ") && collected.contains("is collected at the lab"),
            "{collected}"
        );
        let outside = |body: String| {
            let (app, cookie) = (app.clone(), cookie.clone());
            async move { call(&app, "staff_print_outside", &body, Some(&cookie), None).await }
        };
        let price = outside(format!("id={shipped_job}&step=price&color=PLA+BLACK")).await;
        assert_eq!(price.status, StatusCode::OK, "{}", price.text());
        assert_eq!(
            price.json(),
            format!("Slant 3D would charge 17.25 USD to print and ship order {shipped}.")
        );
        let refused = outside(format!("id={pickup_job}&step=send&color=PLA+BLACK")).await;
        assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text());
        let stranger =
            call(&app, "staff_print_outside", &format!("id={shipped_job}&step=send"), None, None).await;
        assert_eq!(stranger.status, StatusCode::UNAUTHORIZED, "{}", stranger.text());
        assert!(farm.lock().unwrap().placed.is_empty(), "nothing placed by a refusal");

        // Two staff press Send at once: the order is claimed in the database
        // before Slant 3D is called, so one order is placed with them.
        let (first, second) = futures_util::future::join(
            outside(format!("id={shipped_job}&step=send&color=PLA+BLACK")),
            outside(format!("id={shipped_job}&step=send&color=PLA+BLACK")),
        )
        .await;
        let (sent, other) = if first.status == StatusCode::OK { (first, second) } else { (second, first) };
        assert_eq!(sent.status, StatusCode::OK, "{}", sent.text());
        assert_eq!(other.status, StatusCode::CONFLICT, "{}", other.text());
        assert_eq!(farm.lock().unwrap().placed.len(), 1, "one order placed with them");
        assert_eq!(
            sent.json(),
            format!("Order {shipped} sent to Slant 3D: their order slant-1 (17.25 USD).")
        );
        let sent_page = staff_page(shipped_job.clone()).await;
        assert_eq!(sent_page["outside"]["their_order"], "slant-1");
        assert_eq!(sent_page["status"], "Printing");
        let again = outside(format!("id={shipped_job}&step=send&color=PLA+BLACK")).await;
        assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text());
        let placed = farm.lock().unwrap().placed[0][0].clone();
        assert_eq!(placed["order_quantity"], "2");
        assert_eq!(placed["ship_to_country_as_iso"], "GB");
        assert_eq!(placed["ship_to_is_US_residential"], "false");
        assert_eq!(placed["order_item_color"], "PLA BLACK");
        assert!(matches!(
            fulfilment::send(&state.shop(), &super::staff::staff_session(&app).await, &shipped, "PLA BLACK")
                .await,
            Err(OutsideError::AlreadySent { .. })
        ));
        let (job, _) = super::print_jobs::queued(&app, &shipped).await.unwrap();
        assert_eq!(job.0, "Printing", "the lab's queue shows it is being printed outside");

        // The links are signed: they open their own file until they expire, nothing else.
        let file_url = placed["fileURL"].as_str().unwrap();
        let path = file_url.trim_start_matches(&format!("http://127.0.0.1:{port}"));
        assert_eq!(app.get(path, None).await.status, StatusCode::OK);
        let picture = app
            .get(placed["order_image_url"].as_str().unwrap().split(&format!(":{port}")).nth(1).unwrap(), None)
            .await;
        assert_eq!(picture.header("content-type").as_deref(), Some("image/png"));
        let bare = path.split('?').next().unwrap();
        let other_file = path.replace("keepsake.stl", "print.gcode");
        let expired = state.links.sign(bare, 1);
        for refused in [format!("{bare}?exp=9999999999&sig=forged"), other_file, expired] {
            assert_eq!(app.get(&refused, None).await.status, StatusCode::NOT_FOUND, "{refused}");
        }

        // Printing there: tracking says so; once shipped, the order is shipped and the customer told.
        let order_status = |id: String| {
            let app = app.clone();
            async move {
                sqlx::query_scalar::<_, String>("SELECT status FROM orders WHERE id = $1")
                    .bind(id)
                    .fetch_one(app.state.db.pool())
                    .await
                    .unwrap()
            }
        };
        assert_eq!(order_status(shipped.clone()).await, "printing");
        let where_now = outside(format!("id={shipped_job}&step=track")).await;
        assert_eq!(where_now.json(), format!("Slant 3D says order {shipped} is processing."));
        assert_eq!(staff_page(shipped_job.clone()).await["outside"]["their_status"], "processing");
        assert_eq!(order_status(shipped.clone()).await, "printing");
        {
            let mut farm = farm.lock().unwrap();
            farm.status = "shipped".into();
            farm.tracking = vec!["1Z999AA10123456784".into()];
        }
        // The server's own round asks about it; asked again, nothing more happens.
        assert_eq!(fulfilment::track_sent(&state.shop()).await.unwrap(), 1);
        fulfilment::track(&state.shop(), &shipped).await.unwrap();
        assert_eq!(order_status(shipped.clone()).await, "shipped");
        assert_eq!(
            fulfilment::track_sent(&state.shop()).await.unwrap(),
            0,
            "a shipped order is not asked about"
        );
        let (job, kinds) = super::print_jobs::queued(&app, &shipped).await.unwrap();
        assert_eq!(
            (job.0.as_str(), kinds),
            ("Completed", vec!["shop_order".to_string(), "sent_out".into(), "shipped".into()])
        );
        let outbox = memoreez::mail::outbox::outbox(&state.db, &super::staff::staff_session(&app).await, 20)
            .await
            .unwrap();
        let told: Vec<_> = outbox.iter().filter(|m| m.kind == "shipped").collect();
        assert_eq!(told.len(), 1, "told once: {outbox:?}");
        let text: String = sqlx::query_scalar("SELECT text_body FROM outbox WHERE kind = 'shipped'")
            .fetch_one(state.db.pool())
            .await
            .unwrap();
        assert!(text.contains("1Z999AA10123456784") && text.contains("London"), "{text}");
        assert!(matches!(fulfilment::track(&state.shop(), &pickup).await, Err(OutsideError::NotSent(_))));
    })
    .await;

    with_app(kind, |app| async move {
        assert!(matches!(
            fulfilment::send(&app.state.shop(), &super::staff::staff_session(&app).await, "any", "PLA BLACK")
                .await,
            Err(OutsideError::NotConfigured)
        ));
    })
    .await;
}
