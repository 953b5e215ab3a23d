//! Settings from a file: `keyward.toml`, named by `--config FILE` or
//! `KEYWARD_CONFIG`.
//!
//! Every setting is a flag of the CLI (`Global`, and `ServeArgs` for the
//! server); this module puts the file underneath them. A setting's value
//! comes from, first found: its flag, its environment variable, the file,
//! the built-in default. That is clap's own order (flag, env, default), so
//! the file's values are installed as the flags' defaults before the
//! command line is parsed, each after it passed the flag's own parser: a
//! value means the same whichever way it is given, and a bad one is refused
//! with the file and line it is on.
//!
//! The settings, their keys, variables and defaults are read from the clap
//! definition itself, so `docs/configuration.md` (generated from it, and
//! compared with it by a test) cannot drift from the code.

use std::ffi::OsString;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::{Arg, Command};
use toml::de::{DeTable, DeValue};

/// Arguments that are not settings: `--insecure-no-auth` stays a flag on
/// purpose, so that no file left behind can turn authentication off.
const NOT_SETTINGS: &[&str] = &["help", "version", "config", "insecure_no_auth"];
/// Keys written as TOML tables: `[tls] cert = …` is the flag `--tls-cert`.
const SECTIONS: &[&str] = &["tls"];
/// Settings that take a list: a TOML array, or a comma-separated string.
const LISTS: &[&str] = &["trusted_proxies"];
/// The subcommand whose arguments are the server's settings.
const SERVER: &str = "serve";
/// Every subcommand that takes the server's settings (they flatten `ServeArgs`).
const SERVER_COMMANDS: &[&[&str]] = &[
    &["serve"],
    &["quickstart"],
    &["config", "show"],
    &["config", "check"],
];

/// One setting, as the CLI defines it.
#[derive(Debug, Clone)]
pub struct Setting {
    /// clap's id: `tls_cert`.
    pub id: String,
    /// The key in the file: `tls.cert`.
    pub key: String,
    /// The flag: `--tls-cert`.
    pub flag: String,
    /// Its environment variable, if any.
    pub env: Option<String>,
    /// The built-in default, if any.
    pub default: Option<String>,
    /// What it does (the flag's help).
    pub help: String,
    /// Shown hidden by `config show` and never quoted in errors.
    pub secret: bool,
    /// Only the server reads it (`serve`, `quickstart`); else every command.
    pub server_only: bool,
    /// A file or directory: relative in the file means relative to the file.
    pub path: bool,
    /// What a value looks like, for errors: "a whole number".
    pub expects: &'static str,
}

/// Every setting of `cli` (the command as defined, before [`install`]).
pub fn settings(cli: &Command) -> Vec<Setting> {
    let global = cli.get_arguments().map(|arg| (arg, false));
    let server = cli
        .find_subcommand(SERVER)
        .into_iter()
        .flat_map(|serve| serve.get_arguments())
        .filter(|arg| !arg.is_global_set())
        .map(|arg| (arg, true));
    global
        .chain(server)
        .filter(|(arg, _)| arg.get_long().is_some())
        .filter(|(arg, _)| !NOT_SETTINGS.contains(&arg.get_id().as_str()))
        .map(|(arg, server_only)| setting(arg, server_only))
        .collect()
}

fn setting(arg: &Arg, server_only: bool) -> Setting {
    let id = arg.get_id().as_str().to_owned();
    let key = match id.split_once('_') {
        Some((section, rest)) if SECTIONS.contains(&section) => format!("{section}.{rest}"),
        _ => id.clone(),
    };
    let default = arg
        .get_default_values()
        .first()
        .map(|v| v.to_string_lossy().into_owned())
        .filter(|v| !v.is_empty());
    let help = arg
        .get_long_help()
        .or_else(|| arg.get_help())
        .map(|h| h.to_string())
        .unwrap_or_default();
    Setting {
        key,
        flag: format!("--{}", arg.get_long().unwrap_or_default()),
        env: arg.get_env().map(|e| e.to_string_lossy().into_owned()),
        default,
        help,
        secret: arg.is_hide_env_values_set(),
        server_only,
        path: arg.get_value_parser().type_id() == std::any::TypeId::of::<PathBuf>(),
        expects: expects(arg),
        id,
    }
}

