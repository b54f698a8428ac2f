//! Placing an order for a priced keepsake: the price is the stored quote's,
//! for the mesh it sliced (rebuilt and compared), never the request's.

use crate::jobs::queue;
use crate::mail::outbox;
use crate::payments::stripe::Charge;
use crate::platform::db::Db;
use crate::platform::tokens::new_token;
use crate::platform::visitors::VisitorId;
use crate::shop::ShopContext;
use crate::shop::studio::{self};
use app::order::{Amounts, OrderForm, OrderStatus, OrderView, Payment};
use app::quote::QuoteSummary;
use slicing::material::Material;
use std::sync::Arc;

use super::*;

/// The exact quote behind a creation's keepsake: the latest price asked for
/// its saved settings, once the slicer has given it.
/// The creation's keepsake quote: its id, its figures, and the SHA-256 of
/// the mesh it sliced (none for quotes made before they recorded it).
async fn keepsake_quote(
    db: &Db,
    visitor: &VisitorId,
    creation_id: &str,
) -> Result<(String, QuoteSummary, Option<String>), OrderError> {
    let saved = crate::generation::creations::saved_keepsake(db, creation_id)
        .await?
        .filter(|saved| saved.visitor == visitor.0)
        .ok_or(OrderError::NotFound)?;
    let job_id = saved.keepsake_quote_job_id;
    let job = match job_id {
        Some(job_id) => queue::view(db, &job_id).await?.ok_or(OrderError::NotPriced)?,
        None => return Err(OrderError::NotPriced),
    };
    let quote_id = finished_quote_id(&job)?;
    let (quote, _) = stored_quote(db, &quote_id).await?;
    let sliced = job.payload["mesh_sha256"].as_str().map(str::to_owned);
    Ok((quote_id, quote, sliced))
}

/// The quote a finished quote job made, or why there is none to order by.
fn finished_quote_id(job: &queue::JobView) -> Result<String, OrderError> {
    match job.status.as_str() {
        "done" => {}
        "failed" => return Err(OrderError::NotPriced),
        _ => return Err(OrderError::PriceNotReady),
    }
    job.result
        .as_ref()
        .and_then(|result| result["quote_id"].as_str())
        .map(str::to_string)
        .ok_or(OrderError::NotPriced)
}

/// A stored quote and where its slice's G-code is kept (if it was sliced).
pub(super) async fn stored_quote(
    db: &Db,
    quote_id: &str,
) -> Result<(QuoteSummary, Option<String>), OrderError> {
    let body: String = sqlx::query_scalar("SELECT body FROM quotes WHERE id = $1")
        .bind(quote_id)
        .fetch_optional(db.pool())
        .await?
        .ok_or(OrderError::NotPriced)?;
    let decode = |e: serde_json::Error| sqlx::Error::Decode(Box::new(e));
    let json: serde_json::Value = serde_json::from_str(&body).map_err(decode)?;
    let gcode = json["gcode"].as_str().map(str::to_string);
    Ok((serde_json::from_value(json).map_err(decode)?, gcode))
}

/// What an order prints, with the quote its price comes from.
struct Priced {
    quote_id: String,
    quote: QuoteSummary,
    /// Binary STL exactly as priced, kept with the order and printed.
    built: studio::Built,
    title: String,
}

/// The visitor's studio keepsake, rebuilt from its saved settings.
async fn priced_keepsake(
    cx: &ShopContext,
    visitor: &VisitorId,
    creation_id: &str,
) -> Result<Priced, OrderError> {
    let (quote_id, quote, priced_sha256) = keepsake_quote(&cx.db, visitor, creation_id).await?;
    let built = studio::build_saved(cx, creation_id).await?;
    // A price is for one mesh: what would be printed now must be what was sliced.
    if priced_sha256.as_deref() != Some(built.sha256.as_str()) {
        return Err(OrderError::Changed);
    }
    let title = crate::generation::model3d::view(&cx.db, creation_id)
        .await
        .map(|made| made.title)
        .unwrap_or_else(|_| DEFAULT_TITLE.into());
    Ok(Priced { quote_id, quote, built, title })
}

/// A model priced on `/quote` with the shop's prices: its exact quote and
/// the uploaded file, read and repaired as the slicer saw it. The quote's id
/// is the key, as for its page.
async fn priced_model(cx: &ShopContext, quote_job: &str) -> Result<Priced, OrderError> {
    let job = queue::view(&cx.db, quote_job)
        .await?
        .filter(|job| job.kind == <crate::shop::quotes::QuoteJob as crate::jobs::kinds::Job>::KIND.name())
        .ok_or(OrderError::NotFound)?;
    let quote_id = finished_quote_id(&job)?;
    let (quote, _) = stored_quote(&cx.db, &quote_id).await?;
    if quote.profile != "shop" {
        return Err(OrderError::Invalid(app::error::AppError::Invalid {
            field: "order".into(),
            message: "This price uses the print lab's prices. Price the model for the keepsake shop to order it here."
                .into(),
        }));
    }
    let file_name = job.payload["file_name"].as_str().unwrap_or("model.stl").to_string();
    let upload = job.payload["upload"].as_str().ok_or(OrderError::NotPriced)?;
    let bytes = cx.storage.get(upload).await.map_err(|e| OrderError::Keepsake(e.to_string()))?;
    let limits = cx.config.model_limits();
    let name = file_name.clone();
    let mesh = cx
        .mesh_work
        .run(move || crate::platform::model_file::read_model(&name, &bytes, &limits))
        .await
        .map_err(|e| OrderError::Keepsake(e.to_string()))?
        .map_err(|e| OrderError::Keepsake(e.to_string()))?;
    let stl = geometry::io::stl::write_binary(&mesh);
    let sha256 = crate::platform::tokens::sha256_hex(&stl);
    Ok(Priced {
        quote_id,
        quote,
        built: studio::Built { stl: stl.into(), mesh: Arc::new(mesh), sha256 },
        title: file_name,
    })
}

