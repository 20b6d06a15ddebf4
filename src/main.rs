//! The `liveperson-exporter` command line.

fn main() {}
