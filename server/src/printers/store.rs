//! Printers as rows: what staff set for each (checked in `spec`), and what
//! the poller last read from it.

use app::lab::PrintMethod;

use crate::platform::db::Db;
use crate::platform::time::now_ms;
use crate::printers::reading::{PrinterState, Reading};

pub use crate::printers::keys::{KEY_SOURCE_HELP, KEY_VARIABLE_PREFIX, KeySource};
pub use crate::printers::spec::{Connection, NewPrinter, Printer, PrinterError};

const COLUMNS: &str = "id, name, method, build_x_mm, build_y_mm, build_z_mm, material, colour, connection, \
                       server_url, api_key_from, state, completion_pct, time_left_s, file_name, message, read_at, \
                       maintenance, snapshot_url";

/// Adds a printer; its id.
pub async fn add(
    db: &Db,
    _staff: &crate::staff::StaffSession,
    printer: NewPrinter,
) -> Result<String, PrinterError> {
    let printer = printer.checked()?;
    let taken: Option<String> = sqlx::query_scalar("SELECT id FROM printers WHERE name = $1")
        .bind(&printer.name)
        .fetch_optional(db.pool())
        .await?;
    if taken.is_some() {
        return Err(PrinterError::NameTaken(printer.name));
    }
    let id = crate::platform::tokens::new_id();
    let inserted = bind_spec(
        sqlx::query(
            "INSERT INTO printers (name, method, build_x_mm, build_y_mm, build_z_mm, material, colour, \
             connection, server_url, api_key_from, state, created_at, updated_at, id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13)",
        ),
        &printer,
    )
    .bind(now_ms())
    .bind(&id)
    .execute(db.pool())
    .await;
    match inserted {
        Ok(_) => Ok(id),
        // Two staff adding the same name at once: the unique name decides.
        Err(sqlx::Error::Database(error)) if error.is_unique_violation() => {
            Err(PrinterError::NameTaken(printer.name))
        }
        Err(error) => Err(error.into()),
    }
}

/// Binds what staff set for a printer as `$1`…`$11`: name, method, build
/// volume (3), material, colour, connection, its server's address, where its
/// key is read, and the state it starts in.
fn bind_spec<'q>(
    query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    printer: &'q NewPrinter,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    let connection = &printer.connection;
    query
        .bind(&printer.name)
        .bind(printer.method.as_str())
        .bind(printer.build_mm[0])
        .bind(printer.build_mm[1])
        .bind(printer.build_mm[2])
        .bind(&printer.material)
        .bind(&printer.colour)
        .bind(connection.kind())
        .bind(connection.url().map(str::to_string))
        .bind(connection.key_from())
        .bind(first_state(&printer.connection))
}

/// What a printer's row says before it is first read.
fn first_state(connection: &Connection) -> &'static str {
    match connection {
        Connection::Manual => "manual",
        Connection::OctoPrint { .. } | Connection::Moonraker { .. } => PrinterState::Offline.name(),
    }
}

/// The name of the job printing on the printer, if any.
async fn busy_with(db: &Db, id: &str) -> sqlx::Result<Option<String>> {
    Ok(crate::lab::printing::printing_on(db, id).await?.into_iter().next().map(|job| job.name))
}

/// Changes what staff set for a printer. Its material, colour, build volume
/// and name may change at any time (a spool swapped mid-queue is the usual
/// case); how it is reached may not while a job prints on it, since the job
/// is followed through that connection. A changed connection starts unread.
pub async fn update(
    db: &Db,
    _staff: &crate::staff::StaffSession,
    id: &str,
    printer: NewPrinter,
) -> Result<(), PrinterError> {
    let printer = printer.checked()?;
    let before: Printer = sqlx::query_as::<_, PrinterRow>(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM printers WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(db.pool())
    .await?
    .ok_or(PrinterError::NotFound)?
    .into();
    let taken: Option<String> = sqlx::query_scalar("SELECT id FROM printers WHERE name = $1 AND id <> $2")
        .bind(&printer.name)
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    if taken.is_some() {
        return Err(PrinterError::NameTaken(printer.name));
    }
    let reconnected = before.spec.connection != printer.connection;
    if reconnected && let Some(job) = busy_with(db, id).await? {
        return Err(PrinterError::Busy(format!(
            "{} is printing {job}: change how it is reached once that print is over.",
            before.spec.name
        )));
    }
    // A new connection forgets the old one's reading and lease, so the
    // next poll reads the printer it now names.
    let forget = if reconnected {
        ", state = $11, completion_pct = NULL, time_left_s = NULL, file_name = NULL, message = NULL, \
         read_at = NULL, polled_by = NULL, poll_until = NULL"
    } else {
        ""
    };
    let updated = bind_spec(
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE printers SET name = $1, method = $2, build_x_mm = $3, build_y_mm = $4, build_z_mm = $5, \
             material = $6, colour = $7, connection = $8, server_url = $9, api_key_from = $10, \
             updated_at = $12, changed_at = $12{forget} WHERE id = $13"
        ))),
        &printer,
    )
    .bind(now_ms())
    .bind(id)
    .execute(db.pool())
    .await;
    match updated {
        Ok(done) if done.rows_affected() == 1 => Ok(()),
        Ok(_) => Err(PrinterError::NotFound),
        Err(sqlx::Error::Database(error)) if error.is_unique_violation() => {
            Err(PrinterError::NameTaken(printer.name))
        }
        Err(error) => Err(error.into()),
    }
}

