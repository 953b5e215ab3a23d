//! Running user imports and exports in the background, and the wire
//! pieces both need: job IDs, Authgear's `APIError` object, and the signed
//! download links of export files.
//!
//! Each kind runs under its own database lease, so one replica at a time
//! works on it; the holder renews the lease as it goes. An import task's
//! records and outcomes commit in one transaction: a killed server leaves
//! the task untouched and the next holder runs it again, and a finished
//! record's outcome is never lost. An export writes its file in chunks and
//! starts over if its run dies; after three runs that never finished, the
//! job is failed with a reason instead of being retried for ever.

use std::time::Duration;

use keyward_accounts::export::{self, Format};
use keyward_accounts::import::{self, Identifier, Options, Outcome};
use keyward_accounts::{AccountsError, Actor, ErrorKind, Initiator};
use keyward_store::{ExportJob, ImportTask, StoreError};
use serde::Serialize;
use serde_json::{Value, json};

use crate::AppState;

/// How long a job and its outcome (or file) are kept, microseconds.
pub const RETENTION_MICROS: i64 = 24 * 3600 * 1_000_000;
/// Runs of one task or export that may die before it is failed.
const MAX_ATTEMPTS: i64 = 3;
/// Users read per page of an export (Authgear's page size).
const EXPORT_PAGE: i64 = 1000;
/// Export pages read and rendered at once (see `write_export`): enough to
/// keep the database and the worker busy together, few enough to leave the
/// pool's other connections to requests.
const PAGES_IN_FLIGHT: usize = 3;
/// One export page, rendered.
type PageResult = Result<Vec<u8>, ExportFailure>;

/// The pages being read, in order; stopped if the export stops early.
#[derive(Default)]
struct InFlight(std::collections::VecDeque<tokio::task::JoinHandle<PageResult>>);

impl Drop for InFlight {
    fn drop(&mut self) {
        for page in &self.0 {
            page.abort();
        }
    }
}
/// Bytes per stored chunk of an export file.
const CHUNK_BYTES: usize = 1 << 20;
/// The import lease.
pub const IMPORT_LEASE: &str = "user_import";
/// The export lease.
pub const EXPORT_LEASE: &str = "user_export";

/// A new job ID: `prefix` + 32 characters of Crockford's base32 (160
/// random bits), as Authgear's.
pub fn new_id(prefix: &str) -> Option<String> {
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut bytes = [0u8; 20];
    aws_lc_rs::rand::fill(&mut bytes).ok()?;
    let mut out = String::with_capacity(prefix.len() + 32);
    out.push_str(prefix);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for b in bytes {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((acc >> bits) & 31) as usize]));
        }
    }
    Some(out)
}

/// Authgear's `APIError` (key order as theirs).
#[derive(Debug, Clone, Serialize)]
pub struct ApiErrorBody {
    /// `Invalid`, `NotFound`, …
    pub name: &'static str,
    /// The stable reason.
    pub reason: &'static str,
    /// What went wrong.
    pub message: String,
    /// The nominal HTTP status.
    pub code: u16,
    /// Detail, when there is some.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub info: Option<Value>,
}

impl ApiErrorBody {
    /// One error.
    pub fn new(
        name: &'static str,
        reason: &'static str,
        message: impl Into<String>,
        code: u16,
    ) -> Self {
        ApiErrorBody {
            name,
            reason,
            message: message.into(),
            code,
            info: None,
        }
    }

    /// With `info`.
    pub fn info(mut self, info: Value) -> Self {
        self.info = Some(info);
        self
    }

    /// keyward's own failure: nothing about it is shown.
    pub fn unexpected() -> Self {
        Self::new(
            "InternalError",
            "UnexpectedError",
            "unexpected error occurred",
            500,
        )
    }

    /// An accounts refusal in Authgear's words (internal failures hide
    /// their detail).
    pub fn of(e: &AccountsError) -> Self {
        let (name, code) = match e.kind() {
            ErrorKind::Invalid => ("Invalid", 400),
            ErrorKind::NotFound => ("NotFound", 404),
            ErrorKind::BadRequest => ("BadRequest", 400),
            ErrorKind::Forbidden => ("Forbidden", 403),
            ErrorKind::TooManyRequests => ("TooManyRequest", 429),
            ErrorKind::Internal => return Self::unexpected(),
        };
        let body = Self::new(name, e.reason(), e.to_string(), code);
        match e.info() {
            Some(info) => body.info(info),
            None => body,
        }
    }

