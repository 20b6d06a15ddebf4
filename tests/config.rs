//! `check-config` on the shipped example and on every fixture: ok files pass with exactly the
//! cautions their `# caution:` lines list, each bad file exits 2 naming the key paths its
//! `# expect:` lines list, and the environment overrides the file.

use std::path::Path;
use std::process::Command;

fn check(file: &Path, env: &[(&str, &str)]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_liveperson-exporter"))
        .args(["check-config", "--config"])
        .arg(file)
        .envs(env.iter().copied())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("runs");
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    (out.status.code().unwrap_or(-1), text)
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn the_documented_example_loads() {
    // As the README documents it: no environment needed, exit 0, and no secret in what it prints.
    let example = root().join("config/example.yaml");
    let (code, out) = check(&example, &[]);
    assert_eq!(code, 0, "{out}");
    assert!(
        !out.contains("caution"),
        "the example's timeouts fit the retry waits: {out}"
    );
    for secret in [
        "your-app-secret",
        "your-access-token",
        "your-access-token-secret",
    ] {
        assert!(!out.contains(secret), "{out}");
    }
}

#[test]
fn the_sidecar_example_loads() {
    let sidecar = root().join("config/sidecar.yaml");
    let creds = [
        ("LP_CONSUMER_KEY", "k"),
        ("LP_CONSUMER_SECRET", "s"),
        ("LP_TOKEN", "t"),
        ("LP_TOKEN_SECRET", "ts"),
    ];
    let (code, out) = check(&sidecar, &creds);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn every_fixture_passes_or_names_its_keys() {
    let dir = root().join("tests/fixtures/config");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        let expected: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("# expect: "))
            .collect();
        let cautions: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("# caution: "))
            .collect();
        let (code, out) = check(&path, &[]);
        if name.starts_with("ok-") {
            assert_eq!(code, 0, "{name}: {out}");
            let printed: Vec<&str> = out
                .lines()
                .filter_map(|l| l.strip_prefix("caution: "))
                .map(|l| l.split(": ").next().unwrap_or(l))
                .collect();
            assert_eq!(
                printed, cautions,
                "{name}: exactly the listed cautions:\n{out}"
            );
        } else {
            assert!(name.starts_with("bad-"), "fixtures are named ok-* or bad-*");
            assert!(!expected.is_empty(), "{name} lists its expected keys");
            assert_eq!(code, 2, "{name}: {out}");
            for key in &expected {
                assert!(
                    out.lines()
                        .any(|l| l.trim_start().starts_with(&format!("{key}:"))),
                    "{name}: no problem reported at {key}:\n{out}"
                );
            }
            let reported = out.lines().filter(|l| l.starts_with("  ")).count();
            assert_eq!(
                reported,
                expected.len(),
                "{name}: exactly the expected problems:\n{out}"
            );
        }
        seen += 1;
    }
    assert!(seen >= 9);
}

#[test]
fn the_environment_overrides_the_file() {
    let file = root().join("tests/fixtures/config/ok-minimal.toml");
    let (code, out) = check(
        &file,
        &[("LIVEPERSON_EXPORTER_HTTP__REQUEST_TIMEOUT", "soon")],
    );
    assert_eq!(code, 2);
    assert!(out.contains("http.request_timeout:"), "{out}");
    let (code, out) = check(
        &file,
        &[("LIVEPERSON_EXPORTER_HTTP__REQUEST_TIMEOUT", "45s")],
    );
    assert_eq!(code, 0, "{out}");
    let (code, out) = check(
        &file,
        &[
            ("LIVEPERSON_EXPORTER_GAUGE_MAX_AGE", "10m"),
            ("LIVEPERSON_EXPORTER_NOT_A_KEY", "1"),
        ],
    );
    assert_eq!(code, 2);
    assert!(out.contains("not_a_key: unknown key"), "{out}");
}
