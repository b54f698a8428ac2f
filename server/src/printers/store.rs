//! Printers as rows: what staff set for each (checked here), and what the
//! poller last read from it.

use app::error::AppError;
use app::lab::PrintMethod;
use sqlx::Row;

use crate::platform::db::Db;
use crate::platform::time::now_ms;
use crate::printers::octoprint::{PrinterState, Reading};

/// The environment variables a printer's key may be read from start so:
/// `env:MEMOREEZ_STRIPE_SECRET_KEY` must not send the shop's Stripe key to
/// an address a staff member typed.
pub const KEY_VARIABLE_PREFIX: &str = "MEMOREEZ_PRINTER_KEY_";

/// Where a printer's OctoPrint API key is read from. The key itself is
/// never stored, shown or logged; only variables with
/// [`KEY_VARIABLE_PREFIX`] and files in the printer keys folder
/// (`MEMOREEZ_PRINTER_KEYS_DIR`) can be named.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeySource {
    /// `env:MEMOREEZ_PRINTER_KEY_…`: an environment variable of the server.
    Env(String),
    /// `file:NAME`: a file in the printer keys folder (its first line).
    File(String),
    /// A stored source that is no longer allowed (written before the rule):
    /// it reads as an error until staff name an allowed one.
    Unusable(String),
}

/// How a source is named, for the form's error.
pub const KEY_SOURCE_HELP: &str = "Say where the server reads the API key: env:MEMOREEZ_PRINTER_KEY_NAME \
     (an environment variable) or file:NAME (a file in the printer keys folder), never the key itself.";

impl KeySource {
    pub fn parse(text: &str) -> Option<KeySource> {
        let text = text.trim();
        if let Some(name) = text.strip_prefix("env:") {
            let rest = name.strip_prefix(KEY_VARIABLE_PREFIX)?;
            let good = !rest.is_empty()
                && name.len() <= 100
                && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
            return good.then(|| KeySource::Env(name.to_string()));
        }
        // A plain file name: no folders, no `..`, no hidden files.
        let name = text.strip_prefix("file:")?;
        let good = !name.is_empty()
            && name.len() <= 100
            && !name.starts_with('.')
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
        good.then(|| KeySource::File(name.to_string()))
    }

    /// A stored source: as [`parse`](Self::parse), or [`KeySource::Unusable`].
    fn stored(text: &str) -> KeySource {
        KeySource::parse(text).unwrap_or_else(|| KeySource::Unusable(text.chars().take(120).collect()))
    }

    pub fn as_text(&self) -> String {
        match self {
            KeySource::Env(name) => format!("env:{name}"),
            KeySource::File(name) => format!("file:{name}"),
            KeySource::Unusable(text) => text.clone(),
        }
    }

    /// The key, or why it cannot be had (naming the source, never the key;
    /// the same words whether a file is missing or unreadable).
    pub fn read(&self, keys_dir: &std::path::Path) -> Result<String, String> {
        let key = match self {
            KeySource::Env(name) => std::env::var(name).map_err(|_| format!("{name} is not set"))?,
            KeySource::File(name) => std::fs::read_to_string(keys_dir.join(name))
                .map_err(|_| format!("the printer keys folder has no readable file {name}"))?
                .lines()
                .next()
                .unwrap_or_default()
                .to_string(),
            KeySource::Unusable(_) => {
                return Err(format!(
                    "{} is no longer allowed; name env:{KEY_VARIABLE_PREFIX}… or file:NAME",
                    self.as_text()
                ));
            }
        };
        let key = key.trim().to_string();
        if key.is_empty() { Err(format!("{} holds no key", self.as_text())) } else { Ok(key) }
    }
}

/// How staff reach a printer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Connection {
    /// Staff mark each step by hand.
    Manual,
    OctoPrint {
        url: String,
        key: KeySource,
    },
}

/// A printer as staff describe it.
#[derive(Clone, Debug, PartialEq)]
pub struct NewPrinter {
    pub name: String,
    pub method: PrintMethod,
    pub build_mm: [f64; 3],
    pub material: String,
    pub colour: String,
    pub connection: Connection,
}

/// A printer and what was last read from it.
#[derive(Clone, Debug, PartialEq)]
pub struct Printer {
    pub id: String,
    pub spec: NewPrinter,
    /// `None` for a manual printer, or one not read yet.
    pub reading: Option<Reading>,
    pub read_at: Option<i64>,
}

