//! Who a print job's emails go to: the student of a `print_jobs` row, read
//! here, in the room that owns the table, for the mail room's words.

use app::lab::PrintMethod;

use crate::mail::lab::Student;

/// The columns [`of_row`] reads from `print_jobs`.
pub const COLUMNS: &str = "source, name, email, method, file_name, price_cents, currency";

/// The student of job `id`; `None` for a shop order's job.
pub async fn of_job(tx: &mut sqlx::Transaction<'_, sqlx::Any>, id: &str) -> sqlx::Result<Option<Student>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM print_jobs WHERE id = $1")))
        .bind(id)
        .fetch_one(&mut **tx)
        .await?;
    of_row(&row)
}

/// The student of a `print_jobs` row with [`COLUMNS`]; `None` for a shop order's job.
pub fn of_row(row: &sqlx::any::AnyRow) -> sqlx::Result<Option<Student>> {
    let row = <StudentRow as sqlx::FromRow<'_, sqlx::any::AnyRow>>::from_row(row)?;
    if row.source != "student" {
        return Ok(None);
    }
    Ok(Some(Student {
        name: row.name,
        email: row.email,
        method: PrintMethod::parse(&row.method).unwrap_or(PrintMethod::Filament),
        file_name: row.file_name,
        price_cents: row.price_cents,
        currency: row.currency,
    }))
}

#[derive(sqlx::FromRow)]
struct StudentRow {
    source: String,
    name: String,
    email: String,
    method: String,
    file_name: String,
    price_cents: Option<i64>,
    currency: Option<String>,
}
