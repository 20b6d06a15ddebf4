//! The exposition `/metrics` serves, assembled from encoded pieces ([`super::pieces`]) instead of
//! re-encoded: a family is a [`Block`] (its header and the pieces of every source that has it,
//! contiguous as both formats require), and an [`Exposition`] is the blocks in family order. The
//! [`Assembler`] keeps the pieces of every source (a collector's snapshot, an account's self
//! metrics, the global self metrics) and rebuilds only the blocks of families whose pieces
//! changed; unchanged blocks are shared with the previous exposition.
//!
//! A scrape streams the ready bytes of one of four forms (OpenMetrics or Prometheus 0.0.4 text,
//! plain or gzipped) without encoding anything: the gzip form is a gzip header, the pieces'
//! deflate blocks, a final empty block and a trailer whose CRC-32 is combined from the pieces'.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::Bytes;
use http_body::{Frame, SizeHint};

use super::pieces::{Encoded, Header, Piece};

/// OpenMetrics content type.
pub const OPENMETRICS_CONTENT_TYPE: &str =
    "application/openmetrics-text; version=1.0.0; charset=utf-8";
/// Prometheus text content type.
pub const TEXT_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// A gzip member header: deflate, no name, no time, unknown OS.
const GZIP_HEADER: &[u8] = &[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
/// A final, empty deflate block (fixed Huffman codes, end of block only).
const DEFLATE_END: &[u8] = &[0x03, 0x00];

/// The two text formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// OpenMetrics 1.0, ending in `# EOF`.
    OpenMetrics,
    /// Prometheus 0.0.4 text.
    Text,
}

/// One family: its header and its samples from every source that has it, in source order.
#[derive(Debug)]
pub struct Block {
    header: Arc<Header>,
    pieces: Vec<Piece>,
    /// CRC-32 of the pieces' text, with its length.
    crc: crc32fast::Hasher,
    deflated_len: u64,
}

impl Block {
    /// `header` followed by `pieces`.
    pub fn new(header: Arc<Header>, pieces: Vec<Piece>) -> Self {
        let mut crc = crc32fast::Hasher::new();
        let mut deflated_len = 0;
        for p in &pieces {
            crc.combine(&p.crc);
            deflated_len += p.deflated.len() as u64;
        }
        Self {
            header,
            pieces,
            crc,
            deflated_len,
        }
    }

    fn header(&self, format: Format) -> &Piece {
        match format {
            Format::OpenMetrics => &self.header.openmetrics,
            Format::Text => &self.header.text,
        }
    }
}

/// What one form adds up to.
#[derive(Debug, Clone, Default)]
struct Totals {
    plain: u64,
    gzip: u64,
    /// The gzip trailer: the deflate end, CRC-32 and length of the plain text.
    trailer: Bytes,
}

/// An exposition: families in order, ready to stream in every form.
#[derive(Debug)]
pub struct Exposition {
    blocks: Vec<Arc<Block>>,
    eof: Piece,
    totals: [Totals; 2],
}

impl Default for Exposition {
    fn default() -> Self {
        Self::new(Vec::new())
    }
}

fn index(format: Format) -> usize {
    match format {
        Format::OpenMetrics => 0,
        Format::Text => 1,
    }
}

impl Exposition {
    /// The exposition of `blocks`, in the order given.
    pub fn new(blocks: Vec<Arc<Block>>) -> Self {
        let eof = Piece::new("# EOF\n".to_string());
        let totals = [Format::OpenMetrics, Format::Text].map(|format| {
            let mut crc = crc32fast::Hasher::new();
            let mut gzip = (GZIP_HEADER.len() + DEFLATE_END.len() + 8) as u64;
            for b in &blocks {
                let header = b.header(format);
                crc.combine(&header.crc);
                crc.combine(&b.crc);
                gzip += header.deflated.len() as u64 + b.deflated_len;
            }
            if format == Format::OpenMetrics {
                crc.combine(&eof.crc);
                gzip += eof.deflated.len() as u64;
            }
            let plain = crc.total_len();
            let mut trailer = DEFLATE_END.to_vec();
            trailer.extend_from_slice(&crc.finalize().to_le_bytes());
            // ISIZE is the length modulo 2^32, as RFC 1952 defines it.
            trailer.extend_from_slice(&(plain as u32).to_le_bytes());
            Totals {
                plain,
                gzip,
                trailer: Bytes::from(trailer),
            }
        });
        Self {
            blocks,
            eof,
            totals,
        }
    }

