//! Human and JSON output. JSON field names and time formats are stable.

use std::time::{Duration, UNIX_EPOCH};

use keyward_store::{ApiKey, Project};
use serde_json::{Value, json};

/// RFC 3339 UTC, seconds precision.
pub fn time(secs: i64) -> String {
    let t = UNIX_EPOCH + Duration::from_secs(u64::try_from(secs).unwrap_or(0));
    humantime::format_rfc3339_seconds(t).to_string()
}

pub fn project_json(p: &Project) -> Value {
    json!({
        "id": p.id,
        "created_at": time(p.created_at),
        "max_token_lifetime_secs": p.max_token_lifetime_secs,
        "key_rate_limit": p.limits.key_rate,
        "project_rate_limit": p.limits.project_rate,
        "replay_guard": p.limits.replay_guard,
    })
}

pub fn key_json(k: &ApiKey) -> Value {
    json!({
        "kid": k.kid,
        "label": k.label,
        "origin": k.origin.as_str(),
        "status": k.status.as_str(),
        "role": k.role.as_str(),
        "bits": k.bits,
        "created_at": time(k.created_at),
        "last_used_at": k.last_used_at.map(time),
    })
}

/// Print rows as aligned columns.
pub fn table(headers: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.len()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<String>| {
        let text: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        println!("{}", text.join("  ").trim_end());
    };
    line(headers.iter().map(|h| (*h).to_owned()).collect());
    for row in rows {
        line(row.clone());
    }
}

pub fn print_json(value: &Value) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}