#[derive(thiserror::Error, Debug)]
pub enum PrinterError {
    #[error("{message}")]
    Invalid { field: &'static str, message: String },
    #[error("There is already a printer called {0:?}.")]
    NameTaken(String),
    #[error("There is no such printer (was it removed?).")]
    NotFound,
    /// A change that would lose track of a print under way.
    #[error("{0}")]
    Busy(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl From<PrinterError> for AppError {
    fn from(error: PrinterError) -> Self {
        match error {
            PrinterError::Invalid { field, message } => AppError::Invalid { field: field.into(), message },
            PrinterError::NameTaken(_) => {
                AppError::Conflict { field: "name".into(), message: error.to_string() }
            }
            PrinterError::NotFound => AppError::NotFound,
            PrinterError::Busy(message) => AppError::Conflict { field: "printer".into(), message },
            PrinterError::Database(error) => crate::platform::app_error::database(error),
        }
    }
}

fn invalid(field: &'static str, message: impl Into<String>) -> PrinterError {
    PrinterError::Invalid { field, message: message.into() }
}

/// The biggest build volume side we take, mm: larger is a typing mistake.
const MAX_SIDE_MM: f64 = 2000.0;

impl NewPrinter {
    /// The same printer with its text trimmed, or what is wrong with it.
    pub fn checked(mut self) -> Result<NewPrinter, PrinterError> {
        for (field, text, most) in [
            ("name", &mut self.name, 60),
            ("material", &mut self.material, 40),
            ("colour", &mut self.colour, 40),
        ] {
            *text = text.trim().to_string();
            if text.is_empty() || text.chars().count() > most {
                return Err(invalid(field, format!("Give the printer's {field} (1 to {most} characters).")));
            }
        }
        if !self.build_mm.iter().all(|side| side.is_finite() && (10.0..=MAX_SIDE_MM).contains(side)) {
            return Err(invalid("build_mm", "Each side of the build volume must be 10 to 2000 mm."));
        }
        if let Connection::OctoPrint { url, .. } = &mut self.connection {
            *url = url.trim().trim_end_matches('/').to_string();
            // An address with a host, nothing before it or after its path
            // ("http://ftp://x" or one with a password in it is a slip).
            let parsed = url::Url::parse(url).ok().filter(|parsed| {
                matches!(parsed.scheme(), "http" | "https")
                    && parsed.host_str().is_some_and(|host| !host.is_empty())
                    && parsed.username().is_empty()
                    && parsed.password().is_none()
                    && parsed.query().is_none()
                    && parsed.fragment().is_none()
                    && !parsed.path().contains("//")
                    && !parsed.path().contains(':')
                    && crate::platform::outbound::host_allowed(parsed)
            });
            if parsed.is_none() || url.len() > 300 || url.contains(char::is_whitespace) {
                return Err(invalid(
                    "octoprint_url",
                    "OctoPrint's address is like http://printer-1.lab:5000.",
                ));
            }
        }
        Ok(self)
    }
}

const COLUMNS: &str = "id, name, method, build_x_mm, build_y_mm, build_z_mm, material, colour, connection, \
                       octoprint_url, api_key_from, state, completion_pct, time_left_s, file_name, message, read_at";

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
             connection, octoprint_url, api_key_from, state, created_at, updated_at, id) \
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

/// The connection as its three columns: kind, OctoPrint's address, where its key is read.
fn connection_columns(connection: &Connection) -> (&'static str, Option<String>, Option<String>) {
    match connection {
        Connection::Manual => ("manual", None, None),
        Connection::OctoPrint { url, key } => ("octoprint", Some(url.clone()), Some(key.as_text())),
    }
}

/// Binds what staff set for a printer as `$1`…`$11`: name, method, build
/// volume (3), material, colour, connection, OctoPrint's address, where its
/// key is read, and the state it starts in.
fn bind_spec<'q>(
    query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    printer: &'q NewPrinter,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    let (connection, url, key) = connection_columns(&printer.connection);
    query
        .bind(&printer.name)
        .bind(printer.method.as_str())
        .bind(printer.build_mm[0])
        .bind(printer.build_mm[1])
        .bind(printer.build_mm[2])
        .bind(&printer.material)
        .bind(&printer.colour)
        .bind(connection)
        .bind(url)
        .bind(key)
        .bind(first_state(&printer.connection))
}

/// What a printer's row says before it is first read.
fn first_state(connection: &Connection) -> &'static str {
    match connection {
        Connection::Manual => "manual",
        Connection::OctoPrint { .. } => PrinterState::Offline.name(),
    }
}

/// The name of the job printing on the printer, if any.
async fn busy_with(db: &Db, id: &str) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT name FROM print_jobs WHERE {PRINTING_ON} LIMIT 1"
    )))
    .bind(id)
    .bind(app::print_job::PrintJobStatus::Printing.as_str())
    .fetch_optional(db.pool())
    .await
}