/// Places an order for the visitor's priced keepsake, or for a model priced for the shop. The keepsake is
/// rebuilt from the saved settings and kept under the order; the order, its
/// first history step and its emails are written in one transaction. Paid
/// by card, a Stripe Checkout Session is opened first (nothing is recorded if
/// Stripe cannot be reached) and the receipt waits for the payment.
pub async fn place(cx: &ShopContext, visitor: &VisitorId, form: &OrderForm) -> Result<Placed, OrderError> {
    let form = form.checked()?;
    form.payment_allowed(cx.card_payments.is_some())?;
    let Priced { quote_id, quote, built, title } = match form.creation_id.is_empty() {
        false => priced_keepsake(cx, visitor, &form.creation_id).await?,
        true => priced_model(cx, &form.quote_job).await?,
    };
    let book = &cx.config.shop;
    let material = quote.material.parse::<Material>().unwrap_or(Material::Pla);
    let each = book.price(material, quote.total_g);
    let amounts = Amounts::work_out(
        each.material_cents,
        (book.service_cents, book.shipping_cents, book.minimum_cents),
        form.quantity,
        form.delivery,
        &book.currency,
    );

    let id = crate::platform::tokens::new_id();
    let token = new_token();
    let key = keepsake_key(&id);
    let mesh = built.mesh;
    let picture = cx
        .mesh_work
        .run(move || geometry::thumbnail::render_png(&mesh, 384))
        .await
        .map_err(|e| OrderError::Keepsake(e.to_string()))?
        .map_err(|e| OrderError::Keepsake(e.to_string()))?;
    let kept = async {
        cx.storage.put(&key, built.stl.clone()).await?;
        cx.storage.put(&thumbnail_key(&id), bytes::Bytes::from(picture)).await
    };
    if let Err(error) = kept.await {
        forget_files(cx, &id).await;
        return Err(OrderError::Keepsake(error.to_string()));
    }
    let public = cx.config.public_url.trim_end_matches('/');
    let page = format!("{public}{}", page_path(&id, &token));
    let session = match (&cx.card_payments, form.payment) {
        (Some(stripe), Payment::Card) => {
            let charge = Charge {
                order_id: &id,
                email: &form.email,
                title: &title,
                currency: &amounts.currency,
                quantity: amounts.quantity,
                unit_cents: amounts.unit_cents,
                shipping_cents: amounts.shipping_cents,
                success_url: page.clone(),
                cancel_url: page.clone(),
            };
            match stripe.open(&charge).await {
                Ok(session) => Some(session),
                Err(error) => {
                    forget_files(cx, &id).await;
                    tracing::warn!(%error, order = %id, "Stripe Checkout could not be opened");
                    return Err(OrderError::PaymentUnavailable);
                }
            }
        }
        _ => None,
    };
    let status = match session {
        Some(_) => OrderStatus::AwaitingPayment,
        None => OrderStatus::PayAtPickup,
    };
    let placed = Placed { id, token, status, payment_url: session.as_ref().map(|s| s.url.clone()) };
    let order = OrderView {
        id: placed.id.clone(),
        status,
        title,
        thumbnail_url: Some(format!("{public}{}", thumbnail_path(&placed.id, &placed.token))),
        name: form.name.clone(),
        email: form.email.clone(),
        delivery: form.delivery,
        address: form.address.clone(),
        amounts,
        model_g: quote.model_g,
        support_g: quote.support_g,
        print_time_s: quote.print_time_s,
        pay_online: session.is_some(),
        payment_url: placed.payment_url.clone(),
        history: Vec::new(),
        on_printer: None,
    };
    let recorded =
        record(cx, visitor, &form, (&placed, &order), (&quote_id, &built.sha256), session.as_ref(), &page);
    if let Err(error) = recorded.await {
        // Nothing points at the kept files yet: take them back. (An opened
        // Checkout Session expires unpaid on its own.)
        forget_files(cx, &placed.id).await;
        return Err(error);
    }
    outbox::wake(&cx.mail_due);
    Ok(placed)
}

/// Removes the files kept for an order that was not placed after all.
async fn forget_files(cx: &ShopContext, order_id: &str) {
    for key in [keepsake_key(order_id), thumbnail_key(order_id)] {
        let _ = cx.storage.delete(&key).await;
    }
}
