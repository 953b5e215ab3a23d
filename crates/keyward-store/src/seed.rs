//! Bulk seeding of synthetic users for benchmarks: many rows per statement,
//! many statements per transaction, no password hashing. Not for real data:
//! seeded users get `user<N>@seed.example` and a generated name.

use serde_json::Value;

use crate::error::{Result, StoreError};
use crate::{Identity, NewUser, Store, User, now_micros};

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
/// Users per [`Tx::insert_users`] call, and calls per transaction.
const USERS_PER_CALL: u64 = 500;
const CALLS_PER_TX: usize = 20;

impl Store {
    /// Insert `count` users numbered from `first` (so repeated calls can
    /// grow a store), each with an email login ID and a name.
    pub async fn seed_users(&self, project: &str, first: u64, count: u64) -> Result<()> {
        let base = now_micros();
        let mut next = first;
        let end = first + count;
        let mut transactions = 0u32;
        while next < end {
            let mut tx = self.begin().await?;
            for _ in 0..CALLS_PER_TX {
                if next >= end {
                    break;
                }
                let n = (end - next).min(USERS_PER_CALL);
                let users: Vec<NewUser> = (next..next + n).map(|i| seeded(i, base)).collect();
                next += n;
                if !tx.insert_users(project, &users).await? {
                    // Seeding the same numbers twice.
                    return Err(StoreError::DuplicateIdentity {
                        login_type: "email".into(),
                    });
                }
            }
            tx.commit().await?;
            transactions += 1;
            // Statistics as the tables grow (see `analyze_users`), after
            // the 1st, 2nd, 4th, … transaction.
            if transactions.is_power_of_two() {
                self.analyze_users().await?;
            }
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

/// Seeded user `i`: `user<i>@seed.example` and a name from the lists.
fn seeded(i: u64, base: i64) -> NewUser {
    let name = format!(
        "{} {}",
        FIRST[(i % 20) as usize],
        LAST[((i / 20) % 20) as usize]
    );
    let email = format!("user{i}@seed.example");
    let at = base + i as i64;
    let mut user = User::new(uuid::Uuid::new_v4().to_string(), at);
    user.standard_attributes
        .insert("email".into(), Value::String(email.clone()));
    user.standard_attributes
        .insert("name".into(), Value::String(name));
    let identity = Identity {
        id: uuid::Uuid::new_v4().to_string(),
        user_id: user.id.clone(),
        key: "email".into(),
        login_type: "email".into(),
        login_id: email.clone(),
        unique_key: email.clone(),
        original_value: email,
        created_at: at,
        updated_at: at,
    };
    NewUser {
        user,
        identities: vec![identity],
        verified: Vec::new(),
        password: None,
    }
}