    /// Length in bytes of a form.
    pub fn len(&self, format: Format, gzip: bool) -> u64 {
        let t = &self.totals[index(format)];
        if gzip { t.gzip } else { t.plain }
    }

    /// A form as a response body that streams the ready pieces.
    pub fn body(self: &Arc<Self>, format: Format, gzip: bool) -> Chunks {
        Chunks {
            exposition: self.clone(),
            format,
            gzip,
            at: At::Start,
        }
    }

    /// A form as one buffer (for `once`, tests and tools; scrapes stream [`Exposition::body`]).
    pub fn to_vec(self: &Arc<Self>, format: Format, gzip: bool) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.len(format, gzip) as usize);
        let mut chunks = self.body(format, gzip);
        while let Some(c) = chunks.next_chunk() {
            out.extend_from_slice(&c);
        }
        out
    }
}

/// Where a stream of chunks stands.
#[derive(Debug, Clone, Copy)]
enum At {
    Start,
    /// Block `0`, item `1`: 0 is its header, then its pieces.
    Block(usize, usize),
    Eof,
    Trailer,
    Done,
}

/// A form of an exposition, chunk by chunk: each chunk is a ready piece shared with the
/// exposition, nothing is copied or encoded.
#[derive(Debug)]
pub struct Chunks {
    exposition: Arc<Exposition>,
    format: Format,
    gzip: bool,
    at: At,
}

impl Chunks {
    /// The next non-empty chunk.
    fn next_chunk(&mut self) -> Option<Bytes> {
        let e = &self.exposition;
        let pick = |p: &Piece| {
            if self.gzip {
                p.deflated.clone()
            } else {
                p.plain.clone()
            }
        };
        loop {
            let (chunk, next) = match self.at {
                At::Start => (
                    self.gzip.then(|| Bytes::from_static(GZIP_HEADER)),
                    At::Block(0, 0),
                ),
                At::Block(b, _) if b >= e.blocks.len() => (None, At::Eof),
                At::Block(b, 0) => (Some(pick(e.blocks[b].header(self.format))), At::Block(b, 1)),
                At::Block(b, i) => match e.blocks[b].pieces.get(i - 1) {
                    Some(p) => (Some(pick(p)), At::Block(b, i + 1)),
                    None => (None, At::Block(b + 1, 0)),
                },
                At::Eof => (
                    (self.format == Format::OpenMetrics).then(|| pick(&e.eof)),
                    At::Trailer,
                ),
                At::Trailer => (
                    self.gzip
                        .then(|| e.totals[index(self.format)].trailer.clone()),
                    At::Done,
                ),
                At::Done => return None,
            };
            self.at = next;
            if let Some(c) = chunk.filter(|c| !c.is_empty()) {
                return Some(c);
            }
        }
    }
}

impl http_body::Body for Chunks {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        Poll::Ready(self.next_chunk().map(|c| Ok(Frame::data(c))))
    }

    fn is_end_stream(&self) -> bool {
        matches!(self.at, At::Done)
    }

    fn size_hint(&self) -> SizeHint {
        match self.at {
            At::Start => SizeHint::with_exact(self.exposition.len(self.format, self.gzip)),
            _ => SizeHint::default(),
        }
    }
}

