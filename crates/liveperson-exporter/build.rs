//! Stamps the build with the source revision `liveperson_exporter_build_info` shows:
//! `LIVEPERSON_BUILD_REVISION` when the build sets it (a container build without `.git`),
//! else the commit `git` names, else `unknown`. Not a `LIVEPERSON_EXPORTER_*` name: cargo also
//! sets the stamp in the environment of `cargo run` and `cargo test`, where the configuration
//! would read it as a key.

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && !text.is_empty()).then_some(text)
}

fn main() {
    println!("cargo:rerun-if-env-changed=LIVEPERSON_BUILD_REVISION");
    let revision = std::env::var("LIVEPERSON_BUILD_REVISION")
        .ok()
        .filter(|r| !r.trim().is_empty())
        .or_else(|| git(&["rev-parse", "--short=12", "HEAD"]))
        .unwrap_or_else(|| "unknown".to_string());
    // A new commit, a checkout or a fetch that moves the branch rebuilds the stamp.
    for path in ["HEAD", "packed-refs"] {
        if let Some(p) = git(&["rev-parse", "--git-path", path]) {
            println!("cargo:rerun-if-changed={p}");
        }
    }
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"])
        && let Some(p) = git(&["rev-parse", "--git-path", &branch])
    {
        println!("cargo:rerun-if-changed={p}");
    }
    println!("cargo:rustc-env=LIVEPERSON_BUILD_REVISION={revision}");
}
