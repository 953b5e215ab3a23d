//! The config file as an operator meets it: a typo stops every command with
//! its line, `config show` tells each value's source with secrets hidden,
//! flags and environment win over the file, and the file's settings reach
//! every command (not only `serve`).

use crate::common::Env;

#[test]
fn a_typo_in_the_config_file_is_refused_with_its_line() {
    let env = Env::new();
    std::fs::write(
        env.path("keyward.toml"),
        "# production\ndata_dir = \"state\"\nlistn = \"0.0.0.0:3000\"\nleeway = \"soon\"\n",
    )
    .unwrap();
    for args in [
        &["--config", "keyward.toml", "serve"][..],
        &["--config=keyward.toml", "project", "list"],
        &["--config", "keyward.toml", "config", "check"],
    ] {
        let err = env.fail(args);
        assert!(err.contains("keyward.toml: 2 problems"), "{args:?}: {err}");
        assert!(
            err.contains("keyward.toml:3: unknown setting `listn` (did you mean `listen`?); the settings are data_dir,"),
            "{args:?}: {err}"
        );
        assert!(
            err.contains(
                "keyward.toml:4: `leeway`: invalid value \"soon\": invalid digit found in string (expected a whole number, like the default `60`)"
            ),
            "{args:?}: {err}"
        );
    }
    // Named by the environment too; refused before anything is created.
    let err = env.fail_with_env(&["project", "list"], &[("KEYWARD_CONFIG", "keyward.toml")]);
    assert!(
        err.contains("keyward.toml:3: unknown setting `listn`"),
        "{err}"
    );
    assert!(!env.path("state").exists());
    let err = env.fail(&["--config", "missing.toml", "project", "list"]);
    assert!(
        err.contains("cannot read the config file missing.toml"),
        "{err}"
    );
}

#[test]
fn config_show_tells_each_value_and_where_it_came_from() {
    let env = Env::new();
    std::fs::create_dir_all(env.path("conf")).unwrap();
    std::fs::write(
        env.path("conf/keyward.toml"),
        "listen = \"127.0.0.1:4100\"\nleeway = 5\nmax_connections = 50\n\
         redis_url = \"redis://:hunter2@cache.internal:6379/0\"\ndata_dir = \"state\"\n\
         trusted_proxies = [\"10.0.0.0/8\", \"127.0.0.1\"]\n",
    )
    .unwrap();
    let mut cmd = env.command(&[
        "--config",
        "conf/keyward.toml",
        "config",
        "show",
        "--max-connections",
        "7",
    ]);
    let out = cmd.env("KEYWARD_LEEWAY_SECS", "9").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let shown = String::from_utf8(out.stdout).unwrap();
    let line = |key: &str| {
        shown
            .lines()
            .find(|l| l.starts_with(&format!("{key} = ")) || l.starts_with(&format!("# {key} ")))
            .unwrap_or_else(|| panic!("no {key} in\n{shown}"))
            .to_owned()
    };
    let parts = |key: &str| {
        let l = line(key);
        let (value, source) = l.split_once(" # ").unwrap();
        (value.trim().to_owned(), source.trim().to_owned())
    };
    assert_eq!(
        parts("listen"),
        (
            "listen = \"127.0.0.1:4100\"".into(),
            "conf/keyward.toml:1".into()
        )
    );
    assert_eq!(
        parts("leeway"),
        (
            "leeway = 9".into(),
            "environment KEYWARD_LEEWAY_SECS".into()
        )
    );
    assert_eq!(
        parts("max_connections"),
        ("max_connections = 7".into(), "flag".into())
    );
    assert_eq!(
        parts("read_timeout"),
        ("read_timeout = 10".into(), "default".into())
    );
    assert_eq!(
        parts("trusted_proxies"),
        (
            "trusted_proxies = \"10.0.0.0/8,127.0.0.1\"".into(),
            "conf/keyward.toml:6".into()
        )
    );
    let data_dir = env.path("conf/state");
    assert_eq!(
        parts("data_dir"),
        (
            format!("data_dir = \"{}\"", data_dir.display()),
            "conf/keyward.toml:5".into()
        )
    );
    let redis = line("redis_url");
    assert!(redis.contains("cache.internal"), "{redis}");
    assert!(!shown.contains("hunter2"), "a secret was shown:\n{shown}");
    assert!(
        line("tls.cert").starts_with("# tls.cert is not set"),
        "{shown}"
    );
}

#[test]
fn the_files_settings_reach_every_command_under_flags_and_environment() {
    let env = Env::new();
    std::fs::create_dir_all(env.path("conf")).unwrap();
    std::fs::write(env.path("conf/keyward.toml"), "data_dir = \"state\"\n").unwrap();
    env.ok(&[
        "--config",
        "conf/keyward.toml",
        "project",
        "create",
        "filed",
    ]);
    assert!(env.path("conf/state/keyward.db").exists());
    let listed = env.ok(&["--config", "conf/keyward.toml", "project", "list"]);
    assert!(listed.contains("filed"), "{listed}");
    // The flag wins: another data directory, without the project.
    let elsewhere = env.ok(&[
        "--config",
        "conf/keyward.toml",
        "--data-dir",
        "other",
        "project",
        "list",
    ]);
    assert!(!elsewhere.contains("filed"), "{elsewhere}");
    // `config check` says the file is fine.
    let checked = env.ok(&["--config", "conf/keyward.toml", "config", "check"]);
    assert_eq!(checked, "conf/keyward.toml: OK (1 settings from the file)");
    // And refuses what serve would refuse: a TLS file that does not load.
    std::fs::write(
        env.path("conf/tls.toml"),
        "[tls]\ncert = \"missing.pem\"\nkey = \"missing-key.pem\"\n",
    )
    .unwrap();
    let err = env.fail(&["--config", "conf/tls.toml", "config", "check"]);
    assert!(err.contains("cannot read"), "{err}");
    assert!(err.contains("missing.pem"), "{err}");
}
