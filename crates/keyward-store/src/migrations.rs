//! Migrations are embedded in the binary (no files needed at run time) and
//! applied on open. sqlx records each by version and checksum, so editing an
//! applied migration is detected and refused.

use std::borrow::Cow;

use sqlx::SqlSafeStr as _;
use sqlx::migrate::{Migration, MigrationType, Migrator};

const SQLITE: &[(i64, &str, &str)] = &[(
    1,
    "init",
    include_str!("../migrations/sqlite/0001_init.sql"),
)];

pub(crate) fn sqlite() -> Migrator {
    Migrator::with_migrations(
        SQLITE
            .iter()
            .map(|(version, name, sql)| {
                Migration::new(
                    *version,
                    Cow::Borrowed(*name),
                    MigrationType::Simple,
                    sql.into_sql_str(),
                    false,
                )
            })
            .collect(),
    )
}
