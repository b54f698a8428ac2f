//! The backend suite against PostgreSQL: a fresh database per test, created
//! from `MEMOREEZ_TEST_POSTGRES_URL` (default: the local server's `test`
//! database) and dropped afterwards. `./dev test` skips this file, saying so,
//! when no PostgreSQL answers.

mod common;

// Every test here is under `postgres::`, the filter `./dev test` skips
// (saying so) when no PostgreSQL answers outside CI.
mod postgres {
    use super::common;
    crate::database_suite!(common::Kind::Postgres);

    /// A fresh SQLite and a fresh PostgreSQL database, each migrated by its
    /// own folder, have the same tables and columns, kinds and nullability.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_two_schemas_agree() {
        common::schemas::the_two_schemas_agree().await
    }

    /// PostgreSQL goes away (every connection cut, new ones refused) and comes back.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_database_goes_away_and_comes_back() {
        common::protect::the_database_goes_away_and_comes_back().await
    }
}