/// What a value of `arg` looks like, by the type its parser makes.
fn expects(arg: &Arg) -> &'static str {
    use std::any::TypeId;
    let made = arg.get_value_parser().type_id();
    if made == TypeId::of::<u64>() || made == TypeId::of::<u32>() || made == TypeId::of::<usize>() {
        "a whole number"
    } else if made == TypeId::of::<std::net::SocketAddr>() {
        "an address and port"
    } else if made == TypeId::of::<PathBuf>() {
        "a path"
    } else if made == TypeId::of::<bool>() {
        "true or false"
    } else {
        "a string"
    }
}

/// The config file named by `--config FILE` / `--config=FILE` on the
/// command line, else by `KEYWARD_CONFIG`. Read before clap parses, since
/// the file changes how it parses.
pub fn path_from(args: &[OsString]) -> Option<PathBuf> {
    let mut rest = args.iter().skip(1);
    while let Some(arg) = rest.next() {
        if arg == "--" {
            break;
        }
        if arg == "--config" {
            return rest.next().map(PathBuf::from);
        }
        if let Some(path) = arg.to_str().and_then(|a| a.strip_prefix("--config=")) {
            return Some(PathBuf::from(path));
        }
    }
    std::env::var_os("KEYWARD_CONFIG")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// A setting the file gives.
#[derive(Debug, Clone)]
pub struct FileValue {
    pub setting: Setting,
    /// As the flag would take it.
    pub value: String,
    /// 1-based line of its key.
    pub line: usize,
}

/// A read and checked config file.
#[derive(Debug, Clone)]
pub struct ConfigFile {
    pub path: PathBuf,
    pub values: Vec<FileValue>,
}

impl ConfigFile {
    /// Read `path` and check every key and value against `cli`'s settings.
    /// Every problem is reported, each with its line.
    pub fn load(path: &Path, cli: &Command) -> anyhow::Result<ConfigFile> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the config file {}", path.display()))?;
        Self::parse(path, &text, cli)
    }

    /// [`ConfigFile::load`] on text already read.
    pub fn parse(path: &Path, text: &str, cli: &Command) -> anyhow::Result<ConfigFile> {
        let name = path.display();
        let document = DeTable::parse(text).map_err(|e| {
            let line = e.span().map_or(1, |span| line_of(text, span.start));
            anyhow::anyhow!("{name}:{line}: not valid TOML: {}", e.message().trim())
        })?;
        let known = settings(cli);
        let base = std::path::absolute(path)
            .ok()
            .and_then(|p| p.parent().map(Path::to_path_buf))
            .unwrap_or_default();
        let mut reader = Reader {
            text,
            base,
            known: &known,
            values: Vec::new(),
            problems: Vec::new(),
            checker: checker(cli),
        };
        reader.table(document.get_ref(), None);
        match reader.problems.len() {
            0 => Ok(ConfigFile {
                path: path.to_owned(),
                values: reader.values,
            }),
            1 => Err(anyhow::anyhow!("{name}:{}", reader.problems[0])),
            n => {
                let mut message = format!("{name}: {n} problems");
                for problem in &reader.problems {
                    let _ = write!(message, "\n  {name}:{problem}");
                }
                Err(anyhow::anyhow!(message))
            }
        }
    }

    /// The line a setting is on, if the file gives it.
    pub fn line_of(&self, id: &str) -> Option<usize> {
        self.values
            .iter()
            .find(|v| v.setting.id == id)
            .map(|v| v.line)
    }
}

