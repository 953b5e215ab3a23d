//! Bulk seeding of synthetic users for benchmarks: many rows per statement,
//! many statements per transaction, no password hashing. Not for real data:
//! seeded users get `user<N>@seed.example` and a generated name.

use crate::error::Result;
use crate::{Arg, Store, now_micros};

const FIRST: [&str; 20] = [
    "Ada",
    "Alan",
    "Barbara",
    "Claude",
    "Donald",
    "Edsger",
    "Frances",
    "Grace",
    "Hedy",
    "Ivan",
    "John",
    "Ken",
    "Leslie",
    "Margaret",
    "Niklaus",
    "Ole",
    "Radia",
    "Shafi",
    "Tim",
    "Whitfield",
];
const LAST: [&str; 20] = [
    "Lovelace",
    "Turing",
    "Liskov",
    "Shannon",
    "Knuth",
    "Dijkstra",
    "Allen",
    "Hopper",
    "Lamarr",
    "Sutherland",
    "McCarthy",
    "Thompson",
    "Lamport",
    "Hamilton",
    "Wirth",
    "Dahl",
    "Perlman",
    "Goldwasser",
    "Berners-Lee",
    "Diffie",
];
const ROWS_PER_STATEMENT: usize = 500;
const STATEMENTS_PER_TX: usize = 20;

impl Store {
    /// Insert `count` users numbered from `first` (so repeated calls can
    /// grow a store), each with an email login ID and a name.
    pub async fn seed_users(&self, project: &str, first: u64, count: u64) -> Result<()> {
        let base = now_micros();
        let mut next = first;
        let end = first + count;
        while next < end {
            let mut tx = self.begin().await?;
            for _ in 0..STATEMENTS_PER_TX {
                if next >= end {
                    break;
                }
                let n = (end - next).min(ROWS_PER_STATEMENT as u64);
                let rows: Vec<SeedRow> = (next..next + n).map(|i| SeedRow::new(i, base)).collect();
                next += n;
                for (sql, args) in statements(project, &rows) {
                    on_tx!(tx, |conn, pg| {
                        let query = sqlx::query(sqlx::AssertSqlSafe(sql));
                        bind_args!(query, args).execute(&mut *conn).await?;
                    });
                }
            }
            tx.commit().await?;
        }
        // Fresh statistics, so the planner sees the new size at once rather
        // than after the next autovacuum.
        on_pool!(self, |pool, pg| {
            let sql = if pg {
                "ANALYZE users, identities, user_search_terms"
            } else {
                "ANALYZE"
            };
            sqlx::query(sql).execute(pool).await?;
        });
        Ok(())
    }
}

struct SeedRow {
    user_id: String,
    identity_id: String,
    email: String,
    name: String,
    at: i64,
}

impl SeedRow {
    fn new(i: u64, base: i64) -> Self {
        let name = format!(
            "{} {}",
            FIRST[(i % 20) as usize],
            LAST[((i / 20) % 20) as usize]
        );
        SeedRow {
            user_id: uuid::Uuid::new_v4().to_string(),
            identity_id: uuid::Uuid::new_v4().to_string(),
            email: format!("user{i}@seed.example"),
            name,
            at: base + i as i64,
        }
    }
}

/// The three multi-row inserts (users, identities, search terms) for a batch.
fn statements(project: &str, rows: &[SeedRow]) -> Vec<(String, Vec<Arg>)> {
    let mut users = (
        String::from(
            "INSERT INTO users (project_id, id, created_at, updated_at, standard_attributes) VALUES ",
        ),
        vec![Arg::Text(project.to_owned())],
    );
    let mut identities = (
        String::from(
            "INSERT INTO identities (project_id, id, user_id, login_id_key, login_id_type, login_id, unique_key, original_value, created_at, updated_at) VALUES ",
        ),
        vec![Arg::Text(project.to_owned())],
    );
    let mut terms = (
        String::from(
            "INSERT INTO user_search_terms (project_id, term, user_id, created_at) VALUES ",
        ),
        vec![Arg::Text(project.to_owned())],
    );
    for (k, row) in rows.iter().enumerate() {
        let sep = if k == 0 { "" } else { ", " };
        let n = users.1.len() + 1;
        users.0.push_str(&format!(
            "{sep}($1, ${n}, ${}, ${}, ${})",
            n + 1,
            n + 1,
            n + 2
        ));
        let attrs = serde_json::json!({"email": row.email, "name": row.name}).to_string();
        users.1.extend([
            Arg::Text(row.user_id.clone()),
            Arg::Int(row.at),
            Arg::Text(attrs),
        ]);

        let n = identities.1.len() + 1;
        identities.0.push_str(&format!(
            "{sep}($1, ${n}, ${}, 'email', 'email', ${}, ${}, ${}, ${}, ${})",
            n + 1,
            n + 2,
            n + 2,
            n + 2,
            n + 3,
            n + 3
        ));
        identities.1.extend([
            Arg::Text(row.identity_id.clone()),
            Arg::Text(row.user_id.clone()),
            Arg::Text(row.email.clone()),
            Arg::Int(row.at),
        ]);

        let n = terms.1.len() + 1;
        terms.0.push_str(&format!(
            "{sep}($1, ${n}, ${}, ${}), ($1, ${}, ${}, ${})",
            n + 1,
            n + 2,
            n + 3,
            n + 1,
            n + 2
        ));
        terms.1.extend([
            Arg::Text(row.email.clone()),
            Arg::Text(row.user_id.clone()),
            Arg::Int(row.at),
            Arg::Text(row.name.to_lowercase()),
        ]);
    }
    vec![users, identities, terms]
}
