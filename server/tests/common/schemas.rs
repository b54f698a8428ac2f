//! The two databases' schemas agree: each has its own migrations folder
//! (`migrations/sqlite`, `migrations/postgres`), written by hand side by
//! side, and nothing else would notice a column added to one and not the
//! other until a query failed on the second database in production.

use std::collections::BTreeMap;

use memoreez::platform::db::Db;

/// A column as both databases can say it: its kind and whether it may be NULL.
#[derive(Debug, PartialEq, Eq, Clone)]
struct Column {
    kind: &'static str,
    not_null: bool,
}

type Schema = BTreeMap<String, BTreeMap<String, Column>>;

/// A declared type, at the level both databases share.
fn kind(declared: &str) -> &'static str {
    let declared = declared.to_ascii_lowercase();
    if declared.contains("int") {
        "integer"
    } else if declared.contains("char") || declared == "text" {
        "text"
    } else if declared.contains("real") || declared.contains("double") || declared.contains("float") {
        "real"
    } else if declared.contains("bool") {
        "boolean"
    } else if declared.contains("blob") || declared.contains("bytea") {
        "bytes"
    } else {
        "other"
    }
}

/// sqlx's own bookkeeping: not ours to keep alike.
const NOT_OURS: &str = "_sqlx_migrations";

async fn sqlite_schema(db: &Db) -> Schema {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .fetch_all(db.pool())
    .await
    .unwrap();
    let mut schema = Schema::new();
    for table in tables.into_iter().filter(|table| table != NOT_OURS) {
        let rows: Vec<(String, String, i64, i64)> =
            sqlx::query_as("SELECT name, type, \"notnull\", pk FROM pragma_table_info($1)")
                .bind(&table)
                .fetch_all(db.pool())
                .await
                .unwrap();
        // A primary key is never NULL in PostgreSQL; SQLite says so only for
        // an INTEGER one, but nothing of ours writes NULL into any.
        let columns = rows.into_iter().map(|(name, declared, not_null, pk)| {
            (name, Column { kind: kind(&declared), not_null: not_null == 1 || pk > 0 })
        });
        schema.insert(table, columns.collect());
    }
    schema
}

async fn postgres_schema(db: &Db) -> Schema {
    let rows: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT CAST(table_name AS TEXT), CAST(column_name AS TEXT), CAST(data_type AS TEXT), \
         CAST(is_nullable AS TEXT) FROM information_schema.columns \
         WHERE table_schema = current_schema() ORDER BY table_name, column_name",
    )
    .fetch_all(db.pool())
    .await
    .unwrap();
    let mut schema = Schema::new();
    for (table, column, declared, nullable) in rows.into_iter().filter(|row| row.0 != NOT_OURS) {
        let column_kind = Column { kind: kind(&declared), not_null: nullable == "NO" };
        schema.entry(table).or_default().insert(column, column_kind);
    }
    schema
}

/// Every way `sqlite` and `postgres` differ, one line each.
fn differences(sqlite: &Schema, postgres: &Schema) -> Vec<String> {
    let mut found = Vec::new();
    for table in sqlite.keys().chain(postgres.keys()).collect::<std::collections::BTreeSet<_>>() {
        let (Some(lite), Some(pg)) = (sqlite.get(table), postgres.get(table)) else {
            let only = if sqlite.contains_key(table) { "SQLite" } else { "PostgreSQL" };
            found.push(format!("table {table}: only in {only}"));
            continue;
        };
        for column in lite.keys().chain(pg.keys()).collect::<std::collections::BTreeSet<_>>() {
            match (lite.get(column), pg.get(column)) {
                (Some(a), Some(b)) if a == b => {}
                (Some(a), Some(b)) => found.push(format!("{table}.{column}: SQLite {a:?}, PostgreSQL {b:?}")),
                (Some(_), None) => found.push(format!("{table}.{column}: only in SQLite")),
                (None, _) => found.push(format!("{table}.{column}: only in PostgreSQL")),
            }
        }
    }
    found
}

pub async fn the_two_schemas_agree() {
    let folder = tempfile::tempdir().unwrap();
    let sqlite = Db::connect(&format!("sqlite://{}/schema.db", folder.path().display())).await.unwrap();
    sqlite.migrate().await.unwrap();
    let (url, name) = super::create_postgres_database().await;
    let postgres = Db::connect(&url).await.unwrap();
    postgres.migrate().await.unwrap();

    let (lite, pg) = (sqlite_schema(&sqlite).await, postgres_schema(&postgres).await);
    sqlite.close().await;
    postgres.close().await;
    super::drop_postgres_database(&name).await;

    assert!(lite.len() >= 20 && lite.contains_key("print_job_events"), "the tables are read: {lite:?}");
    let columns: usize = lite.values().map(BTreeMap::len).sum();
    assert!(columns >= 150, "the columns are read: {columns}");
    let found = differences(&lite, &pg);
    assert!(found.is_empty(), "the schemas differ:\n{}", found.join("\n"));
    println!("{} tables and {columns} columns agree on SQLite and PostgreSQL", lite.len());
}

#[test]
fn a_difference_is_found_and_named() {
    let column = |kind, not_null| Column { kind, not_null };
    let mut lite = Schema::new();
    lite.entry("orders".into()).or_default().insert("id".into(), column("text", true));
    lite.entry("orders".into()).or_default().insert("note".into(), column("text", false));
    lite.entry("gone".into()).or_default().insert("id".into(), column("integer", true));
    let mut pg = Schema::new();
    pg.entry("orders".into()).or_default().insert("id".into(), column("text", true));
    pg.entry("orders".into()).or_default().insert("note".into(), column("text", true));
    pg.entry("orders".into()).or_default().insert("extra".into(), column("integer", false));
    assert_eq!(
        differences(&lite, &pg),
        [
            "table gone: only in SQLite",
            "orders.extra: only in PostgreSQL",
            "orders.note: SQLite Column { kind: \"text\", not_null: false }, PostgreSQL Column { kind: \"text\", not_null: true }",
        ]
    );
    assert_eq!(
        (kind("BIGINT"), kind("integer"), kind("TEXT"), kind("character varying")),
        ("integer", "integer", "text", "text")
    );
    assert_eq!(
        (kind("DOUBLE PRECISION"), kind("REAL"), kind("BOOLEAN"), kind("bytea")),
        ("real", "real", "boolean", "bytes")
    );
}
