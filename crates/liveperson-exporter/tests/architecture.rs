//! The house rules the compiler does not check: no import circle among the source files of the
//! exporter or of the simulator (each file may use only what is below it), and the simulator never
//! depends on the exporter.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Module path (`["collectors", "rolling"]`) of every source file under `src/`.
fn modules(dir: &Path, base: &Path, out: &mut BTreeMap<Vec<String>, PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            modules(&path, base, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let rel = path.strip_prefix(base).unwrap().with_extension("");
            let mut segs: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if matches!(segs.last().map(String::as_str), Some("mod" | "lib")) {
                segs.pop();
            }
            out.insert(segs, path);
        }
    }
}

/// The file's code without its unit tests and comments.
fn code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let text = text.split("#[cfg(test)]").next().unwrap_or_default();
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn ident_at(s: &str) -> (&str, &str) {
    let end = s
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    (&s[..end], &s[end..])
}

/// Every path `rest` names after a `crate::`/`super::`/child prefix: `a::b`, or each item of a
/// `{a, b::c}` group. A bare glob (`super::*`, as inline modules such as `mod tests` use it) names
/// nothing here.
fn paths(prefix: Vec<String>, rest: &str, out: &mut Vec<Vec<String>>) {
    let named = prefix.len();
    let mut p = prefix;
    let mut s = rest;
    loop {
        if let Some(group) = s.strip_prefix('{') {
            let mut depth = 0;
            let mut item_start = 0;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => {
                        paths(p.clone(), group[item_start..i].trim(), out);
                        return;
                    }
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        paths(p.clone(), group[item_start..i].trim(), out);
                        item_start = i + 1;
                    }
                    _ => {}
                }
            }
            return;
        }
        let (id, after) = ident_at(s);
        if id.is_empty() {
            if p.len() == named {
                return;
            }
            break;
        }
        if id != "self" {
            p.push(id.to_string());
        }
        match after.strip_prefix("::") {
            Some(next) => s = next,
            None => break,
        }
    }
    out.push(p);
}

/// The module paths a file refers to.
/// (A file `a/b.rs` and a folder module `a/b/mod.rs` both are module `a::b`, whose `super` is `a`.)
fn references(me: &[String], text: &str) -> Vec<Vec<String>> {
    let children: Vec<String> = text
        .lines()
        .filter_map(|l| {
            let l = l.trim();
            let l = l.strip_prefix("pub ").unwrap_or(l);
            l.strip_prefix("mod ")?
                .strip_suffix(';')
                .map(str::to_string)
        })
        .collect();
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    for (i, _) in text.char_indices() {
        if i > 0 && (bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_') {
            continue;
        }
        let s = &text[i..];
        if let Some(rest) = s.strip_prefix("crate::") {
            paths(Vec::new(), rest, &mut out);
        } else if s.starts_with("super::") {
            let mut base = me.to_vec();
            let mut rest = s;
            while let Some(r) = rest.strip_prefix("super::") {
                base.pop();
                rest = r;
            }
            paths(base, rest, &mut out);
        } else {
            for c in &children {
                if let Some(rest) = s.strip_prefix(&format!("{c}::")) {
                    let mut base = me.to_vec();
                    base.push(c.clone());
                    paths(base, rest, &mut out);
                }
            }
        }
    }
    out
}

/// Which files each source file under `src` refers to, by module path.
fn import_graph(src: &Path) -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
    let mut files = BTreeMap::new();
    modules(src, src, &mut files);
    // Another crate the root re-exports (`pub use liveperson_clock as clock;`) is not the root's
    // code: a path through it is no edge.
    let external: Vec<String> = code(&files[&Vec::new()])
        .lines()
        .filter_map(|l| {
            let (from, alias) = l.trim().strip_prefix("pub use ")?.split_once(" as ")?;
            let external = !["crate::", "self::", "super::"]
                .iter()
                .any(|p| from.starts_with(p));
            external.then(|| alias.trim_end_matches(';').to_string())
        })
        .collect();
    let mut edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for (module, path) in &files {
        let targets = edges.entry(module.clone()).or_default();
        for mut r in references(module, &code(path)) {
            if r.len() > 1 && external.contains(&r[0]) {
                continue;
            }
            // The longest prefix that is a source file is the file referred to (the crate root
            // at the shortest).
            while !r.is_empty() && !files.contains_key(&r) {
                r.pop();
            }
            if files.contains_key(&r) && &r != module {
                targets.insert(r);
            }
        }
    }
    edges
}

/// The first import circle in `edges`, if any.
fn find_circle(edges: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>) -> Option<String> {
    // Depth-first search for a back edge; report the circle it closes.
    fn visit(
        m: &Vec<String>,
        edges: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        stack: &mut Vec<Vec<String>>,
        done: &mut BTreeSet<Vec<String>>,
    ) -> Option<Vec<Vec<String>>> {
        if let Some(at) = stack.iter().position(|x| x == m) {
            let mut circle = stack[at..].to_vec();
            circle.push(m.clone());
            return Some(circle);
        }
        if done.contains(m) {
            return None;
        }
        stack.push(m.clone());
        for t in edges.get(m).into_iter().flatten() {
            if let Some(c) = visit(t, edges, stack, done) {
                return Some(c);
            }
        }
        stack.pop();
        done.insert(m.clone());
        None
    }
    let mut done = BTreeSet::new();
    for m in edges.keys() {
        if let Some(circle) = visit(m, edges, &mut Vec::new(), &mut done) {
            let names: Vec<String> = circle.iter().map(|p| p.join("::")).collect();
            return Some(names.join(" -> "));
        }
    }
    None
}

#[test]
fn no_import_circle_among_the_exporter_s_source_files() {
    let edges = import_graph(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    assert!(
        edges[&vec!["collectors".to_string()]].len() > 5,
        "the checker sees the registry's uses"
    );
    assert_eq!(find_circle(&edges), None);
}

#[test]
fn no_import_circle_among_the_simulator_s_source_files() {
    let edges = import_graph(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../liveperson-sim/src"));
    assert!(edges.len() > 10, "the checker reads the simulator");
    assert_eq!(find_circle(&edges), None);
}

#[test]
fn a_circle_is_found() {
    let m = |s: &str| vec![s.to_string()];
    let edges = BTreeMap::from([
        (m("a"), BTreeSet::from([m("b")])),
        (m("b"), BTreeSet::from([m("c")])),
        (m("c"), BTreeSet::from([m("a")])),
    ]);
    assert_eq!(find_circle(&edges).as_deref(), Some("a -> b -> c -> a"));
}

#[test]
fn the_simulator_does_not_depend_on_the_exporter() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("../liveperson-sim/Cargo.toml");
    let text = std::fs::read_to_string(manifest).unwrap();
    assert!(text.contains("liveperson-clock"), "{text}");
    assert!(!text.contains("liveperson-exporter"), "{text}");
}