/// A job printing on printer `$1` (`$2` is Printing).
const PRINTING_ON: &str = "printer_id = $1 AND status = $2";

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
    let now_row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM printers WHERE id = $1")))
        .bind(id)
        .fetch_optional(db.pool())
        .await?
        .ok_or(PrinterError::NotFound)?;
    let before = from_row(&now_row)?;
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
             material = $6, colour = $7, connection = $8, octoprint_url = $9, api_key_from = $10, \
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
    // Checked again in the delete itself: a print may have started meanwhile.
    let removed = sqlx::query(sqlx::AssertSqlSafe(format!(
        "DELETE FROM printers WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM print_jobs WHERE {PRINTING_ON})"
    )))
    .bind(id)
    .bind(app::print_job::PrintJobStatus::Printing.as_str())
    .execute(db.pool())
    .await?;
    if removed.rows_affected() == 1 {
        return Ok(());
    }
    // Not removed: say which print holds it (or that it went meanwhile).
    match busy_with(db, id).await? {
        Some(job) => {
            Err(PrinterError::Busy(format!("{name} is printing {job}: remove it once that print is over.")))
        }
        None => Err(PrinterError::NotFound),
    }
}

/// Every printer, by name.
pub async fn list(db: &Db) -> sqlx::Result<Vec<Printer>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM printers ORDER BY name")))
        .fetch_all(db.pool())
        .await?;
    rows.iter().map(from_row).collect()
}

/// The OctoPrint printers whose poll lease is free (or already `owner`'s),
/// now leased to `owner` for `lease_ms`: only one instance reads a printer
/// at a time, and a lease an instance stopped holding passes to another.
pub async fn claim_polls(db: &Db, owner: &str, lease_ms: i64) -> sqlx::Result<Vec<Printer>> {
    let now = now_ms();
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE printers SET polled_by = $1, poll_until = $2 \
         WHERE connection = 'octoprint' AND (poll_until IS NULL OR poll_until < $3 OR polled_by = $1) \
         RETURNING {COLUMNS}"
    )))
    .bind(owner)
    .bind(now + lease_ms)
    .bind(now)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(from_row).collect()
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

