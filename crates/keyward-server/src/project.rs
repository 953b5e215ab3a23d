//! Which project a request is for: `<project>.<base-domain>` in the Host
//! header, or `/projects/<project>/…` in the path for clients that cannot set
//! Host. Only the syntax is checked here; existence is the authenticator's job.

use keyward_store::validate_project_id;

/// The project named by `host` (a Host header or URI authority, with or
/// without a port) under `base_domain`, if any.
pub fn from_host(host: &str, base_domain: &str) -> Option<String> {
    let host = strip_port(host).trim_end_matches('.').to_ascii_lowercase();
    let base = base_domain.trim_end_matches('.').to_ascii_lowercase();
    let label = host.strip_suffix(&base)?.strip_suffix('.')?;
    validate_project_id(label).ok()?;
    Some(label.to_owned())
}

fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        // IPv6 literal: never a project host.
        return host;
    }
    match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_forms() {
        assert_eq!(
            from_host("myapp.localhost:3000", "localhost").as_deref(),
            Some("myapp")
        );
        assert_eq!(
            from_host("myapp.localhost", "localhost").as_deref(),
            Some("myapp")
        );
        assert_eq!(
            from_host("MyApp.LocalHost.", "localhost").as_deref(),
            Some("myapp")
        );
        assert_eq!(
            from_host("acme.keyward.example.com", "keyward.example.com").as_deref(),
            Some("acme")
        );
        for bad in [
            "localhost:3000",
            "a.b.localhost",
            "myapp.otherhost",
            "xlocalhost",
            "-x.localhost",
            "[::1]:3000",
            "127.0.0.1:3000",
            "my_app.localhost",
            ".localhost",
        ] {
            assert_eq!(from_host(bad, "localhost"), None, "{bad}");
        }
    }
}
