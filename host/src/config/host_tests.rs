//! Unit tests of [`super`]: the daemon config's keys, defaults and checks.

use super::*;

fn parse(text: &str) -> Result<HostConfig, ConfigError> {
    HostConfig::from_str(text, Path::new("/etc/oaktree/oaktree.yaml"))
}

#[test]
fn an_empty_file_gives_the_defaults_with_paths_resolved() {
    let c = parse("").unwrap();
    assert_eq!(c.listen, "127.0.0.1:50051".parse().unwrap());
    assert_eq!(c.plugin_dir, PathBuf::from("/etc/oaktree/plugins"));
    assert_eq!(c.default_deadline_ms, 30_000);
    assert_eq!(c.max_concurrency, 1024);
    assert_eq!(c.plugin_instances, 1024);
    assert_eq!(c.plugin_memory_total_mb, 2048);
    assert_eq!(c.max_plugin_file_mb, 64);
    assert_eq!(c.circuit_breaker.failures, 5);
    assert_eq!(c.circuit_breaker.probe_interval_ms, 5000);
    assert_eq!(c.plugin_memory_limit_mb, 256);
    assert_eq!(c.log_format, LogFormat::Text);
    assert!(c.watch_plugins);
    assert!(c.profiles.is_empty() && c.clouds_file.is_none());
}

#[test]
fn relative_paths_resolve_against_the_file_and_absolute_ones_stay() {
    let c = parse("plugin_dir: ../wasm\nclouds_file: clouds.yaml\n").unwrap();
    assert_eq!(c.plugin_dir, PathBuf::from("/etc/oaktree/../wasm"));
    assert_eq!(
        c.clouds_file,
        Some(PathBuf::from("/etc/oaktree/clouds.yaml"))
    );
    let c = parse("plugin_dir: /opt/p\n").unwrap();
    assert_eq!(c.plugin_dir, PathBuf::from("/opt/p"));
}

#[test]
fn every_key_can_be_set() {
    let c = parse(
        "listen: '0.0.0.0:9000'\nprofiles: {rackspace: rax}\ndefault_deadline_ms: 5\n\
         max_concurrency: 2\nplugin_memory_limit_mb: 64\nlog_format: json\n\
         watch_plugins: false\n",
    )
    .unwrap();
    assert_eq!(c.listen.port(), 9000);
    assert_eq!(c.profiles.get("rackspace").map(String::as_str), Some("rax"));
    assert_eq!(
        (
            c.default_deadline_ms,
            c.max_concurrency,
            c.plugin_memory_limit_mb
        ),
        (5, 2, 64)
    );
    assert_eq!(c.log_format, LogFormat::Json);
    assert!(!c.watch_plugins);
}

#[test]
fn an_unknown_key_names_the_file_and_lists_the_allowed_keys() {
    let err = parse("listn: 1\n").unwrap_err().to_string();
    assert_eq!(
        err,
        "/etc/oaktree/oaktree.yaml: top level: unknown key 'listn' (allowed: listen, plugin_dir, \
         clouds_file, profiles, default_deadline_ms, max_concurrency, plugin_memory_limit_mb, \
         log_format, limits, metrics_listen, watch_plugins, plugin_cache_dir, plugin_fuel, \
         egress, work_dir, qemu_img, upload_dirs, max_upload_bytes, max_deadline_ms, \
         idempotency_window_s, shutdown_grace_ms, plugin_instances, plugin_memory_total_mb, \
         max_plugin_file_mb, circuit_breaker). Fix: remove it or correct its spelling"
    );
}

#[test]
fn the_work_dir_defaults_to_the_xdg_state_directory_not_tmp() {
    assert_eq!(
        default_work_dir_with(Some("/xdg".into()), Some("/home/u".into())),
        Some(PathBuf::from("/xdg/oaktree"))
    );
    assert_eq!(
        default_work_dir_with(Some("relative".into()), Some("/home/u".into())),
        Some(PathBuf::from("/home/u/.local/state/oaktree"))
    );
    assert_eq!(default_work_dir_with(None, None), None);
    let c = parse("shutdown_grace_ms: 500\n").unwrap();
    assert_eq!(c.shutdown_grace_ms, 500);
    assert_eq!(parse("").unwrap().shutdown_grace_ms, 30_000);
}

#[test]
fn the_plugin_cache_defaults_to_the_xdg_cache_and_can_be_moved_or_turned_off() {
    let c = parse("").unwrap();
    assert_eq!(c.plugin_cache_dir, PluginCacheDir::Default);
    let resolve = |c: &HostConfig| {
        c.plugin_cache_dir
            .resolve_with(Some("/xdg".into()), Some("/home/u".into()))
    };
    assert_eq!(resolve(&c), Some(PathBuf::from("/xdg/oaktree/plugins")));
    assert_eq!(
        c.plugin_cache_dir
            .resolve_with(Some("rel".into()), Some("/home/u".into())),
        Some(PathBuf::from("/home/u/.cache/oaktree/plugins"))
    );
    assert_eq!(c.plugin_cache_dir.resolve_with(None, None), None);
    let c = parse("plugin_cache_dir: cache\n").unwrap();
    assert_eq!(resolve(&c), Some(PathBuf::from("/etc/oaktree/cache")));
    for off in [
        "plugin_cache_dir: none\n",
        "plugin_cache_dir: ''\n",
        "plugin_cache_dir:\n",
    ] {
        assert_eq!(resolve(&parse(off).unwrap()), None, "{off}");
    }
}