fn from_row(row: &sqlx::any::AnyRow) -> sqlx::Result<Printer> {
    let text = |name: &str| row.try_get::<Option<String>, _>(name);
    let connection = match (text("connection")?.as_deref(), text("octoprint_url")?, text("api_key_from")?) {
        (Some("octoprint"), Some(url), Some(key)) => {
            Connection::OctoPrint { url, key: KeySource::stored(&key) }
        }
        _ => Connection::Manual,
    };
    let state = match text("state")?.as_deref() {
        Some("offline") => Some(PrinterState::Offline),
        Some("idle") => Some(PrinterState::Idle),
        Some("printing") => Some(PrinterState::Printing),
        Some("paused") => Some(PrinterState::Paused),
        Some("error") => Some(PrinterState::Error),
        _ => None,
    };
    let read_at: Option<i64> = row.try_get("read_at")?;
    let reading = state.filter(|_| read_at.is_some()).map(|state| -> sqlx::Result<Reading> {
        Ok(Reading {
            state,
            completion_pct: row.try_get("completion_pct")?,
            time_left_s: row.try_get("time_left_s")?,
            file: text("file_name")?,
            message: text("message")?.unwrap_or_default(),
        })
    });
    Ok(Printer {
        id: row.try_get("id")?,
        spec: NewPrinter {
            name: row.try_get("name")?,
            method: PrintMethod::parse(&row.try_get::<String, _>("method")?).unwrap_or(PrintMethod::Filament),
            build_mm: [row.try_get("build_x_mm")?, row.try_get("build_y_mm")?, row.try_get("build_z_mm")?],
            material: row.try_get("material")?,
            colour: row.try_get("colour")?,
            connection,
        },
        reading: reading.transpose()?,
        read_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn printer() -> NewPrinter {
        NewPrinter {
            name: "  Prusa MK4 #1 ".into(),
            method: PrintMethod::Filament,
            build_mm: [250.0, 210.0, 220.0],
            material: "PLA".into(),
            colour: "Black".into(),
            connection: Connection::OctoPrint {
                url: "http://printer-1.lab:5000/".into(),
                key: KeySource::Env("MEMOREEZ_PRINTER_1_KEY".into()),
            },
        }
    }

    #[test]
    fn a_printer_is_checked_and_trimmed() {
        let checked = printer().checked().unwrap();
        assert_eq!(checked.name, "Prusa MK4 #1");
        assert_eq!(
            checked.connection,
            Connection::OctoPrint {
                url: "http://printer-1.lab:5000".into(),
                key: KeySource::Env("MEMOREEZ_PRINTER_1_KEY".into())
            }
        );
        let mut no_name = printer();
        no_name.name = "   ".into();
        assert!(matches!(no_name.checked(), Err(PrinterError::Invalid { field: "name", .. })));
        let mut huge = printer();
        huge.build_mm[2] = 20_000.0;
        assert!(matches!(huge.checked(), Err(PrinterError::Invalid { field: "build_mm", .. })));
        let mut nan = printer();
        nan.build_mm[0] = f64::NAN;
        assert!(matches!(nan.checked(), Err(PrinterError::Invalid { field: "build_mm", .. })));
        for slip in [
            "ftp://x",
            "http://ftp://x",
            "http://",
            "http://user:pw@mk4:5000",
            "http://mk4:5000/?a=1",
            "mk4:5000",
        ] {
            let mut bad = printer();
            bad.connection = Connection::OctoPrint { url: slip.into(), key: KeySource::Env("K".into()) };
            assert!(
                matches!(bad.checked(), Err(PrinterError::Invalid { field: "octoprint_url", .. })),
                "{slip}"
            );
        }
        for inward in ["http://169.254.169.254", "http://[fe80::1]:5000", "http://metadata.google.internal"] {
            let mut bad = printer();
            bad.connection = Connection::OctoPrint { url: inward.into(), key: KeySource::Env("K".into()) };
            assert!(
                matches!(bad.checked(), Err(PrinterError::Invalid { field: "octoprint_url", .. })),
                "{inward}"
            );
        }
        for fine in ["http://127.0.0.1:5000", "https://lab.example/octoprint/"] {
            let mut good = printer();
            good.connection = Connection::OctoPrint { url: fine.into(), key: KeySource::Env("K".into()) };
            assert!(good.checked().is_ok(), "{fine}");
        }
    }

    #[test]
    fn a_key_is_read_only_from_a_printer_variable_or_the_keys_folder() {
        assert_eq!(
            KeySource::parse("env:MEMOREEZ_PRINTER_KEY_P1"),
            Some(KeySource::Env("MEMOREEZ_PRINTER_KEY_P1".into()))
        );
        assert_eq!(KeySource::parse("file:p1.key"), Some(KeySource::File("p1.key".into())));
        for bad in [
            "",
            "env:",
            "env:MEMOREEZ_PRINTER_KEY_",
            "env:MEMOREEZ_PRINTER_KEY_A B",
            // The server's own secrets, and any other variable.
            "env:MEMOREEZ_STRIPE_SECRET_KEY",
            "env:MEMOREEZ_SLANT3D_API_KEY",
            "env:HOME",
            "env:PRINTER_KEY",
            // Any file but one in the keys folder.
            "file:/etc/memoreez/p1.key",
            "file:/proc/self/environ",
            "file:../memoreez.db",
            "file:keys/p1.key",
            "file:.hidden",
            "file:",
            "the-key-itself",
        ] {
            assert_eq!(KeySource::parse(bad), None, "{bad}");
        }
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("p1.key"), "s3cr3t-key\nignored\n").unwrap();
        assert_eq!(KeySource::File("p1.key".into()).read(dir.path()).unwrap(), "s3cr3t-key");
        // A missing file and an unreadable one (a folder) say the same.
        std::fs::create_dir(dir.path().join("folder.key")).unwrap();
        assert_eq!(
            KeySource::File("missing.key".into()).read(dir.path()).unwrap_err(),
            "the printer keys folder has no readable file missing.key"
        );
        assert_eq!(
            KeySource::File("folder.key".into()).read(dir.path()).unwrap_err(),
            "the printer keys folder has no readable file folder.key"
        );
        let missing = KeySource::Env("MEMOREEZ_PRINTER_KEY_NO_SUCH".into()).read(dir.path()).unwrap_err();
        assert_eq!(missing, "MEMOREEZ_PRINTER_KEY_NO_SUCH is not set");
        std::fs::write(dir.path().join("p1.key"), "\n").unwrap();
        assert!(KeySource::File("p1.key".into()).read(dir.path()).unwrap_err().ends_with("holds no key"));
        // A source stored before the rule reads as an error, never as the secret.
        let old = KeySource::stored("env:MEMOREEZ_STRIPE_SECRET_KEY");
        assert_eq!(old, KeySource::Unusable("env:MEMOREEZ_STRIPE_SECRET_KEY".into()));
        assert!(old.read(dir.path()).unwrap_err().contains("no longer allowed"));
    }
}