/// Removes a printer the lab no longer has. Not while a job prints on it;
/// finished jobs keep its name in their event logs.
pub async fn remove(db: &Db, _staff: &crate::staff::StaffSession, id: &str) -> Result<(), PrinterError> {
    let name: String = sqlx::query_scalar("SELECT name FROM printers WHERE id = $1")
        .bind(id)
        .fetch_optional(db.pool())
        .await?
        .ok_or(PrinterError::NotFound)?;
    // Asked of the lab in the delete's own write transaction (on SQLite
    // the only writer; on PostgreSQL a send committed first is seen here, and
    // a send after it finds no printer to send to).
    let mut tx = db.begin_write().await?;
    if let Some(job) = crate::lab::printing::printing_on_in(&mut tx, id).await? {
        return Err(PrinterError::Busy(format!(
            "{name} is printing {job}: remove it once that print is over."
        )));
    }
    let removed = sqlx::query("DELETE FROM printers WHERE id = $1").bind(id).execute(&mut *tx).await?;
    tx.commit().await?;
    match removed.rows_affected() {
        1 => Ok(()),
        // It went meanwhile.
        _ => Err(PrinterError::NotFound),
    }
}

/// Every printer, by name.
pub async fn list(db: &Db) -> sqlx::Result<Vec<Printer>> {
    let rows = sqlx::query_as::<_, PrinterRow>(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM printers ORDER BY name"
    )))
    .fetch_all(db.pool())
    .await?;
    Ok(rows.into_iter().map(Printer::from).collect())
}

/// A figure that moves whenever any printer changes, is added or removed
/// (a sum of change times, not the newest, so a removal moves it too): the
/// staff pages' stream follows it.
pub async fn changes(db: &Db) -> sqlx::Result<i64> {
    let sum: Option<i64> =
        sqlx::query_scalar("SELECT CAST(SUM(COALESCE(changed_at, created_at)) AS BIGINT) FROM printers")
            .fetch_one(db.pool())
            .await?;
    Ok(sum.unwrap_or(0))
}

/// The printers with a server whose poll lease is free (or already `owner`'s),
/// now leased to `owner` for `lease_ms`: only one instance reads a printer
/// at a time, and a lease an instance stopped holding passes to another.
pub async fn claim_polls(db: &Db, owner: &str, lease_ms: i64) -> sqlx::Result<Vec<Printer>> {
    let now = now_ms();
    let rows = sqlx::query_as::<_, PrinterRow>(sqlx::AssertSqlSafe(format!(
        "UPDATE printers SET polled_by = $1, poll_until = $2 \
         WHERE connection <> 'manual' AND (poll_until IS NULL OR poll_until < $3 OR polled_by = $1) \
         RETURNING {COLUMNS}"
    )))
    .bind(owner)
    .bind(now + lease_ms)
    .bind(now)
    .fetch_all(db.pool())
    .await?;
    Ok(rows.into_iter().map(Printer::from).collect())
}

/// Records what `owner` read from the printer, if it still holds the
/// printer's lease; whether it did. `changed`: the reading differs from the
/// last one (the dashboards follow `changed_at`).
pub async fn record(db: &Db, id: &str, owner: &str, reading: &Reading, changed: bool) -> sqlx::Result<bool> {
    let now = now_ms();
    let updated = sqlx::query(
        "UPDATE printers SET state = $1, completion_pct = CAST($2 AS DOUBLE PRECISION), time_left_s = $3, file_name = $4, message = $5, \
         read_at = $6, updated_at = $6, changed_at = COALESCE($9, changed_at) \
         WHERE id = $7 AND polled_by = $8 AND poll_until >= $6",
    )
    .bind(reading.state.name())
    .bind(crate::platform::db::maybe_number(reading.completion_pct))
    .bind(reading.time_left_s)
    .bind(&reading.file)
    .bind(&reading.message)
    .bind(now)
    .bind(id)
    .bind(owner)
    .bind(changed.then_some(now))
    .execute(db.pool())
    .await?;
    Ok(updated.rows_affected() == 1)
}

/// A `printers` row as [`COLUMNS`] reads it.
#[derive(sqlx::FromRow)]
struct PrinterRow {
    id: String,
    name: String,
    method: String,
    build_x_mm: f64,
    build_y_mm: f64,
    build_z_mm: f64,
    material: String,
    colour: String,
    connection: Option<String>,
    server_url: Option<String>,
    api_key_from: Option<String>,
    state: Option<String>,
    completion_pct: Option<f64>,
    time_left_s: Option<i64>,
    file_name: Option<String>,
    message: Option<String>,
    read_at: Option<i64>,
    maintenance: Option<String>,
    snapshot_url: Option<String>,
}

impl From<PrinterRow> for Printer {
    fn from(row: PrinterRow) -> Printer {
        let connection = match (row.connection.as_deref(), row.server_url, row.api_key_from) {
            (Some("octoprint"), Some(url), Some(key)) => {
                Connection::OctoPrint { url, key: KeySource::stored(&key) }
            }
            (Some("moonraker"), Some(url), key) => {
                Connection::Moonraker { url, key: key.as_deref().map(KeySource::stored) }
            }
            _ => Connection::Manual,
        };
        let state = row.state.as_deref().and_then(PrinterState::parse);
        let reading = state.filter(|_| row.read_at.is_some()).map(|state| Reading {
            state,
            completion_pct: row.completion_pct,
            time_left_s: row.time_left_s,
            file: row.file_name,
            message: row.message.unwrap_or_default(),
        });
        Printer {
            id: row.id,
            spec: NewPrinter {
                name: row.name,
                method: PrintMethod::parse(&row.method).unwrap_or(PrintMethod::Filament),
                build_mm: [row.build_x_mm, row.build_y_mm, row.build_z_mm],
                material: row.material,
                colour: row.colour,
                connection,
            },
            reading,
            read_at: row.read_at,
            maintenance: row.maintenance,
            snapshot_url: row.snapshot_url,
        }
    }
}
