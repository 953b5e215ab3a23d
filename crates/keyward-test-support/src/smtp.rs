//! An SMTP server for tests that keeps what it is sent: enough of RFC 5321
//! (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) for a real client such as
//! lettre to deliver to it over loopback.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// A running sink; stops when dropped.
pub struct SmtpSink {
    /// Where it listens.
    pub addr: SocketAddr,
    messages: Arc<Mutex<Vec<String>>>,
    task: JoinHandle<()>,
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl SmtpSink {
    /// A sink on an ephemeral loopback port.
    pub async fn start() -> SmtpSink {
        Self::start_at("127.0.0.1:0".parse().unwrap()).await
    }

    /// A sink on `addr` (a port a test reserved while "the server was down").
    pub async fn start_at(addr: SocketAddr) -> SmtpSink {
        let listener = TcpListener::bind(addr).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let messages = Arc::new(Mutex::new(Vec::new()));
        let kept = messages.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let kept = kept.clone();
                tokio::spawn(async move {
                    let _ = session(stream, kept).await;
                });
            }
        });
        SmtpSink {
            addr,
            messages,
            task,
        }
    }

    /// The URL keyward takes (`--smtp-url`).
    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    /// Every message received so far (headers and body, dot-unstuffed).
    pub fn messages(&self) -> Vec<String> {
        self.messages.lock().unwrap().clone()
    }

    /// Wait up to `limit` for at least `n` messages; returns them all.
    pub async fn wait_for(&self, n: usize, limit: Duration) -> Vec<String> {
        let started = Instant::now();
        while started.elapsed() < limit {
            let got = self.messages();
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        self.messages()
    }
}

async fn session(
    stream: tokio::net::TcpStream,
    kept: Arc<Mutex<Vec<String>>>,
) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    write.write_all(b"220 sink ESMTP\r\n").await?;
    while let Some(line) = lines.next_line().await? {
        let verb = line
            .split(' ')
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" => b"250-sink\r\n250 8BITMIME\r\n",
            "HELO" | "MAIL" | "RCPT" | "RSET" | "NOOP" => b"250 OK\r\n",
            "DATA" => {
                write.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await?;
                let mut message = String::new();
                while let Some(l) = lines.next_line().await? {
                    if l == "." {
                        break;
                    }
                    message.push_str(l.strip_prefix('.').unwrap_or(&l));
                    message.push('\n');
                }
                kept.lock().unwrap().push(message);
                b"250 OK queued\r\n"
            }
            "QUIT" => {
                write.write_all(b"221 bye\r\n").await?;
                return Ok(());
            }
            _ => b"502 not implemented\r\n",
        };
        write.write_all(reply).await?;
    }
    Ok(())
}

/// The value of `name=` in the first link of `message` that has it (soft
/// line breaks and `=3D` of quoted-printable undone).
pub fn link_param(message: &str, name: &str) -> Option<String> {
    let text = message.replace("=\n", "").replace("=3D", "=");
    let start = text.find(&format!("{name}="))? + name.len() + 1;
    Some(
        text[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect(),
    )
}
