//! The backend suite against SQLite: a fresh database file per test.

mod common;

mod sqlite {
    use super::common;
    crate::backend_suite!(common::Kind::Sqlite);
}
