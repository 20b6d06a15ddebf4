//! Where the memory of 200,000 series goes (200 accounts of 1,000 series in five families), against
//! the plain exposition's size in the same run: the heap the snapshots take, then the heap and
//! the RSS once the store holds them with their encoded pieces. Heap is counted by a wrapping
//! global allocator, so it does not depend on the machine. Run with `cargo bench --bench memory`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use liveperson_exporter::clock::SystemClock;
use liveperson_exporter::metrics::exposition::Format;
use liveperson_exporter::self_metrics::Identity;
use liveperson_exporter::store::Store;
use liveperson_exporter::traffic::Traffic;

#[path = "support/mod.rs"]
mod support;
use support::{ACCOUNTS, SERIES_PER_ACCOUNT, rss_mb, snapshot};

/// Counts live heap bytes.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        unsafe { System.dealloc(p, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn mb(bytes: usize) -> f64 {
    bytes as f64 / 1e6
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let base = LIVE.load(Ordering::Relaxed);
    let snapshots: Vec<_> = (0..ACCOUNTS).map(|a| snapshot(a, 0)).collect();
    let of_snapshots = LIVE.load(Ordering::Relaxed) - base;

    let store = Store::new(
        Arc::new(SystemClock),
        Arc::new(Traffic::default()),
        Duration::from_secs(300),
        Identity::default(),
    );
    for (a, s) in snapshots.iter().enumerate() {
        store.publish(&a.to_string(), "bench", &Ok(s.clone()), Duration::ZERO);
    }
    drop(snapshots);
    store.settled().await;
    let e = store.exposition();
    let plain = e.len(Format::Text, false) as usize;
    let held = LIVE.load(Ordering::Relaxed) - base;
    println!(
        "{} series: plain exposition {:.1} MB; snapshots {:.1} MB heap ({:.2}x); store with pieces {:.1} MB heap ({:.2}x); process RSS {:.1} MB ({:.2}x of 3x exposition + 15 MB)",
        ACCOUNTS * SERIES_PER_ACCOUNT,
        mb(plain),
        mb(of_snapshots),
        of_snapshots as f64 / plain as f64,
        mb(held),
        held as f64 / plain as f64,
        rss_mb(),
        rss_mb() / (3.0 * mb(plain) + 15.0)
    );
}
