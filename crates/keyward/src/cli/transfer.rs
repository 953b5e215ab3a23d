//! `keyward users import` and `keyward users export`: against a running
//! server, with a key, like `keyward query`. An import file of any size
//! (a JSON array or NDJSON) is streamed, cut into requests under the
//! endpoint's body limit and kept a few jobs ahead of the server; an
//! export is awaited and downloaded to a file as it streams. Both show a
//! progress bar on a terminal and end with a summary (`--json` for scripts).

use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use keyward_client::{AdminClient, IMPORT_BODY_LIMIT};
use serde_json::{Value, json};

use super::token::SignerArgs;

/// Jobs kept queued on the server at once (it allows 8 per project).
const IN_FLIGHT: usize = 4;
/// Room left in a request body for the envelope around the records.
const ENVELOPE: usize = 128;
/// How often a job's status is asked for.
const POLL: Duration = Duration::from_millis(200);

#[derive(Debug, Args)]
pub struct Connection {
    /// The Admin API URL, or the project's origin (as for `keyward query`).
    #[arg(long, env = "KEYWARD_ENDPOINT")]
    endpoint: String,
    #[command(flatten)]
    signer: SignerArgs,
    /// Allow plain http to a host other than loopback.
    #[arg(long)]
    allow_http: bool,
    /// Print the result as JSON on stdout (no progress bar).
    #[arg(long)]
    json: bool,
}

impl Connection {
    fn client(&self) -> anyhow::Result<AdminClient> {
        // A long run outlives any one token; the signer renews them.
        let signer = self.signer.signer(300)?;
        let retry = keyward_client::RetryPolicy {
            max_attempts: 30,
            ..keyward_client::RetryPolicy::default()
        };
        Ok(AdminClient::builder(&self.endpoint, signer)
            .retry(retry)
            .allow_plain_http(self.allow_http)
            .timeout(Duration::from_secs(120))
            .build()?)
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum IdentifierArg {
    Email,
    PhoneNumber,
    PreferredUsername,
}

impl IdentifierArg {
    fn as_str(self) -> &'static str {
        match self {
            IdentifierArg::Email => "email",
            IdentifierArg::PhoneNumber => "phone_number",
            IdentifierArg::PreferredUsername => "preferred_username",
        }
    }
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    #[command(flatten)]
    connection: Connection,
    /// Update users that exist (matched by the identifier) instead of
    /// skipping them.
    #[arg(long)]
    upsert: bool,
    /// The record field that identifies a user.
    #[arg(long, value_enum, default_value = "email")]
    identifier: IdentifierArg,
    /// The file is a keyward (or Authgear) export in NDJSON: each line is
    /// turned into an import record first.
    #[arg(long)]
    from_export: bool,
    /// A JSON array of records, or one record per line (NDJSON).
    file: PathBuf,
}

/// What a record file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Array,
    Lines,
}

fn shape_of(path: &Path) -> anyhow::Result<Shape> {
    let mut reader = BufReader::new(open(path)?);
    loop {
        let buf = reader.fill_buf()?;
        let Some(i) = buf.iter().position(|b| !b.is_ascii_whitespace()) else {
            if buf.is_empty() {
                bail!("{} holds no records", path.display());
            }
            let n = buf.len();
            reader.consume(n);
            continue;
        };
        return Ok(if buf[i] == b'[' {
            Shape::Array
        } else {
            Shape::Lines
        });
    }
}

fn open(path: &Path) -> anyhow::Result<File> {
    File::open(path).with_context(|| format!("cannot read {}", path.display()))
}

