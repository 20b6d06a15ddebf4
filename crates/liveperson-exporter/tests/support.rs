//! Helpers of the exporter's tests: the simulator with the demo configuration, one collector run by
//! hand on the simulator's clock, snapshots as comparable figures, and the workspace root for the
//! files tests read.
#![allow(dead_code)]

use liveperson_sim::{SimConfig, Simulator};

/// The workspace root: the README, `config/` and `tests/fixtures/` are read from there.
pub const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

/// Starts the simulator (and installs the TLS provider the exporter's client needs).
pub async fn start_sim(cfg: SimConfig) -> Simulator {
    liveperson_exporter::liveperson::install_tls_provider();
    liveperson_sim::start(cfg).await.expect("simulator starts")
}

use crate::demo::demo_config;

/// The demo configuration for `sim`, with retry waits and rate limits fit for tests.
pub fn exporter_config(sim: &Simulator) -> liveperson_exporter::config::Config {
    let mut cfg = demo_config(sim);
    cfg.http.retry.server_error_waits = vec![std::time::Duration::from_millis(5); 3];
    cfg.http.retry.rate_limited_wait = std::time::Duration::from_millis(5);
    cfg.http.retry.max_rate_limited_wait = std::time::Duration::from_millis(10);
    cfg.http.requests_per_minute = 1_000_000;
    cfg
}

/// One collector of the first account, run by hand on the simulator's clock.
pub struct OneCollector {
    pub collector: Box<dyn liveperson_exporter::collectors::Collector>,
    pub ctx: liveperson_exporter::collectors::CollectCtx,
    pub traffic: std::sync::Arc<liveperson_exporter::traffic::Traffic>,
}

/// Builds collector `name` from `cfg` for the first account.
pub fn one_collector(
    sim: &Simulator,
    cfg: &liveperson_exporter::config::Config,
    name: &str,
) -> OneCollector {
    use std::sync::Arc;
    let traffic = Arc::new(liveperson_exporter::traffic::Traffic::default());
    let lp = Arc::new(liveperson_exporter::liveperson::LivePerson::new(
        cfg.http.clone(),
        traffic.clone(),
    ));
    let planned = liveperson_exporter::collectors::plan(cfg)
        .unwrap()
        .into_iter()
        .find(|p| p.entry.name == name)
        .unwrap();
    OneCollector {
        collector: planned.built.collector,
        ctx: liveperson_exporter::collectors::CollectCtx {
            client: Arc::new(liveperson_exporter::liveperson::AccountClient::new(
                lp,
                cfg.accounts[0].clone(),
            )),
            clock: sim.shared.clock.clone(),
        },
        traffic,
    }
}

impl OneCollector {
    /// Runs once (60 s timeout).
    pub async fn try_run(
        &mut self,
    ) -> Result<
        std::sync::Arc<liveperson_exporter::metrics::snapshot::Snapshot>,
        liveperson_exporter::collectors::CollectError,
    > {
        liveperson_exporter::scheduler::run_once(
            self.collector.as_mut(),
            &self.ctx,
            std::time::Duration::from_secs(60),
        )
        .await
        .0
    }

    /// Runs once; the run must succeed.
    pub async fn run(
        &mut self,
    ) -> std::sync::Arc<liveperson_exporter::metrics::snapshot::Snapshot> {
        self.try_run().await.expect("collection succeeds")
    }
}

/// A series' figures: metric (with `_bucket` or `_sum` for histograms) and labels (with `le=` for
/// buckets).
pub type Figures = std::collections::BTreeMap<(String, Vec<String>), f64>;

/// Every sample and histogram figure of the families `keep` accepts.
pub fn figures(
    s: &liveperson_exporter::metrics::snapshot::Snapshot,
    keep: impl Fn(&liveperson_exporter::metrics::snapshot::Family) -> bool,
) -> Figures {
    let mut out = Figures::new();
    for (name, f) in s.families.iter().filter(|(_, f)| keep(f)) {
        for x in &f.samples {
            out.insert((name.to_string(), x.labels.clone()), x.value);
        }
        for h in &f.histograms {
            for (le, n) in &h.buckets {
                let mut l = h.labels.clone();
                l.push(format!("le={le}"));
                out.insert((format!("{name}_bucket"), l), *n as f64);
            }
            out.insert((format!("{name}_sum"), h.labels.clone()), h.sum);
        }
    }
    out
}

/// The counter figures (histograms included).
pub fn counters(s: &liveperson_exporter::metrics::snapshot::Snapshot) -> Figures {
    use liveperson_exporter::metrics::catalogue::Kind;
    figures(s, |f| {
        matches!(f.spec.kind, Kind::Counter | Kind::Histogram)
    })
}

/// The first counter of `before` that is lower, or gone, in `after`.
pub fn counter_went_back(
    before: &liveperson_exporter::metrics::snapshot::Snapshot,
    after: &liveperson_exporter::metrics::snapshot::Snapshot,
) -> Option<String> {
    let after = counters(after);
    counters(before).into_iter().find_map(|(key, was)| {
        let is = after.get(&key).copied();
        (!is.is_some_and(|is| is >= was)).then(|| format!("{key:?} went from {was} to {is:?}"))
    })
}

/// Holds the README's text between `begin` and `end` to `generated`: rewrites it when
/// `UPDATE_README` is set, and fails naming `command` (which regenerates it) when it differs.
pub fn readme_section_is(begin: &str, end: &str, generated: &str, command: &str) {
    let path = format!("{ROOT}/README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let (Some(b), Some(e)) = (readme.find(begin), readme.find(end)) else {
        panic!("README.md lacks the markers {begin:?} and {end:?}");
    };
    if &readme[b + begin.len()..e] == generated {
        return;
    }
    if std::env::var_os("UPDATE_README").is_some() {
        let updated = format!("{}{begin}{generated}{}", &readme[..b], &readme[e..]);
        std::fs::write(&path, updated).unwrap();
    } else {
        panic!("README.md is stale between {begin:?} and {end:?}: run {command}");
    }
}
