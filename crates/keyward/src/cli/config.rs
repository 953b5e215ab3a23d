//! `keyward config check|show|docs`: what the settings are, where each
//! comes from, and whether the server could start with them.

use clap::{ArgMatches, Args, CommandFactory as _, Subcommand};

use super::Cli;
use super::serve::ServeArgs;
use crate::settings::{self, ConfigFile};

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Check the config file and every setting (the TLS files load, the
    /// SMTP URL is usable); exit 0 when the server could start with them.
    Check(ConfigArgs),
    /// Print every setting's effective value and where it came from
    /// (flag, environment, file:line, default); secrets hidden.
    Show(ConfigArgs),
    /// Print the settings reference (docs/configuration.md).
    Docs,
}

/// The server's settings, so that flags given here count as they would
/// for `serve`.
#[derive(Debug, Args)]
pub struct ConfigArgs {
    #[command(flatten)]
    serve: ServeArgs,
}

/// What `main` parsed, for `config show`: the matches say where each value
/// came from.
pub struct Parsed<'a> {
    pub matches: &'a ArgMatches,
    pub file: Option<&'a ConfigFile>,
}

pub fn run(command: ConfigCommand, parsed: Parsed<'_>) -> anyhow::Result<()> {
    match command {
        ConfigCommand::Docs => {
            print!("{}", settings::markdown(&Cli::command()));
            Ok(())
        }
        ConfigCommand::Check(args) => {
            super::serve::check(&args.serve)?;
            match parsed.file {
                Some(file) => println!(
                    "{}: OK ({} settings from the file)",
                    file.path.display(),
                    file.values.len()
                ),
                None => println!("OK (no config file: flags, environment and defaults)"),
            }
            Ok(())
        }
        ConfigCommand::Show(_) => {
            let leaf = ["config", "show"]
                .iter()
                .try_fold(parsed.matches, |m, name| m.subcommand_matches(name))
                .unwrap_or(parsed.matches);
            print!("{}", show(leaf, parsed.matches, parsed.file));
            Ok(())
        }
    }
}

/// One line per setting, as TOML a file could take, with its source.
fn show(leaf: &ArgMatches, root: &ArgMatches, file: Option<&ConfigFile>) -> String {
    let mut out = String::new();
    for setting in settings::settings(&Cli::command()) {
        // Global settings are propagated to the leaf; fall back to the root.
        let matches = if leaf.try_contains_id(&setting.id).is_ok() {
            leaf
        } else {
            root
        };
        let source = settings::source(&setting, matches, file);
        let value = matches
            .try_get_raw(&setting.id)
            .ok()
            .flatten()
            .map(|values| {
                values
                    .map(|v| v.to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .filter(|v| !v.is_empty());
        let line = match value {
            None if source == "default" => {
                out.push_str(&format!("# {} is not set\n", setting.key));
                continue;
            }
            None => format!("# {} is not set", setting.key),
            Some(value) if setting.secret => {
                format!("{} = {}", setting.key, quote(&hidden(&value)))
            }
            // Numbers and booleans as TOML has them; the rest as strings.
            Some(value) if value.parse::<u64>().is_ok() || value == "true" || value == "false" => {
                format!("{} = {value}", setting.key)
            }
            Some(value) => format!("{} = {}", setting.key, quote(&value)),
        };
        out.push_str(&format!("{line:<60} # {source}\n"));
    }
    out
}

/// A secret as `config show` prints it: a URL keeps its scheme and host.
fn hidden(value: &str) -> String {
    match value.split_once("://") {
        Some((scheme, rest)) => {
            let host = rest.rsplit('@').next().unwrap_or_default();
            let host = host.split(['/', '?']).next().unwrap_or_default();
            format!("{scheme}://(hidden)@{host}/…")
        }
        None => "(hidden)".to_owned(),
    }
}

/// A TOML basic string.
fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_keep_only_scheme_and_host() {
        assert_eq!(
            hidden("redis://:hunter2@redis.internal:6379/0"),
            "redis://(hidden)@redis.internal:6379/…"
        );
        assert_eq!(
            hidden("postgres://u:p@db/x?sslmode=require"),
            "postgres://(hidden)@db/…"
        );
        assert_eq!(hidden("hunter2"), "(hidden)");
    }

    #[test]
    fn values_print_as_toml_strings() {
        assert_eq!(quote("a\"b\\c\n"), "\"a\\\"b\\\\c\\u000A\"");
    }
}