/// Call `each` with every record of the file, in order, until it returns
/// `false`. Reads as it goes: memory does not grow with the file.
fn for_each_record(
    path: &Path,
    shape: Shape,
    mut each: impl FnMut(Value) -> bool,
) -> anyhow::Result<()> {
    let reader = BufReader::with_capacity(1 << 20, open(path)?);
    match shape {
        Shape::Lines => {
            for (n, line) in reader.lines().enumerate() {
                let line = line.with_context(|| format!("cannot read {}", path.display()))?;
                if line.trim().is_empty() {
                    continue;
                }
                let record = serde_json::from_str(&line)
                    .with_context(|| format!("line {} of {} is not JSON", n + 1, path.display()))?;
                if !each(record) {
                    break;
                }
            }
        }
        Shape::Array => {
            use serde::de::Deserializer as _;
            struct Each<'a, F>(&'a mut F);
            impl<'de, F: FnMut(Value) -> bool> serde::de::Visitor<'de> for Each<'_, F> {
                type Value = ();
                fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                    f.write_str("a JSON array of records")
                }
                fn visit_seq<A: serde::de::SeqAccess<'de>>(
                    self,
                    mut seq: A,
                ) -> Result<(), A::Error> {
                    while let Some(v) = seq.next_element::<Value>()? {
                        if !(self.0)(v) {
                            break;
                        }
                    }
                    Ok(())
                }
            }
            let mut de = serde_json::Deserializer::from_reader(reader);
            de.deserialize_seq(Each(&mut each))
                .with_context(|| format!("{} is not a JSON array of records", path.display()))?;
        }
    }
    Ok(())
}

/// Records in the file (a first, cheap pass, for the progress bar).
fn count_records(path: &Path, shape: Shape) -> anyhow::Result<u64> {
    match shape {
        Shape::Lines => {
            let mut count = 0u64;
            let mut reader = BufReader::with_capacity(1 << 20, open(path)?);
            let mut line = Vec::new();
            loop {
                line.clear();
                if reader.read_until(b'\n', &mut line)? == 0 {
                    break;
                }
                count += u64::from(!line.trim_ascii().is_empty());
            }
            Ok(count)
        }
        Shape::Array => {
            let mut count = 0u64;
            for_each_record(path, shape, |_| {
                count += 1;
                true
            })?;
            Ok(count)
        }
    }
}

/// One request's worth of records, and where they start in the file.
struct Batch {
    first: u64,
    records: Vec<Value>,
}

/// A job on the server.
struct InFlight {
    id: String,
    first: u64,
    count: u64,
}

#[derive(Default, serde::Serialize)]
struct Summary {
    total: u64,
    inserted: u64,
    updated: u64,
    skipped: u64,
    failed: u64,
}

