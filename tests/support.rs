//! Helpers of the binary's tests: child processes (the demo binary, Prometheus) on loopback.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use serde_json::Value;

/// A child process (a test's server) killed when dropped.
pub struct KillOnDrop(pub Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A loopback port nobody listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts the binary with `args` (a `demo`, with any environment set on `cmd`) and reads the JSON
/// line it prints once serving.
pub fn spawn_demo(cmd: &mut Command) -> (Child, Value) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let start = serde_json::from_str(&line).expect("the demo's one JSON start line");
    (child, start)
}

/// Starts Debian's `prometheus` on a free loopback port with `config` (prometheus.yml) and its
/// data in `dir`; returns it with its base URL.
pub fn start_prometheus(dir: &Path, config: &str) -> (KillOnDrop, String) {
    std::fs::create_dir_all(dir).unwrap();
    let file = dir.join("prometheus.yml");
    std::fs::write(&file, config).unwrap();
    let port = free_port();
    let child = Command::new("prometheus")
        .arg(format!("--config.file={}", file.display()))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.join("data").display()
        ))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("prometheus is installed: apt-get install -y prometheus");
    (KillOnDrop(child), format!("http://127.0.0.1:{port}"))
}
