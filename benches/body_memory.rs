//! Peak memory of decoding one large answer, per API model, as a multiple of the body's size,
//! against a baseline in the same run: the same body decoded as a `serde_json::Value` tree (what
//! the exporter used to hold). Each body is a documented example grown to about `MB` megabytes by
//! repeating its largest collection. Memory is the heap's peak above what was allocated before
//! the decode (a counting global allocator), so the numbers do not depend on the machine.
//! Run with `cargo bench --bench body_memory`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{Value, json};

use liveperson_exporter::collectors::actual_handle_time::model as aht;
use liveperson_exporter::collectors::agent_activity::model as aa;
use liveperson_exporter::collectors::interval_metrics::model as im;
use liveperson_exporter::collectors::key_messaging_metrics::model as kmm;
use liveperson_exporter::collectors::messaging_queue_health::model as qh;
use liveperson_exporter::collectors::net_handle_time::model as nht;
use liveperson_exporter::collectors::rolling::model as rolling;

/// Counts live and peak heap bytes.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        unsafe { System.dealloc(p, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const MB: usize = 8;

/// Peak heap above the start while `f` runs, as a multiple of `len`.
fn peak_ratio(len: usize, f: impl FnOnce()) -> f64 {
    let start = LIVE.load(Ordering::Relaxed);
    PEAK.store(start, Ordering::Relaxed);
    f();
    (PEAK.load(Ordering::Relaxed) - start) as f64 / len as f64
}

fn example(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/liveperson/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// `body` with the collection at `pointer` grown, by copies of its first element (objects get
/// new numeric keys), until the body is about `MB` megabytes.
fn grow(mut body: Value, pointer: &str) -> Vec<u8> {
    let target = MB << 20;
    let one = serde_json::to_vec(&body).unwrap().len();
    let slot = body.pointer_mut(pointer).expect("pointer");
    match slot {
        Value::Array(a) => {
            let first = a[0].clone();
            let each = serde_json::to_vec(&first).unwrap().len() + 1;
            a.extend(std::iter::repeat_n(first, (target - one) / each));
        }
        Value::Object(m) => {
            let first = m.values().next().unwrap().clone();
            let each = serde_json::to_vec(&first).unwrap().len() + 14;
            for i in 0..(target - one) / each {
                m.insert(format!("{}", 100_000_000 + i), first.clone());
            }
        }
        _ => panic!("{pointer} is not a collection"),
    }
    serde_json::to_vec(&body).unwrap()
}

/// A model's name, its grown body and its decode.
type Case = (&'static str, Vec<u8>, fn(&[u8]));

fn main() {
    let rolling_body = json!({
        "metricsByIntervals": [{
            "timestamp": 1_700_000_100_000i64,
            "metricsData": example("msgconversation-skills-all-agent.json"),
        }]
    });
    let cases: Vec<Case> = vec![
        (
            "messaging_queue_health",
            grow(
                example("msg-current-queue-health-overdue.json"),
                "/skillsMetrics",
            ),
            |b| {
                drop(black_box(
                    serde_json::from_slice::<qh::QueueHealthResponse>(b),
                ))
            },
        ),
        (
            "key_messaging_metrics",
            grow(
                example("manager-workspace-metrics-groupby-agentgroup.json"),
                "/groupBy/groups",
            ),
            |b| drop(black_box(serde_json::from_slice::<kmm::MetricsResponse>(b))),
        ),
        (
            "net_handle_time",
            grow(example("nht-by-skill-v2.json"), "/skillInfo"),
            |b| drop(black_box(serde_json::from_slice::<nht::Answer>(b))),
        ),
        (
            "interval_metrics",
            grow(
                example("interval-metrics-grouping-agent.json"),
                "/intervals",
            ),
            |b| drop(black_box(serde_json::from_slice::<im::Page>(b))),
        ),
        (
            "actual_handle_time",
            grow(example("aht-agent-segments.json"), "/segments"),
            |b| drop(black_box(serde_json::from_slice::<aht::Page>(b))),
        ),
        (
            "agent_activity",
            grow(
                example("agent-activity-status-changes-v2-paged.json"),
                "/stateChanges",
            ),
            |b| drop(black_box(serde_json::from_slice::<aa::Page>(b))),
        ),
        (
            "rolling (msgconversation)",
            grow(
                rolling_body,
                "/metricsByIntervals/0/metricsData/agentsMetrics/metricsPerAgent",
            ),
            |b| drop(black_box(rolling::parse(b))),
        ),
    ];
    println!(
        "{:<28} {:>8} {:>14} {:>14} {:>8}",
        "model", "body MB", "peak/body", "Value/body", "ratio"
    );
    for (name, body, decode) in cases {
        let value = peak_ratio(body.len(), || {
            drop(black_box(serde_json::from_slice::<Value>(&body)))
        });
        let model = peak_ratio(body.len(), || decode(&body));
        println!(
            "{name:<28} {:>8.1} {model:>13.2}x {value:>13.2}x {:>8.2}",
            body.len() as f64 / (1 << 20) as f64,
            model / value
        );
    }
}