    /// As JSON text.
    pub fn to_text(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// One record's entry in an import's `details` (key order as Authgear's).
#[derive(Debug, Serialize)]
struct Detail {
    index: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    record: Option<Value>,
    outcome: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_id: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    warnings: Vec<Warning>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<ApiErrorBody>,
}

#[derive(Debug, Serialize)]
struct Warning {
    message: String,
}

/// The record as `details` echo it: keys sorted (serde_json's map is
/// ordered), secrets replaced by `REDACTED`, an empty record left out.
pub fn redacted(record: &Value) -> Option<Value> {
    let mut r = record.clone();
    let hide = |parent: &mut Value, key: &str, inner: Option<&str>| {
        if let Some(v) = parent.get_mut(key) {
            match (v, inner) {
                (Value::Null, _) => {}
                (Value::Object(o), Some(inner)) => {
                    if let Some(secret) = o.get_mut(inner) {
                        *secret = json!("REDACTED");
                    }
                }
                (v, _) => *v = json!("REDACTED"),
            }
        }
    };
    hide(&mut r, "password", Some("password_hash"));
    if let Some(mfa) = r.get_mut("mfa") {
        if mfa.is_object() {
            hide(mfa, "password", Some("password_hash"));
            hide(mfa, "totp", Some("secret"));
        } else if !mfa.is_null() {
            *mfa = json!("REDACTED");
        }
    }
    match &r {
        Value::Object(o) if o.is_empty() => None,
        _ => Some(r),
    }
}

/// Run imports and exports, and purge expired jobs, until aborted.
/// Both run in this one future (not spawned), so aborting it on shutdown
/// stops both.
pub async fn run(state: AppState) {
    tokio::join!(run_imports(state.clone()), run_exports(state));
}

/// When the import worker refreshes the store's statistics: after 1,000
/// imported users, then each time the number imported since the server
/// started doubles, and at least every 200,000 (a dozen `ANALYZE`s for a
/// million users, each a fraction of a second).
#[derive(Debug, Default)]
struct Statistics {
    inserted: std::sync::atomic::AtomicU64,
    next: std::sync::atomic::AtomicU64,
}

impl Statistics {
    async fn count(&self, state: &AppState, inserted: u64) {
        use std::sync::atomic::Ordering::Relaxed;
        let total = self.inserted.fetch_add(inserted, Relaxed) + inserted;
        let next = self.next.load(Relaxed);
        if total < next.max(1000) {
            return;
        }
        self.next.store(total + total.clamp(1000, 200_000), Relaxed);
        if let Err(e) = state.store().analyze_users().await {
            tracing::warn!(error = %e, "cannot refresh the user tables' statistics");
        }
    }
}

async fn run_imports(state: AppState) {
    let wake = state.import_wake().clone();
    let statistics = std::sync::Arc::new(Statistics::default());
    crate::jobs::under_lease_woken(
        state,
        IMPORT_LEASE,
        Duration::from_secs(1),
        Some(wake),
        move |s, lease| {
            let statistics = statistics.clone();
            async move {
                purge(&s).await;
                let mut renewed = std::time::Instant::now();
                loop {
                    match s.store().claim_import_task().await {
                        Ok(Some(task)) => {
                            let inserted = run_task(&s, task).await;
                            statistics.count(&s, inserted).await;
                        }
                        Ok(None) => break,
                        Err(e) => {
                            tracing::warn!(error = %e, "cannot read import tasks; will retry");
                            break;
                        }
                    }
                    // Well inside the lease's 10 s, without a write per task.
                    if renewed.elapsed() >= Duration::from_secs(2) {
                        if !lease.renew(&s).await {
                            break;
                        }
                        renewed = std::time::Instant::now();
                    }
                }
            }
        },
    )
    .await
}

async fn purge(state: &AppState) {
    match state
        .store()
        .purge_transfers(state.clock().now_micros())
        .await
    {
        Ok(0) => {}
        Ok(n) => tracing::info!(jobs = n, "removed expired user imports and exports"),
        Err(e) => tracing::warn!(error = %e, "cannot remove expired imports and exports"),
    }
}

/// Run one task; how many users it created.
async fn run_task(state: &AppState, task: ImportTask) -> u64 {
    let project = task.project.clone();
    let (id, seq) = (task.job.id.clone(), task.seq);
    if task.attempts > MAX_ATTEMPTS {
        tracing::error!(project, import = %id, seq, "an import task failed {MAX_ATTEMPTS} times; giving up on it");
        let error = ApiErrorBody::unexpected().to_text();
        let now = state.clock().now_micros();
        if let Err(e) = state
            .store()
            .fail_import_task(&project, &id, seq, &error, now)
            .await
        {
            tracing::warn!(error = %e, "cannot mark an import task failed");
        }
        return 0;
    }
    match apply_task(state, &task).await {
        Ok(inserted) => {
            tracing::debug!(project, import = %id, seq, inserted, "import task done");
            inserted
        }
        Err(e) => {
            tracing::warn!(project, import = %id, seq, error = %e, "import task not finished; it will run again");
            0
        }
    }
}

/// Apply a task's records and store their outcomes, all in one
/// transaction; how many users it created.
async fn apply_task(state: &AppState, task: &ImportTask) -> Result<u64, AccountsError> {
    let records: Vec<Value> = serde_json::from_str(&task.records)
        .map_err(|e| AccountsError::Internal(format!("stored import records: {e}")))?;
    let identifier = Identifier::parse(&task.job.identifier)
        .ok_or_else(|| AccountsError::Internal("stored import identifier".into()))?;
    let options = Options {
        upsert: task.job.upsert,
        identifier,
        master: state.master_key(),
    };
    let mut tx = state.store().begin().await?;
    if !tx
        .lock_import_task(&task.project, &task.job.id, task.seq)
        .await?
    {
        return Ok(0);
    }
    let actor = Actor {
        project: task.project.clone(),
        now: state.clock().now_micros(),
        by: Initiator::System,
    };
    let base = usize::try_from(task.seq).unwrap_or(0) * import::TASK_SIZE;
    let results = import::apply_batch(&mut tx, &actor, options, &records).await?;
    let mut details = Vec::with_capacity(records.len());
    for (i, (record, result)) in records.iter().zip(results).enumerate() {
        if let Some(e) = result.error.as_ref().filter(|e| e.is_internal()) {
            tracing::error!(error = %e, "an import record failed on keyward's side");
        }
        details.push(Detail {
            index: base + i,
            record: redacted(record),
            outcome: result.outcome.as_str(),
            user_id: result.user_id.filter(|_| result.outcome != Outcome::Failed),
            warnings: result
                .warnings
                .into_iter()
                .map(|message| Warning { message })
                .collect(),
            errors: result.error.iter().map(ApiErrorBody::of).collect(),
        });
    }
    let results = serde_json::to_string(&details)
        .map_err(|e| AccountsError::Internal(format!("import outcomes: {e}")))?;
    let now = state.clock().now_micros();
    if !tx
        .finish_import_task(&task.project, &task.job.id, task.seq, &results, None, now)
        .await?
    {
        return Ok(0);
    }
    tx.commit().await?;
    let inserted = Outcome::Inserted.as_str();
    Ok(details.iter().filter(|d| d.outcome == inserted).count() as u64)
}

async fn run_exports(state: AppState) {
    let wake = state.export_wake().clone();
    crate::jobs::under_lease_woken(
        state,
        EXPORT_LEASE,
        Duration::from_secs(1),
        Some(wake),
        |s, lease| async move {
            loop {
                match s.store().claim_export().await {
                    Ok(Some(job)) => run_export(&s, job, &lease).await,
                    Ok(None) => break,
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot read exports; will retry");
                        break;
                    }
                }
            }
        },
    )
    .await
}

async fn run_export(state: &AppState, job: ExportJob, lease: &crate::jobs::Lease) {
    let now = || state.clock().now_micros();
    if job.attempts > MAX_ATTEMPTS {
        let error = ApiErrorBody::new(
            "InternalError",
            "UserExportFailed",
            format!("the export did not finish after {MAX_ATTEMPTS} attempts"),
            500,
        );
        fail_export(state, &job, &error, now()).await;
        return;
    }
    let started = std::time::Instant::now();
    match write_export(state, &job, lease).await {
        Ok(Some((file_name, size, users))) => {
            let at = now();
            match state
                .store()
                .finish_export(
                    &job.project,
                    &job.id,
                    &file_name,
                    size,
                    at,
                    at + RETENTION_MICROS,
                )
                .await
            {
                Ok(_) => tracing::info!(
                    project = %job.project, export = %job.id, users, bytes = size,
                    secs = started.elapsed().as_secs_f64(), "export written"
                ),
                Err(e) => {
                    tracing::warn!(error = %e, "cannot mark an export done; it will run again")
                }
            }
        }
        Ok(None) => {
            tracing::info!(export = %job.id, "lost the export lease mid-way; another replica takes over")
        }
        Err(ExportFailure::Retry(e)) => {
            tracing::warn!(export = %job.id, error = %e, "export interrupted; it will run again")
        }
        Err(ExportFailure::Refused(e)) => {
            fail_export(state, &job, &ApiErrorBody::of(&e), now()).await
        }
    }
}

async fn fail_export(state: &AppState, job: &ExportJob, error: &ApiErrorBody, now: i64) {
    tracing::error!(project = %job.project, export = %job.id, reason = error.reason, "export failed");
    if let Err(e) = state
        .store()
        .fail_export(
            &job.project,
            &job.id,
            &error.to_text(),
            now,
            now + RETENTION_MICROS,
        )
        .await
    {
        tracing::warn!(error = %e, "cannot mark an export failed");
    }
}

enum ExportFailure {
    /// The store failed: run it again.
    Retry(StoreError),
    /// The job cannot run.
    Refused(AccountsError),
}

impl From<StoreError> for ExportFailure {
    fn from(e: StoreError) -> Self {
        ExportFailure::Retry(e)
    }
}

/// Write the file, chunk by chunk: `(file name, bytes, users)`, or `None`
/// when the lease was lost on the way.
async fn write_export(
    state: &AppState,
    job: &ExportJob,
    lease: &crate::jobs::Lease,
) -> Result<Option<(String, i64, u64)>, ExportFailure> {
    let request: Value = serde_json::from_str(&job.request).map_err(|e| {
        ExportFailure::Refused(AccountsError::Internal(format!("stored request: {e}")))
    })?;
    let request = export::Request::parse(&request).map_err(ExportFailure::Refused)?;
    let columns = request.columns();
    let with_secrets = job.with_secrets;
    let issuer = format!(
        "{}://{}.{}",
        state.config().public_scheme,
        job.project,
        state.config().base_domain
    );
    let store = state.store();
    let mut buffer: Vec<u8> = Vec::with_capacity(CHUNK_BYTES + 64 * 1024);
    if request.format == Format::Csv {
        export::write_header(&columns, &mut buffer);
    }
    let (mut seq, mut size, mut users) = (0i64, 0i64, 0u64);
    let mut after = None;
    let mut more = true;
    // Pages overlap: the users of page n + 1 are read (one query, which
    // needs page n's last key) while earlier pages' details are read and
    // rendered in tasks of their own, each on its own connection. Done
    // in order, one page at a time, the database waited on the worker and
    // the worker on the database, and the machine sat half idle.
    let format = request.format;
    let shared = std::sync::Arc::new((issuer, columns));
    let mut in_flight = InFlight::default();
    loop {
        while more && in_flight.0.len() < PAGES_IN_FLIGHT {
            let page = {
                let mut tx = store.begin_read().await?;
                let page = tx
                    .export_users(&job.project, after.clone(), EXPORT_PAGE)
                    .await?;
                tx.commit().await?;
                page
            };
            more = page.len() as i64 == EXPORT_PAGE;
            let Some(last) = page.last() else { break };
            let page_after = after.replace((last.created_at, last.id.clone()));
            users += page.len() as u64;
            let (state, project, shared) = (state.clone(), job.project.clone(), shared.clone());
            in_flight.0.push_back(tokio::spawn(async move {
                let master = if with_secrets {
                    state.master_key()
                } else {
                    None
                };
                let mut tx = state.store().begin_read().await?;
                let page = tx
                    .export_details(&project, page_after, page, master)
                    .await?;
                tx.commit().await?;
                let rendered = tokio::task::spawn_blocking(move || {
                    let (issuer, columns) = &*shared;
                    let mut out = Vec::with_capacity(page.len() * 1024);
                    export::render_page(&page, issuer, format, columns, &mut out).map(|()| out)
                })
                .await
                .map_err(|e| AccountsError::Internal(format!("rendering an export page: {e}")));
                rendered.and_then(|r| r).map_err(ExportFailure::Refused)
            }));
        }
        let Some(next) = in_flight.0.pop_front() else {
            break;
        };
        let bytes = match next.await {
            Ok(page) => page?,
            Err(e) => {
                return Err(ExportFailure::Refused(AccountsError::Internal(format!(
                    "an export page: {e}"
                ))));
            }
        };
        buffer.extend_from_slice(&bytes);
        if buffer.len() >= CHUNK_BYTES {
            store
                .put_export_chunk(&job.project, &job.id, seq, &buffer)
                .await?;
            seq += 1;
            size += buffer.len() as i64;
            buffer.clear();
            if !lease.renew(state).await {
                return Ok(None);
            }
        }
    }
    if !buffer.is_empty() {
        store
            .put_export_chunk(&job.project, &job.id, seq, &buffer)
            .await?;
        size += buffer.len() as i64;
    }
    let stamp = jiff::Timestamp::from_microsecond(state.clock().now_micros())
        .map(|t| t.strftime("%Y%m%d%H%M%SZ").to_string())
        .unwrap_or_default();
    let file_name = format!(
        "{}-{}-{stamp}.{}",
        job.project,
        job.id,
        request.format.as_str()
    );
    Ok(Some((file_name, size, users)))
}

/// The signature of a download link of export `id`, valid until `expires`
/// (Unix seconds): HMAC-SHA256 under the export's own random key.
pub fn download_signature(key: &str, project: &str, id: &str, expires: i64) -> String {
    use base64::Engine as _;
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, key.as_bytes());
    let tag = aws_lc_rs::hmac::sign(&key, format!("{project}\n{id}\n{expires}").as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(tag.as_ref())
}

/// Whether `signature` is right for the link (compared in constant time).
pub fn download_signature_ok(
    key: &str,
    project: &str,
    id: &str,
    expires: i64,
    signature: &str,
) -> bool {
    use base64::Engine as _;
    let Ok(tag) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(signature) else {
        return false;
    };
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, key.as_bytes());
    aws_lc_rs::hmac::verify(&key, format!("{project}\n{id}\n{expires}").as_bytes(), &tag).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_crockford_base32() {
        let id = new_id("userimport_").unwrap();
        assert_eq!(id.len(), "userimport_".len() + 32);
        assert!(
            id["userimport_".len()..]
                .bytes()
                .all(|b| b"0123456789ABCDEFGHJKMNPQRSTVWXYZ".contains(&b))
        );
        assert_ne!(new_id("x").unwrap(), new_id("x").unwrap());
    }

