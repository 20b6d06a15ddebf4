//! The figures of the standard `process_*` metrics every Prometheus client library exposes (CPU
//! time, memory, file descriptors, start time), read from `/proc` on Linux; none elsewhere.

/// One reading of this process.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ProcessFigures {
    /// User and system CPU time, seconds.
    pub cpu_seconds: f64,
    /// Resident memory, bytes.
    pub resident_bytes: f64,
    /// Virtual memory, bytes.
    pub virtual_bytes: f64,
    /// Open file descriptors.
    pub open_fds: f64,
    /// The soft limit of open file descriptors (`None`: unlimited).
    pub max_fds: Option<f64>,
    /// Start time, Unix seconds.
    pub start_time_seconds: f64,
}

/// Reads this process's figures; `None` where `/proc` cannot tell.
#[cfg(target_os = "linux")]
pub fn read() -> Option<ProcessFigures> {
    use procfs::process::{LimitValue, Process};
    let me = Process::myself().ok()?;
    let stat = me.stat().ok()?;
    let ticks = procfs::ticks_per_second() as f64;
    let boot = procfs::boot_time_secs().ok()? as f64;
    let max_fds = match me.limits().ok()?.max_open_files.soft_limit {
        LimitValue::Value(n) => Some(n as f64),
        LimitValue::Unlimited => None,
    };
    Some(ProcessFigures {
        cpu_seconds: (stat.utime + stat.stime) as f64 / ticks,
        resident_bytes: (stat.rss * procfs::page_size()) as f64,
        virtual_bytes: stat.vsize as f64,
        open_fds: me.fd_count().ok()? as f64,
        max_fds,
        start_time_seconds: boot + stat.starttime as f64 / ticks,
    })
}

/// Reads this process's figures; `None` where `/proc` cannot tell.
#[cfg(not(target_os = "linux"))]
pub fn read() -> Option<ProcessFigures> {
    None
}

#[cfg(test)]
mod tests {
    #[cfg(target_os = "linux")]
    #[test]
    fn this_process_has_figures_that_make_sense() {
        let p = super::read().expect("/proc is there");
        assert!(p.resident_bytes > 1e6 && p.virtual_bytes >= p.resident_bytes);
        assert!(p.open_fds >= 3.0, "stdin, stdout, stderr");
        assert!(p.max_fds.is_none_or(|m| m >= p.open_fds));
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs_f64();
        assert!(p.start_time_seconds <= now + 1.0 && p.start_time_seconds > now - 3600.0);
        // Spend some CPU: the reading grows.
        let mut x = 0u64;
        for i in 0..50_000_000u64 {
            x = x.wrapping_mul(31).wrapping_add(i);
        }
        std::hint::black_box(x);
        let later = super::read().unwrap();
        assert!(later.cpu_seconds > p.cpu_seconds);
    }
}