struct Reader<'a> {
    text: &'a str,
    /// The file's directory, which relative paths in it start from.
    base: PathBuf,
    known: &'a [Setting],
    values: Vec<FileValue>,
    /// "LINE: what is wrong", in file order.
    problems: Vec<String>,
    checker: Command,
}

impl Reader<'_> {
    fn table(&mut self, table: &DeTable<'_>, section: Option<&str>) {
        let mut entries: Vec<_> = table.iter().collect();
        entries.sort_by_key(|(key, _)| key.span().start);
        for (key, value) in entries {
            let line = line_of(self.text, key.span().start);
            let name = key.get_ref().as_ref();
            let full = match section {
                Some(section) => format!("{section}.{name}"),
                None => name.to_owned(),
            };
            match value.get_ref() {
                DeValue::Table(inner) if section.is_none() && SECTIONS.contains(&name) => {
                    self.table(inner, Some(name));
                }
                value => self.value(&full, line, value),
            }
        }
    }

    fn value(&mut self, key: &str, line: usize, value: &DeValue<'_>) {
        let Some(setting) = self.known.iter().find(|s| s.key == key) else {
            self.problems
                .push(format!("{line}: {}", unknown(key, self.known)));
            return;
        };
        let text = match flag_text(setting, value) {
            Ok(text) if setting.path && Path::new(&text).is_relative() => {
                self.base.join(text).display().to_string()
            }
            Ok(text) => text,
            Err(why) => {
                self.problems.push(format!("{line}: `{key}`: {why}"));
                return;
            }
        };
        if let Err(why) = self.check(setting, &text) {
            let shown = if setting.secret {
                String::new()
            } else {
                format!(" {text:?}")
            };
            let example = match &setting.default {
                Some(default) if !setting.secret => format!(", like the default `{default}`"),
                _ => String::new(),
            };
            self.problems.push(format!(
                "{line}: `{key}`: invalid value{shown}: {why} (expected {}{example})",
                setting.expects
            ));
            return;
        }
        self.values.push(FileValue {
            setting: setting.clone(),
            value: text,
            line,
        });
    }

    /// Run the flag's own parser on `text`, by parsing `keyward serve
    /// --flag=text` with no environment (so that only this value is judged).
    fn check(&self, setting: &Setting, text: &str) -> Result<(), String> {
        let argv = [
            "keyward".to_owned(),
            SERVER.to_owned(),
            format!("{}={text}", setting.flag),
        ];
        match self.checker.clone().try_get_matches_from(argv) {
            Ok(_) => Ok(()),
            Err(e) => Err(clap_reason(&e)),
        }
    }
}

/// `cli` with every environment variable unhooked, for [`Reader::check`].
fn checker(cli: &Command) -> Command {
    cli.clone()
        .mut_args(|arg| arg.env(None))
        .mut_subcommand(SERVER, |serve| serve.mut_args(|arg| arg.env(None)))
}

/// What a clap parse error says about the value, without its usage text.
fn clap_reason(e: &clap::Error) -> String {
    if let Some(source) = std::error::Error::source(e) {
        return source.to_string();
    }
    let rendered = e.to_string();
    let first = rendered.lines().next().unwrap_or_default();
    first.strip_prefix("error: ").unwrap_or(first).to_owned()
}

/// The value as its flag would take it.
fn flag_text(setting: &Setting, value: &DeValue<'_>) -> Result<String, String> {
    match value {
        DeValue::String(s) => Ok(s.to_string()),
        DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix())
            .map(|n| n.to_string())
            .map_err(|e| e.to_string()),
        DeValue::Boolean(b) => Ok(b.to_string()),
        DeValue::Array(items) if LISTS.contains(&setting.id.as_str()) => {
            let mut parts = Vec::new();
            for item in items.iter() {
                match item.get_ref() {
                    DeValue::String(s) => parts.push(s.to_string()),
                    other => {
                        return Err(format!(
                            "a list of strings is expected, and one item is {}",
                            article(other.type_str())
                        ));
                    }
                }
            }
            Ok(parts.join(","))
        }
        other => Err(format!(
            "{} is not a value for this setting (see `keyward config docs`)",
            article(other.type_str())
        )),
    }
}