#[test]
fn fuel_and_egress_entries_are_read_and_checked() {
    let c =
        parse("plugin_fuel: 5000000\negress:\n  - {cloud: alpha, allowed_hosts: [proxy:3128]}\n")
            .unwrap();
    assert_eq!(c.plugin_fuel, Some(5_000_000));
    assert_eq!(c.egress[0].cloud, "alpha");
    assert_eq!(c.egress[0].region, "*");
    let err = parse("plugin_fuel: 0\n").unwrap_err().to_string();
    assert!(
        err.contains(": plugin_fuel: must be greater than 0"),
        "{err}"
    );
    let err = parse("egress:\n  - {allowed_hosts: [ok, 'a b']}\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains(": egress[0].allowed_hosts[1]: "), "{err}");
    let err = parse("egress:\n  - {clod: a, allowed_hosts: []}\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains("unknown field `clod`"), "{err}");
}

#[test]
fn scale_keys_are_read_and_checked() {
    let c = parse(
        "plugin_instances: 8\nplugin_memory_total_mb: 100\nmax_plugin_file_mb: 3\n\
         circuit_breaker: {failures: 2, probe_interval_ms: 250}\n",
    )
    .unwrap();
    assert_eq!(
        (
            c.plugin_instances,
            c.plugin_memory_total_mb,
            c.max_plugin_file_mb
        ),
        (8, 100, 3)
    );
    let breaker = c.circuit_breaker.settings();
    assert_eq!(breaker.failures, 2);
    assert_eq!(
        breaker.probe_interval,
        std::time::Duration::from_millis(250)
    );
    let c = parse("circuit_breaker: {failures: 9}\n").unwrap();
    assert_eq!(c.circuit_breaker.probe_interval_ms, 5000);
    for (text, key) in [
        (
            "plugin_instances: 0\n",
            ": plugin_instances: must be at least 1",
        ),
        (
            "plugin_memory_total_mb: 0\n",
            ": plugin_memory_total_mb: must be",
        ),
        ("max_plugin_file_mb: 0\n", ": max_plugin_file_mb: must be"),
        (
            "circuit_breaker: {probe_interval_ms: 0}\n",
            ": circuit_breaker.probe_interval_ms: must be",
        ),
    ] {
        let err = parse(text).unwrap_err().to_string();
        assert!(err.contains(key), "{err}");
    }
    let err = parse("circuit_breaker: {failure: 1}\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains("unknown field `failure`"), "{err}");
}

#[test]
fn a_zero_deadline_names_the_file_and_key() {
    let err = parse("default_deadline_ms: 0\n").unwrap_err().to_string();
    assert!(
        err.starts_with("/etc/oaktree/oaktree.yaml: default_deadline_ms: must be greater than 0"),
        "{err}"
    );
    let err = parse("max_concurrency: 0\n").unwrap_err().to_string();
    assert!(
        err.contains(": max_concurrency: must be at least 1"),
        "{err}"
    );
}

#[test]
fn a_wrong_type_names_the_key_path() {
    let err = parse("profiles:\n  x: [1]\n").unwrap_err().to_string();
    assert!(
        err.starts_with("/etc/oaktree/oaktree.yaml: profiles.x: invalid type"),
        "{err}"
    );
    let err = parse("listen: nowhere\n").unwrap_err().to_string();
    assert!(err.contains(": listen: invalid socket address"), "{err}");
    let err = parse("log_format: xml\n").unwrap_err().to_string();
    assert!(err.contains(": log_format: unknown variant `xml`"), "{err}");
}

#[test]
fn malformed_yaml_names_the_file_and_line() {
    let err = parse("listen: [\n").unwrap_err();
    assert!(
        matches!(err, ConfigError::Syntax { line: Some(_), .. }),
        "{err}"
    );
}

#[test]
fn host_keys_match_the_struct_fields() {
    // serde's own unknown-field message lists the fields the derive knows.
    let err = serde_yaml::from_str::<HostConfig>("zzz: 1\n")
        .unwrap_err()
        .to_string();
    let expected: Vec<String> = HOST_KEYS.iter().map(|k| format!("`{k}`")).collect();
    assert!(err.contains(&expected.join(", ")), "{err}");
}

#[test]
fn load_reads_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("o.yaml");
    std::fs::write(&p, "max_concurrency: 3\n").unwrap();
    let c = HostConfig::load(&p).unwrap();
    assert_eq!(c.max_concurrency, 3);
    assert_eq!(c.plugin_dir, dir.path().join("plugins"));
    assert!(matches!(
        HostConfig::load(&dir.path().join("missing.yaml")),
        Err(ConfigError::Read { .. })
    ));
}

#[test]
fn hostile_input_keys_have_safe_defaults_and_resolve_like_work_dir() {
    let c = parse("").unwrap();
    assert!(
        c.upload_dirs.is_empty(),
        "no directory is readable by default"
    );
    assert_eq!(c.max_upload_bytes, 64 << 30);
    assert_eq!(c.max_deadline_ms, 300_000);
    assert_eq!(c.idempotency_window_s, 600);
    let c = parse("upload_dirs: [images, /srv/images]\n").unwrap();
    assert_eq!(
        c.upload_dirs,
        vec![
            PathBuf::from("/etc/oaktree/images"),
            PathBuf::from("/srv/images")
        ]
    );
    let err = parse("max_deadline_ms: 1000\n").unwrap_err().to_string();
    assert!(
        err.contains(": max_deadline_ms: must be at least `default_deadline_ms`"),
        "{err}"
    );
    for key in ["max_upload_bytes", "idempotency_window_s"] {
        let err = parse(&format!("{key}: 0\n")).unwrap_err().to_string();
        assert!(
            err.contains(&format!(": {key}: must be greater than 0")),
            "{err}"
        );
    }
}