    #[test]
    fn secrets_are_redacted_and_keys_sorted() {
        let r = json!({"mfa": {"totp": {"secret": "S"}, "password": "x", "email": null},
                       "password": {"type": "bcrypt", "password_hash": "$2y$"}, "email": "a@b.c"});
        let out = serde_json::to_string(&redacted(&r).unwrap()).unwrap();
        assert_eq!(
            out,
            r#"{"email":"a@b.c","mfa":{"email":null,"password":"REDACTED","totp":{"secret":"REDACTED"}},"password":{"password_hash":"REDACTED","type":"bcrypt"}}"#
        );
        assert_eq!(redacted(&json!({"mfa": 3})).unwrap()["mfa"], "REDACTED");
        assert_eq!(
            redacted(&json!({"password": null})).unwrap()["password"],
            Value::Null
        );
        assert!(redacted(&json!({})).is_none());
    }

    #[test]
    fn download_links_verify_only_as_signed() {
        let key = keyward_accounts::secret::random_token().unwrap();
        let sig = download_signature(&key, "p", "id", 100);
        assert!(download_signature_ok(&key, "p", "id", 100, &sig));
        assert!(!download_signature_ok(&key, "p", "id", 101, &sig));
        assert!(!download_signature_ok(&key, "q", "id", 100, &sig));
        assert!(!download_signature_ok(
            &keyward_accounts::secret::random_token().unwrap(),
            "p",
            "id",
            100,
            &sig
        ));
        assert!(!download_signature_ok(&key, "p", "id", 100, "%%%"));
    }
}