fn article(type_str: &str) -> String {
    match type_str.chars().next() {
        Some('a' | 'e' | 'i' | 'o' | 'u') => format!("an {type_str}"),
        _ => format!("a {type_str}"),
    }
}

fn unknown(key: &str, known: &[Setting]) -> String {
    let closest = known
        .iter()
        .map(|s| (strsim::jaro_winkler(key, &s.key), &s.key))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    let hint = closest
        .map(|(_, k)| format!(" (did you mean `{k}`?)"))
        .unwrap_or_default();
    let all: Vec<&str> = known.iter().map(|s| s.key.as_str()).collect();
    format!(
        "unknown setting `{key}`{hint}; the settings are {}",
        all.join(", ")
    )
}

fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// `cli` with the file's values as defaults, under its flags and
/// environment variables.
pub fn install(cli: Command, file: &ConfigFile) -> Command {
    file.values.iter().fold(cli, |cli, v| {
        let id = v.setting.id.clone();
        let value = v.value.clone();
        if v.setting.server_only {
            SERVER_COMMANDS.iter().fold(cli, |cli, path| {
                at_path(cli, path, &|sub: Command| {
                    sub.mut_arg(&id, |arg| arg.default_value(value.clone()))
                })
            })
        } else {
            cli.mut_arg(&id, |arg| arg.default_value(value.clone()))
        }
    })
}

fn at_path(cli: Command, path: &[&str], f: &dyn Fn(Command) -> Command) -> Command {
    match path.split_first() {
        None => f(cli),
        Some((first, rest)) => cli.mut_subcommand(first, |sub| at_path(sub, rest, f)),
    }
}

/// docs/configuration.md, generated from `cli`'s definition.
pub fn markdown(cli: &Command) -> String {
    let mut out = String::from(DOC_HEAD);
    for scope in [false, true] {
        out.push_str(if scope {
            "\n## The server (`serve`, `quickstart`)\n"
        } else {
            "\n## Every command\n\nThe store and its keys: every command that opens the store reads these.\n"
        });
        for s in settings(cli).iter().filter(|s| s.server_only == scope) {
            let _ = write!(out, "\n### `{}`\n\n", s.key);
            let mut facts = vec![format!("flag `{}`", s.flag)];
            if let Some(env) = &s.env {
                facts.push(format!("environment `{env}`"));
            }
            facts.push(match &s.default {
                Some(d) => format!("default `{d}`"),
                None => "default: not set".to_owned(),
            });
            if s.secret {
                facts.push("secret: hidden by `config show`".to_owned());
            }
            let _ = writeln!(out, "{}\n", facts.join(" · "));
            let help = s.help.trim();
            // clap drops a one-paragraph help's final full stop.
            let stop = if help.ends_with(['.', ':']) { "" } else { "." };
            let _ = writeln!(out, "{help}{stop}");
        }
    }
    out
}

const DOC_HEAD: &str = "# Configuration

<!-- Generated by `keyward config docs` from the CLI's definition; a test
     fails when this file and the code differ. Edit the flags' doc comments
     in crates/keyward/src/cli/, then run:
     cargo run -q -p keyward -- config docs > docs/configuration.md -->

Every setting can be given three ways. The first found wins:

1. its flag (`keyward serve --listen 0.0.0.0:3000`);
2. its environment variable (`KEYWARD_LISTEN=0.0.0.0:3000`);
3. the config file, named by `--config FILE` or `KEYWARD_CONFIG`
   (`listen = \"0.0.0.0:3000\"`);

and otherwise its default. Without `--config` or `KEYWARD_CONFIG`, no file
is read.

The file is TOML. A key is the flag without its dashes, `-` written `_`;
`tls.cert` and `tls.key` go in a `[tls]` table. Values are strings, numbers
or booleans, checked by the same rules as the flags; `trusted_proxies` also
takes an array. A relative path in the file (`data_dir`, `master_key_file`,
`tls.cert`, `tls.key`) starts from the file's directory.

