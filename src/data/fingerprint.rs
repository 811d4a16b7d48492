//! The data fingerprint: xxh3-128 of a table's validated columns in load order.
//!
//! A metric computed from a spec records the fingerprint of the data it read, so any number on a
//! dashboard can be traced to the exact rows and recomputed bit for bit. The fingerprint is
//! taken over what the library validated, not over the bytes of the file, so CSV text, rows,
//! typed columns and Arrow holding the same data agree:
//!
//! - each row's customer id as text (`7` and `"7"` are the same customer), its instant in epoch
//!   milliseconds, its amount (IEEE-754 bits, `-0` as `0`);
//! - optional columns by their partition of the rows: order ids, channels and dimensions
//!   renumbered in first-appearance order (with the channel and dimension values as text),
//!   costs as bits; a column that is absent hashes differently from one that is present;
//! - the table's zone is not part of it (the instants already are).
//!
//! xxh3 (the `twox-hash` crate) is a fast non-cryptographic hash: it identifies data, it does
//! not authenticate it. It is computed once per table, the first time it is asked for (a metric
//! spec asks for it), so building a table does not pay for it; its cost per million rows is in
//! BENCHMARKS.md.

use super::{CustomerKeys, Transactions};
use std::sync::OnceLock;

/// A table's fingerprint, computed the first time it is asked for and kept with the table.
/// Derived from the columns, so it takes no part in comparing tables: two tables with equal
/// columns are equal whether or not either has computed it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Cell(OnceLock<u128>);

impl Cell {
    /// The fingerprint, computing it with `compute` the first time.
    pub(crate) fn get_or(&self, compute: impl FnOnce() -> u128) -> u128 {
        *self.0.get_or_init(compute)
    }
}

impl PartialEq for Cell {
    fn eq(&self, _: &Cell) -> bool {
        true
    }
}
use twox_hash::{XxHash3_128, XxHash3_64};

/// Bytes gathered before each call into the hasher.
const CHUNK: usize = 1 << 16;

struct Feed {
    hasher: XxHash3_128,
    buf: Vec<u8>,
}

impl Feed {
    fn new() -> Feed {
        Feed {
            hasher: XxHash3_128::new(),
            buf: Vec::with_capacity(CHUNK + 64),
        }
    }

    fn bytes(&mut self, b: &[u8]) {
        self.buf.extend_from_slice(b);
        if self.buf.len() >= CHUNK {
            self.hasher.write(&self.buf);
            self.buf.clear();
        }
    }

    fn text(&mut self, s: &str) {
        self.bytes(&(s.len() as u64).to_le_bytes());
        self.bytes(s.as_bytes());
    }

    fn tag(&mut self, t: &str) {
        self.text(t);
    }

    fn f64(&mut self, x: f64) {
        let x = if x == 0.0 { 0.0 } else { x };
        self.bytes(&x.to_bits().to_le_bytes());
    }

    /// Hands the gathered bytes to the hasher (before writing to it directly).
    fn flush(&mut self) {
        self.hasher.write(&self.buf);
        self.buf.clear();
    }

    fn finish(mut self) -> u128 {
        self.hasher.write(&self.buf);
        self.hasher.finish_128()
    }
}

/// The codes of `codes` renumbered by first appearance (missing, `u32::MAX`, stays missing).
fn by_first_appearance(codes: &[u32], feed: &mut Feed) -> Vec<u32> {
    let mut map: Vec<u32> = Vec::new();
    let mut order = Vec::new();
    for &c in codes {
        if c == u32::MAX {
            feed.bytes(&u32::MAX.to_le_bytes());
            continue;
        }
        let i = c as usize;
        if i >= map.len() {
            map.resize(i + 1, u32::MAX);
        }
        if map[i] == u32::MAX {
            map[i] = order.len() as u32;
            order.push(c);
        }
        feed.bytes(&map[i].to_le_bytes());
    }
    order
}

/// `k` in decimal, written into `buf`; the digits are returned.
fn decimal(mut k: u32, buf: &mut [u8; 10]) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (k % 10) as u8;
        k /= 10;
        if k == 0 {
            break;
        }
    }
    &buf[i..]
}

