//! Migrations are embedded in the binary (no files needed at run time) and
//! applied on open. sqlx records each by version and checksum, so editing an
//! applied migration is detected and refused. On PostgreSQL the migrator
//! holds an advisory lock while it runs, so replicas starting together apply
//! each migration once.

use std::borrow::Cow;

use sqlx::SqlSafeStr as _;
use sqlx::migrate::{Migration, MigrationType, Migrator};

type Embedded = &'static [(i64, &'static str, &'static str)];

const SQLITE: Embedded = &[
    (
        1,
        "init",
        include_str!("../migrations/sqlite/0001_init.sql"),
    ),
    (
        2,
        "users",
        include_str!("../migrations/sqlite/0002_users.sql"),
    ),
    (
        3,
        "portal",
        include_str!("../migrations/sqlite/0003_portal.sql"),
    ),
    (
        4,
        "limits",
        include_str!("../migrations/sqlite/0004_limits.sql"),
    ),
    (
        5,
        "signin",
        include_str!("../migrations/sqlite/0005_signin.sql"),
    ),
    (
        6,
        "lifecycle",
        include_str!("../migrations/sqlite/0006_lifecycle.sql"),
    ),
];
const POSTGRES: Embedded = &[
    (
        1,
        "init",
        include_str!("../migrations/postgres/0001_init.sql"),
    ),
    (
        2,
        "users",
        include_str!("../migrations/postgres/0002_users.sql"),
    ),
    (
        3,
        "portal",
        include_str!("../migrations/postgres/0003_portal.sql"),
    ),
    (
        4,
        "limits",
        include_str!("../migrations/postgres/0004_limits.sql"),
    ),
    (
        5,
        "signin",
        include_str!("../migrations/postgres/0005_signin.sql"),
    ),
    (
        6,
        "lifecycle",
        include_str!("../migrations/postgres/0006_lifecycle.sql"),
    ),
];

fn migrator(embedded: Embedded) -> Migrator {
    Migrator::with_migrations(
        embedded
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

pub(crate) fn sqlite() -> Migrator {
    migrator(SQLITE)
}

pub(crate) fn postgres() -> Migrator {
    migrator(POSTGRES)
}