A key keyward does not know, or a value it cannot use, stops every command
at start with the file, the line and what is allowed:

```text
$ keyward --config keyward.toml serve
error: keyward.toml:3: unknown setting `listn` (did you mean `listen`?); the settings are …
```

```toml
# keyward.toml
listen = \"0.0.0.0:443\"
database = \"postgres://keyward@db.internal/keyward\"
trusted_proxies = [\"10.0.0.0/8\"]
redis_url = \"redis://redis.internal:6379/0\"

[tls]
cert = \"/etc/keyward/tls/fullchain.pem\"
key = \"/etc/keyward/tls/privkey.pem\"
```

- `keyward --config keyward.toml config check` reads the file and checks
  every setting, including that the TLS files load and the SMTP URL is
  usable, then exits 0 or names what is wrong.
- `keyward --config keyward.toml config show` prints every setting's
  effective value and where it came from (flag, environment, file and
  line, default); secrets (URLs with passwords) are hidden.
- `--insecure-no-auth` is a flag only: a file cannot turn authentication off.
- Secrets in a file: keep it readable by keyward's user only; or give
  secrets by environment variable, which wins over the file.
";

/// Where a setting's effective value came from, for `config show`.
pub fn source(setting: &Setting, matches: &clap::ArgMatches, file: Option<&ConfigFile>) -> String {
    use clap::parser::ValueSource;
    // `value_source` panics (in debug builds) on an id `matches` lacks.
    let known = matches.try_contains_id(&setting.id).is_ok();
    let from = if known {
        matches.value_source(&setting.id)
    } else {
        None
    };
    match from {
        Some(ValueSource::CommandLine) => "flag".to_owned(),
        Some(ValueSource::EnvVariable) => {
            format!("environment {}", setting.env.as_deref().unwrap_or("?"))
        }
        _ => match file.and_then(|f| f.line_of(&setting.id).map(|l| (f, l))) {
            Some((f, line)) => format!("{}:{line}", f.path.display()),
            None => "default".to_owned(),
        },
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory as _;

    use super::*;
    use crate::cli::Cli;

    fn parse(text: &str) -> anyhow::Result<ConfigFile> {
        ConfigFile::parse(Path::new("k.toml"), text, &Cli::command())
    }

    #[test]
    fn keys_map_to_flags_and_tables_to_sections() {
        let file = parse(
            "listen = \"127.0.0.1:4000\"\nmax_connections = 0x10\n\
             trusted_proxies = [\"10.0.0.0/8\", \"::1\"]\n\n[tls]\ncert = \"c.pem\"\nkey = \"k.pem\"\n",
        )
        .unwrap();
        let got: Vec<(&str, &str, usize)> = file
            .values
            .iter()
            .map(|v| (v.setting.key.as_str(), v.value.as_str(), v.line))
            .collect();
        // Relative paths start from the file's directory.
        let here = std::path::absolute(".").unwrap();
        let (cert, key) = (
            here.join("c.pem").display().to_string(),
            here.join("k.pem").display().to_string(),
        );
        assert_eq!(
            got,
            [
                ("listen", "127.0.0.1:4000", 1),
                ("max_connections", "16", 2),
                ("trusted_proxies", "10.0.0.0/8,::1", 3),
                ("tls.cert", cert.as_str(), 6),
                ("tls.key", key.as_str(), 7),
            ]
        );
    }

    #[test]
    fn unknown_keys_name_their_line_and_the_closest_setting() {
        let e = parse("\n\nlistn = \"127.0.0.1:1\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("k.toml:3: unknown setting `listn`"), "{e}");
        assert!(e.contains("did you mean `listen`?"), "{e}");
        assert!(e.contains("data_dir, "), "{e}");
        let e = parse("[tls]\ncertificate = \"x\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("k.toml:2: unknown setting `tls.certificate`"),
            "{e}"
        );
        let e = parse("[smtp]\nurl = \"x\"\n").unwrap_err().to_string();
        assert!(e.starts_with("k.toml:1: unknown setting `smtp`"), "{e}");
    }

    #[test]
    fn bad_values_are_judged_by_the_flags_parser() {
        let e = parse("leeway = -1\n").unwrap_err().to_string();
        assert!(
            e.starts_with("k.toml:1: `leeway`: invalid value \"-1\""),
            "{e}"
        );
        let e = parse("a = 1\nlisten = \"localhost\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("k.toml: 2 problems"), "{e}");
        assert!(
            e.contains(
                "k.toml:2: `listen`: invalid value \"localhost\": invalid socket address syntax (expected an address and port, like the default `127.0.0.1:3000`)"
            ),
            "{e}"
        );
        let e = parse("trusted_proxies = \"10.0.0.0/33\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("k.toml:1: `trusted_proxies`"), "{e}");
        let e = parse("public_url = \"ftp://x\"\n").unwrap_err().to_string();
        assert!(e.contains("https:// or http://"), "{e}");
        let e = parse("signin_failures_per_login = 0\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("`signin_failures_per_login`: invalid value \"0\""),
            "{e}"
        );
        let e = parse("listen = 1.5\n").unwrap_err().to_string();
        assert!(e.contains("a float is not a value for this setting"), "{e}");
        let e = parse("listen = [\"a\"]\n").unwrap_err().to_string();
        assert!(e.contains("an array is not a value"), "{e}");
        let e = parse("listen = \n").unwrap_err().to_string();
        assert!(e.starts_with("k.toml:1: not valid TOML"), "{e}");
    }

    #[test]
    fn secrets_are_never_quoted_in_errors() {
        let e = parse("smtp_url = 12\nredis_url = [\"redis://:hunter2@h\"]\n")
            .unwrap_err()
            .to_string();
        assert!(!e.contains("hunter2"), "{e}");
    }

    #[test]
    fn flags_and_environment_win_over_the_file() {
        let file = parse("listen = \"127.0.0.1:4000\"\nleeway = 5\n").unwrap();
        let cli = install(Cli::command(), &file);
        let m = cli
            .clone()
            .try_get_matches_from(["keyward", "serve", "--leeway", "7"])
            .unwrap();
        let serve = m.subcommand_matches("serve").unwrap();
        assert_eq!(serve.get_one::<u64>("leeway"), Some(&7));
        assert_eq!(
            serve
                .get_one::<std::net::SocketAddr>("listen")
                .map(|a| a.port()),
            Some(4000)
        );
    }

    #[test]
    fn every_setting_installs_on_every_command_that_takes_it() {
        let cli = Cli::command();
        let values = settings(&cli)
            .into_iter()
            .map(|setting| FileValue {
                value: setting.default.clone().unwrap_or_default(),
                setting,
                line: 1,
            })
            .collect();
        let file = ConfigFile {
            path: "k.toml".into(),
            values,
        };
        install(cli, &file).debug_assert();
    }

    #[test]
    fn the_documentation_is_generated_from_the_code() {
        let docs = include_str!("../../../docs/configuration.md");
        let generated = markdown(&Cli::command());
        assert!(
            docs == generated,
            "docs/configuration.md differs from the code; run \
             `cargo run -q -p keyward -- config docs > docs/configuration.md`"
        );
    }

    #[test]
    fn the_file_is_named_by_flag_or_environment() {
        let args = |a: &[&str]| a.iter().map(OsString::from).collect::<Vec<_>>();
        assert_eq!(
            path_from(&args(&["keyward", "--config", "a.toml", "serve"])),
            Some(PathBuf::from("a.toml"))
        );
        assert_eq!(
            path_from(&args(&["keyward", "serve", "--config=b.toml"])),
            Some(PathBuf::from("b.toml"))
        );
    }
}