/// Where pieces come from; within a family, pieces follow the order of their sources.
pub type SourceKey = (u8, String, &'static str);

/// The pieces of every source and the blocks built from them.
#[derive(Debug, Default)]
pub struct Assembler {
    headers: HashMap<&'static str, Arc<Header>>,
    sources: BTreeMap<SourceKey, Encoded>,
    /// Family name -> the sources that have it.
    by_family: HashMap<&'static str, BTreeSet<SourceKey>>,
    blocks: BTreeMap<&'static str, Arc<Block>>,
    /// Families whose pieces changed since the last assembly.
    dirty: BTreeSet<&'static str>,
}

impl Assembler {
    /// Puts `encoded` in place of `key`'s pieces.
    pub fn set(&mut self, key: SourceKey, encoded: Encoded) {
        self.remove(&key);
        for (family, (spec, _)) in &encoded.families {
            self.headers
                .entry(family)
                .or_insert_with(|| Arc::new(Header::of(spec)));
            self.by_family
                .entry(family)
                .or_default()
                .insert(key.clone());
            self.dirty.insert(family);
        }
        self.sources.insert(key, encoded);
    }

    /// Drops `key`'s pieces.
    pub fn remove(&mut self, key: &SourceKey) {
        let Some(old) = self.sources.remove(key) else {
            return;
        };
        for family in old.families.keys() {
            if let Some(keys) = self.by_family.get_mut(family) {
                keys.remove(key);
            }
            self.dirty.insert(family);
        }
    }

    /// The keys of every source.
    pub fn keys(&self) -> impl Iterator<Item = &SourceKey> {
        self.sources.keys()
    }

    /// The exposition of every source's pieces, rebuilding only the changed families' blocks.
    pub fn assemble(&mut self) -> Exposition {
        for family in std::mem::take(&mut self.dirty) {
            let keys = self.by_family.get(family).filter(|k| !k.is_empty());
            match keys {
                None => {
                    self.by_family.remove(family);
                    self.blocks.remove(family);
                }
                Some(keys) => {
                    let pieces = keys
                        .iter()
                        .map(|k| self.sources[k].families[family].1.clone())
                        .collect();
                    let block = Block::new(self.headers[family].clone(), pieces);
                    self.blocks.insert(family, Arc::new(block));
                }
            }
        }
        Exposition::new(self.blocks.values().cloned().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::catalogue::{Kind, MetricSpec, Unit};
    use crate::metrics::pieces::encode;
    use crate::metrics::snapshot::{Snapshot, SnapshotBuilder};

    static WAIT: MetricSpec = MetricSpec {
        name: "liveperson_test_wait_seconds",
        help: "Wait",
        unit: Some(Unit::Seconds),
        kind: Kind::Gauge,
        labels: &["account_id", "skill_id"],
    };
    static CLOSED: MetricSpec = MetricSpec {
        name: "liveperson_test_closed_total",
        help: "Closed",
        unit: None,
        kind: Kind::Counter,
        labels: &["account_id"],
    };
    static SKILL: MetricSpec = MetricSpec {
        name: "liveperson_test_skill_info",
        help: "Skill names",
        unit: None,
        kind: Kind::Info,
        labels: &["account_id", "skill_id", "name"],
    };
    static ALL: &[&MetricSpec] = &[&WAIT, &CLOSED, &SKILL];

    fn snap(account: &str, wait: f64) -> Arc<Snapshot> {
        let mut b = SnapshotBuilder::new(ALL);
        b.add(&WAIT, &[account, "7"], Some(wait)).unwrap();
        b.add(&WAIT, &[account, "8"], None).unwrap();
        b.add(&CLOSED, &[account], Some(3.0)).unwrap();
        b.add(&SKILL, &[account, "7", "Sales \"EU\""], Some(1.0))
            .unwrap();
        b.build()
    }

    fn text(e: &Arc<Exposition>, format: Format) -> String {
        String::from_utf8(e.to_vec(format, false)).unwrap()
    }

    fn gunzip(bytes: &[u8]) -> String {
        use std::io::Read as _;
        let mut out = String::new();
        // A single-member reader: the form must be one gzip member, as every client expects.
        flate2::read::GzDecoder::new(bytes)
            .read_to_string(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn both_formats_merge_families_across_sources_and_gzip_to_the_same_text() {
        let mut a = Assembler::default();
        a.set((0, "1".into(), "c"), encode(&snap("1", 1.5)));
        a.set((0, "2".into(), "c"), encode(&snap("2", 2.0)));
        let e = Arc::new(a.assemble());
        let expected_om = "\
# HELP liveperson_test_closed Closed
# TYPE liveperson_test_closed counter
liveperson_test_closed_total{account_id=\"1\"} 3.0
liveperson_test_closed_total{account_id=\"2\"} 3.0
# HELP liveperson_test_skill_info Skill names
# TYPE liveperson_test_skill_info gauge
liveperson_test_skill_info{account_id=\"1\",skill_id=\"7\",name=\"Sales \\\"EU\\\"\"} 1.0
liveperson_test_skill_info{account_id=\"2\",skill_id=\"7\",name=\"Sales \\\"EU\\\"\"} 1.0
# HELP liveperson_test_wait_seconds Wait
# TYPE liveperson_test_wait_seconds gauge
# UNIT liveperson_test_wait_seconds seconds
liveperson_test_wait_seconds{account_id=\"1\",skill_id=\"7\"} 1.5
liveperson_test_wait_seconds{account_id=\"2\",skill_id=\"7\"} 2.0
# EOF
";
        assert_eq!(text(&e, Format::OpenMetrics), expected_om);
        let plain = text(&e, Format::Text);
        assert!(plain.contains("# TYPE liveperson_test_closed_total counter\n"));
        assert!(plain.contains("# HELP liveperson_test_closed_total Closed\n"));
        assert!(plain.contains("# TYPE liveperson_test_skill_info gauge\n"));
        assert!(!plain.contains("# UNIT") && !plain.contains("# EOF"));
        for format in [Format::OpenMetrics, Format::Text] {
            let gz = e.to_vec(format, true);
            assert_eq!(gz.len() as u64, e.len(format, true));
            assert_eq!(gunzip(&gz), text(&e, format), "{format:?}");
            assert_eq!(text(&e, format).len() as u64, e.len(format, false));
        }
    }

    #[test]
    fn replacing_one_source_keeps_the_others_blocks_and_removing_it_drops_its_samples() {
        let mut a = Assembler::default();
        a.set((0, "1".into(), "c"), encode(&snap("1", 1.5)));
        a.set((0, "2".into(), "c"), encode(&snap("2", 2.0)));
        let first = Arc::new(a.assemble());
        a.set((0, "2".into(), "c"), encode(&snap("2", 9.0)));
        let second = Arc::new(a.assemble());
        assert!(text(&second, Format::Text).contains("skill_id=\"7\"} 9.0"));
        assert!(text(&second, Format::Text).contains("account_id=\"1\",skill_id=\"7\"} 1.5"));
        assert_eq!(
            gunzip(&second.to_vec(Format::Text, true)),
            text(&second, Format::Text)
        );
        // The earlier exposition is untouched (a scrape in flight keeps reading it).
        assert!(text(&first, Format::Text).contains("skill_id=\"7\"} 2.0"));
        a.remove(&(0, "1".into(), "c"));
        let third = Arc::new(a.assemble());
        assert!(!text(&third, Format::OpenMetrics).contains("account_id=\"1\""));
        a.remove(&(0, "2".into(), "c"));
        let empty = Arc::new(a.assemble());
        assert_eq!(text(&empty, Format::OpenMetrics), "# EOF\n");
        assert_eq!(text(&empty, Format::Text), "");
        assert_eq!(gunzip(&empty.to_vec(Format::Text, true)), "");
    }
}