pub async fn import(args: ImportArgs) -> anyhow::Result<()> {
    let client = args.connection.client()?;
    let path = args.file.clone();
    let shape = shape_of(&path)?;
    let total = tokio::task::spawn_blocking({
        let path = path.clone();
        move || count_records(&path, shape)
    })
    .await??;
    let bar = progress(args.connection.json, total, "records");

    // The file is read on a blocking thread and cut into batches there.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<anyhow::Result<Batch>>(IN_FLIGHT);
    let from_export = args.from_export;
    let reader = tokio::task::spawn_blocking(move || {
        let mut batch = Batch {
            first: 0,
            records: Vec::new(),
        };
        let mut bytes = 0usize;
        let mut index = 0u64;
        let result = for_each_record(&path, shape, |record| {
            let record = if from_export {
                keyward_accounts::import::record_from_export(&record)
            } else {
                record
            };
            let size = record.to_string().len() + 1;
            if !batch.records.is_empty() && bytes + size > IMPORT_BODY_LIMIT - ENVELOPE {
                let full = std::mem::replace(
                    &mut batch,
                    Batch {
                        first: index,
                        records: Vec::new(),
                    },
                );
                bytes = 0;
                if tx.blocking_send(Ok(full)).is_err() {
                    return false;
                }
            }
            bytes += size;
            batch.records.push(record);
            index += 1;
            true
        });
        let last = match result {
            Ok(()) if batch.records.is_empty() => return,
            Ok(()) => Ok(batch),
            Err(e) => Err(e),
        };
        let _ = tx.blocking_send(last);
    });

    let started = Instant::now();
    let mut summary = Summary::default();
    let mut problems: Vec<Value> = Vec::new();
    let mut queue: VecDeque<InFlight> = VecDeque::new();
    let mut sent = 0u64;
    let outcome: anyhow::Result<()> = async {
        while let Some(batch) = rx.recv().await {
            let batch = batch?;
            while queue.len() >= IN_FLIGHT {
                settle(&client, &mut queue, &mut summary, &mut problems, &bar).await?;
            }
            let count = batch.records.len() as u64;
            if batch.records.len() == 1 && batch.records[0].to_string().len() > IMPORT_BODY_LIMIT - ENVELOPE {
                bail!(
                    "record {} alone is larger than the import body limit ({IMPORT_BODY_LIMIT} bytes)",
                    batch.first
                );
            }
            let request = json!({
                "upsert": args.upsert,
                "identifier": args.identifier.as_str(),
                "records": batch.records,
            });
            let status = client.start_import(&request).await.with_context(|| {
                format!("the import stopped: records from {} on were not sent", batch.first)
            })?;
            let id = status["id"].as_str().unwrap_or_default().to_owned();
            queue.push_back(InFlight {
                id,
                first: batch.first,
                count,
            });
            sent += count;
        }
        while !queue.is_empty() {
            settle(&client, &mut queue, &mut summary, &mut problems, &bar).await?;
        }
        Ok(())
    }
    .await;
    drop(rx);
    let _ = reader.await;
    bar.finish_and_clear();
    outcome?;

    let secs = started.elapsed().as_secs_f64();
    if args.connection.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({
                "summary": summary,
                "seconds": secs,
                "records_per_second": summary.total as f64 / secs.max(1e-9),
                "details": problems,
            }))?
        );
    } else {
        eprintln!(
            "imported {} records in {secs:.1} s ({:.0} records/s): {} inserted, {} updated, {} skipped, {} failed",
            summary.total,
            summary.total as f64 / secs.max(1e-9),
            summary.inserted,
            summary.updated,
            summary.skipped,
            summary.failed
        );
        for p in problems
            .iter()
            .filter(|p| p["outcome"] == "failed")
            .take(10)
        {
            let e = &p["errors"][0];
            eprintln!(
                "  record {}: {} ({})",
                p["index"],
                e["message"].as_str().unwrap_or_default(),
                e["reason"].as_str().unwrap_or_default()
            );
        }
        if summary.failed > 10 {
            eprintln!(
                "  … and {} more; --json lists every one",
                summary.failed - 10
            );
        }
    }
    if summary.total < sent {
        // A task that failed as a whole reports no outcome for its records.
        bail!(
            "{} of {sent} records sent have no outcome (a part of the import failed on the server; see above)",
            sent - summary.total
        );
    }
    if summary.failed > 0 {
        bail!("{} of {} records failed", summary.failed, summary.total);
    }
    Ok(())
}

/// Wait for the oldest job and count its outcomes.
async fn settle(
    client: &AdminClient,
    queue: &mut VecDeque<InFlight>,
    summary: &mut Summary,
    problems: &mut Vec<Value>,
    bar: &ProgressBar,
) -> anyhow::Result<()> {
    let Some(job) = queue.pop_front() else {
        return Ok(());
    };
    let status = client
        .wait_for("import", &job.id, POLL)
        .await
        .with_context(|| format!("cannot follow import {}", job.id))?;
    if let Some(error) = status.get("error") {
        eprintln!(
            "import {}: part of it failed on the server: {error}",
            job.id
        );
    }
    let s = &status["summary"];
    let n = |k: &str| s[k].as_u64().unwrap_or(0);
    summary.total += n("total");
    summary.inserted += n("inserted");
    summary.updated += n("updated");
    summary.skipped += n("skipped");
    summary.failed += n("failed");
    // Only what needs a look: failures, skips and warnings, at their
    // position in the file.
    for mut d in status["details"].as_array().cloned().unwrap_or_default() {
        let clean = matches!(d["outcome"].as_str(), Some("inserted" | "updated"))
            && d.get("warnings").is_none();
        if !clean {
            d["index"] = json!(job.first + d["index"].as_u64().unwrap_or(0));
            problems.push(d);
        }
    }
    bar.inc(job.count);
    Ok(())
}

