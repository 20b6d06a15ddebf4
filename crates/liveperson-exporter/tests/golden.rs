//! The golden exposition: `once` against the simulator at a fixed seed and simulated time, in both
//! formats, compared byte for byte with the committed files in `tests/golden/`. Any change to a
//! number, name, label, help text or ordering on `/metrics` shows here first.
//!
//! The only values masked are the run durations (`..._last_run_duration_seconds`), which measure
//! real time. Rewrite the files, after checking the difference is intended, with
//! `UPDATE_GOLDEN=1 cargo test -p liveperson-exporter golden`.

use std::path::PathBuf;

use liveperson_exporter::app;
use liveperson_exporter::metrics::exposition::Format;
use liveperson_sim::world::AccountSpec;
use liveperson_sim::{self as simulator, ClockMode, DEFAULT_MANUAL_START, SimConfig};

const HOUR: i64 = 3_600_000;
/// The samples whose values are real (not simulated) time or this process's own figures.
const REAL: &[&str] = &[
    "liveperson_exporter_collector_last_run_duration_seconds{",
    "process_",
];
/// The build's source revision.
const REVISION: &str = "revision=\"";

/// Replaces the value of every real-time and process sample with `<real>`, and the revision
/// with `<revision>`.
fn mask(exposition: &str) -> String {
    let mut out = String::with_capacity(exposition.len());
    for line in exposition.lines() {
        let real = REAL.iter().any(|p| line.starts_with(p)) && !line.starts_with('#');
        match line.rfind(' ').filter(|_| real) {
            Some(space) => {
                out.push_str(&line[..space]);
                out.push_str(" <real>");
            }
            None => match line.find(REVISION) {
                Some(at) => {
                    let rest = &line[at + REVISION.len()..];
                    let end = rest.find('"').unwrap_or(rest.len());
                    out.push_str(&line[..at + REVISION.len()]);
                    out.push_str("<revision>");
                    out.push_str(&rest[end..]);
                }
                None => out.push_str(line),
            },
        }
        out.push('\n');
    }
    out
}

fn compare(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (UPDATE_GOLDEN=1 writes it)", path.display()));
    if expected != actual {
        let (e, a): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
        let first = e
            .iter()
            .zip(&a)
            .position(|(x, y)| x != y)
            .unwrap_or(e.len().min(a.len()));
        panic!(
            "{name} differs from the golden file at line {}:\n  golden: {:?}\n  now:    {:?}\n\
             ({} lines golden, {} now; UPDATE_GOLDEN=1 rewrites it if the change is intended)",
            first + 1,
            e.get(first),
            a.get(first),
            e.len(),
            a.len()
        );
    }
}

#[tokio::test]
async fn once_exposition_equals_the_golden_files() {
    let mut cfg = SimConfig::for_tests(7);
    // Monday 14:00 UTC, a busy hour, with NHT's hours published half an hour after they end so
    // the simulated history has some.
    cfg.clock = ClockMode::Manual(DEFAULT_MANUAL_START + 14 * HOUR);
    cfg.timing.nht_delay_ms = HOUR / 2;
    cfg.accounts = vec![
        AccountSpec {
            id: "70000001".into(),
            agents: 24,
            skills: 5,
            groups: 3,
        },
        AccountSpec {
            id: "70000002".into(),
            agents: 12,
            skills: 3,
            groups: 2,
        },
    ];
    let sim = simulator::start(cfg).await.expect("simulator");
    let (exposition, failures) = app::once(
        app::Checked::new(crate::support::exporter_config(&sim)).unwrap(),
        sim.shared.clock.clone(),
    )
    .await
    .expect("once");
    assert_eq!(failures, Vec::<String>::new());
    compare(
        "once.prom",
        &mask(std::str::from_utf8(&exposition.to_vec(Format::Text, false)).unwrap()),
    );
    compare(
        "once.openmetrics",
        &mask(std::str::from_utf8(&exposition.to_vec(Format::OpenMetrics, false)).unwrap()),
    );
}
