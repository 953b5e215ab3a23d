//! Print N distinct Admin API tokens, one per line, for load tests that
//! need a fresh token on every request (`bench/run.sh`). Each token has its
//! own (iat, exp) pair within the lifetime cap, so none is a cache hit.
//!
//! usage: cargo run --release -p keyward-client --example mint_tokens -- PROJECT KID KEY_FILE COUNT

use std::io::Write as _;
use std::process::ExitCode;

use keyward_token::{AdminClaims, SigningKey, sign};

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [project, kid, key_file, count] = args.as_slice() else {
        return Err("usage: mint_tokens PROJECT KID KEY_FILE COUNT".into());
    };
    let count: u64 = count.parse()?;
    let key = SigningKey::parse(&std::fs::read(key_file)?)?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs();
    // Signing is about 1 ms each: use every core.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()) as u64;
    let tokens = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let (key, project, kid) = (&key, project.as_str(), kid.as_str());
                scope.spawn(move || {
                    (0..count)
                        .filter(|i| i % threads == t)
                        .map(|i| {
                            // iat in the last 60 s, lifetime 600–3000 s: distinct pairs.
                            let iat = now - i % 60;
                            let ttl = 600 + (i / 60) % 2400;
                            sign(&AdminClaims::new(project, iat, ttl), kid, key)
                        })
                        .collect::<Result<Vec<_>, _>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().map_err(|_| "a signing thread panicked"))
            .collect::<Result<Vec<_>, _>>()
    })?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for batch in tokens {
        for token in batch? {
            writeln!(out, "{token}")?;
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