/// The fingerprint of `tx` (see the module docs). Each distinct customer id is hashed once as
/// text (xxh3-64); each row then contributes that hash, its instant and its amount.
pub(crate) fn fingerprint(tx: &Transactions) -> u128 {
    let mut f = Feed::new();
    f.tag("unimetric.transactions.v1");
    f.bytes(&(tx.amount.len() as u64).to_le_bytes());
    let key_hash: Vec<u64> = match &tx.keys {
        CustomerKeys::Numeric(keys) => {
            let mut buf = [0u8; 10];
            keys.iter()
                .map(|&k| XxHash3_64::oneshot(decimal(k, &mut buf)))
                .collect()
        }
        CustomerKeys::Text(keys) => keys
            .iter()
            .map(|k| XxHash3_64::oneshot(k.as_bytes()))
            .collect(),
    };
    // Rows in blocks of 2,048 (48 KiB), each row 24 bytes: key hash, instant, amount.
    const BLOCK: usize = 2048;
    let mut block = vec![0u8; BLOCK * 24];
    f.flush();
    for ((cs, ts), amounts) in tx
        .customer
        .chunks(BLOCK)
        .zip(tx.timestamp.chunks(BLOCK))
        .zip(tx.amount.chunks(BLOCK))
    {
        for (((&c, &t), &a), row) in cs
            .iter()
            .zip(ts)
            .zip(amounts)
            .zip(block.chunks_exact_mut(24))
        {
            let a = if a == 0.0 { 0.0 } else { a };
            row[..8].copy_from_slice(&key_hash.get(c as usize).copied().unwrap_or(0).to_le_bytes());
            row[8..16].copy_from_slice(&t.to_le_bytes());
            row[16..].copy_from_slice(&a.to_bits().to_le_bytes());
        }
        f.hasher.write(block.get(..cs.len() * 24).unwrap_or(&block));
    }
    match &tx.order {
        Some(order) => {
            f.tag("orderId");
            by_first_appearance(order, &mut f);
        }
        None => f.tag("-orderId"),
    }
    match &tx.channel {
        Some(channel) => {
            f.tag("channel");
            for c in by_first_appearance(channel, &mut f) {
                f.text(tx.channel_names.get(c as usize).map_or("", String::as_str));
            }
        }
        None => f.tag("-channel"),
    }
    match &tx.cost {
        Some(cost) => {
            f.tag("cost");
            for &c in cost {
                f.f64(c);
            }
        }
        None => f.tag("-cost"),
    }
    for d in &tx.dimensions {
        f.tag("dimension");
        f.text(&d.name);
        for c in by_first_appearance(&d.codes, &mut f) {
            f.text(d.values.get(c as usize).map_or("", String::as_str));
        }
    }
    f.finish()
}

/// The fingerprint of a spend table: each row's instant, channel (renumbered by first
/// appearance, with the channel names and types) and amount.
pub(crate) fn spend_fingerprint(spend: &super::spend::Spend) -> u128 {
    let mut f = Feed::new();
    f.tag("unimetric.spend.v1");
    f.bytes(&(spend.amount.len() as u64).to_le_bytes());
    for (&d, &a) in spend.date.iter().zip(&spend.amount) {
        f.bytes(&d.to_le_bytes());
        f.f64(a);
    }
    for c in by_first_appearance(&spend.channel, &mut f) {
        f.text(
            spend
                .channel_names
                .get(c as usize)
                .map_or("", String::as_str),
        );
        let kind = spend.channel_kinds.get(c as usize).copied().flatten();
        f.text(kind.map_or("", |k| k.as_str()));
    }
    f.finish()
}

/// xxh3-128 of an experiment's assignments in load order: each unit id as text, its arm's
/// name, its assignment time (epoch ms, IEEE-754 bits, `-0` as `0`).
pub(crate) fn assignments(ids: &[String], arms: &[String], at: &[f64]) -> u128 {
    let mut f = Feed::new();
    f.tag("assignments");
    for ((id, arm), &t) in ids.iter().zip(arms).zip(at) {
        f.text(id);
        f.text(arm);
        f.f64(t);
    }
    f.finish()
}

/// xxh3-128 of touchpoints in load order: each touch's customer id as text, its time (epoch
/// ms, IEEE-754 bits, `-0` as `0`) and its channel name (trimmed).
pub(crate) fn touchpoints(ids: &[String], times: &[f64], channels: &[String]) -> u128 {
    let mut f = Feed::new();
    f.tag("touchpoints");
    for ((id, &t), channel) in ids.iter().zip(times).zip(channels) {
        f.text(id);
        f.f64(t);
        f.text(channel.trim());
    }
    f.finish()
}

/// xxh3-128 of traffic rows in load order: each row's instant (epoch ms), visits (IEEE-754
/// bits, `-0` as `0`) and channel name ("" for none).
pub(crate) fn traffic(t: &super::traffic::Traffic) -> u128 {
    let mut f = Feed::new();
    f.tag("traffic");
    for (i, (&at, &v)) in t.time.iter().zip(&t.visits).enumerate() {
        f.bytes(&at.to_le_bytes());
        f.f64(v);
        let c = t.channel.as_ref().and_then(|c| c.get(i)).copied();
        f.text(
            c.and_then(|c| t.channel_names.get(c as usize))
                .map_or("", String::as_str),
        );
    }
    f.finish()
}

/// `xxh3-128:` and the 32 hex digits of `h`.
pub fn hex(h: u128) -> String {
    format!("xxh3-128:{h:032x}")
}

/// Computes the fingerprint of `tx` again (what the first call of `fingerprint()` keeps), as
/// [`Transactions::fingerprint`] writes it: for benchmarks and checks.
pub fn recompute(tx: &Transactions) -> String {
    hex(fingerprint(tx))
}