fn progress(hidden: bool, total: u64, unit: &str) -> ProgressBar {
    if hidden {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    let template =
        format!("{{bar:40}} {{human_pos}}/{{human_len}} {unit} · {{per_sec}} · ETA {{eta}}");
    if let Ok(style) = ProgressStyle::with_template(&template) {
        bar.set_style(style);
    }
    bar
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FormatArg {
    Csv,
    Ndjson,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    connection: Connection,
    /// The file format.
    #[arg(long, value_enum, default_value = "ndjson")]
    format: FormatArg,
    /// A CSV column: a JSON pointer into the record, optionally `=NAME`
    /// for its header (repeat; default: Authgear's columns).
    #[arg(long = "field", value_name = "POINTER[=NAME]")]
    fields: Vec<String>,
    /// Where to write the file (default: stdout). Written under a
    /// temporary name and renamed when complete.
    #[arg(long)]
    out: Option<PathBuf>,
}

pub async fn export(args: ExportArgs) -> anyhow::Result<()> {
    let client = args.connection.client()?;
    let mut request = json!({"format": match args.format {
        FormatArg::Csv => "csv",
        FormatArg::Ndjson => "ndjson",
    }});
    if !args.fields.is_empty() {
        let fields: Vec<Value> = args
            .fields
            .iter()
            .map(|f| match f.split_once('=') {
                Some((pointer, name)) => json!({"pointer": pointer, "field_name": name}),
                None => json!({"pointer": f}),
            })
            .collect();
        request["csv"] = json!({ "fields": fields });
    }
    let started = Instant::now();
    let created = client.start_export(&request).await?;
    let id = created["id"].as_str().unwrap_or_default().to_owned();
    let spinner = if args.connection.json {
        ProgressBar::hidden()
    } else {
        let s = ProgressBar::new_spinner();
        s.set_message(format!("the server is writing export {id}"));
        s.enable_steady_tick(Duration::from_millis(120));
        s
    };
    let done = client.wait_for("export", &id, POLL).await?;
    spinner.finish_and_clear();
    if let Some(error) = done.get("error") {
        bail!(
            "export {id} failed: {}",
            error["message"].as_str().unwrap_or("no reason given")
        );
    }
    let url = done["download_url"]
        .as_str()
        .context("the finished export has no download_url")?;
    let mut response = client.download(url).await?;
    let length = response.content_length().unwrap_or(0);
    let bar = if args.connection.json {
        ProgressBar::hidden()
    } else {
        let bar = ProgressBar::new(length);
        if let Ok(style) = ProgressStyle::with_template(
            "{bar:40} {bytes}/{total_bytes} · {bytes_per_sec} · ETA {eta}",
        ) {
            bar.set_style(style);
        }
        bar
    };
    let (mut sink, partial): (Box<dyn Write>, Option<PathBuf>) = match &args.out {
        Some(path) => {
            let partial = path.with_extension("partial");
            let file = File::create(&partial)
                .with_context(|| format!("cannot write {}", partial.display()))?;
            (Box::new(std::io::BufWriter::new(file)), Some(partial))
        }
        None => (
            Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
            None,
        ),
    };
    // Records end at a line break outside quotes (a CSV cell may hold one).
    let (mut bytes, mut lines, mut quoted) = (0u64, 0u64, false);
    while let Some(chunk) = response.chunk().await.context("the download broke off")? {
        sink.write_all(&chunk)?;
        bytes += chunk.len() as u64;
        for b in chunk.iter() {
            match b {
                b'"' => quoted = !quoted,
                b'\n' if !quoted => lines += 1,
                _ => {}
            }
        }
        bar.set_position(bytes);
    }
    sink.flush()?;
    drop(sink);
    bar.finish_and_clear();
    if length != 0 && bytes != length {
        bail!("the download ended after {bytes} of {length} bytes");
    }
    if let (Some(partial), Some(out)) = (partial, &args.out) {
        std::fs::rename(&partial, out)
            .with_context(|| format!("cannot move the file to {}", out.display()))?;
    }
    // CSV has a header line.
    let users = match args.format {
        FormatArg::Csv => lines.saturating_sub(1),
        FormatArg::Ndjson => lines,
    };
    let secs = started.elapsed().as_secs_f64();
    let target = args
        .out
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "stdout".into());
    if args.connection.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({
                "id": id, "users": users, "bytes": bytes, "file": target, "seconds": secs,
            }))?
        );
    } else {
        eprintln!(
            "exported {users} users ({:.1} MiB) to {target} in {secs:.1} s",
            bytes as f64 / 1_048_576.0
        );
    }
    Ok(())
}
