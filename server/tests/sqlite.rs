//! The backend suite against SQLite: a fresh database file per test.

mod common;

mod sqlite {
    use super::common;
    crate::database_suite!(common::Kind::Sqlite);
}
