//! A structural pre-scan of what clients send, run before yrs decodes any of it.
//!
//! yrs (0.28) reserves memory for the counts an encoding *declares* before it reads the
//! elements: `Update::decode` calls `try_reserve(clients_len)` on a hash map of client groups
//! and `try_reserve(blocks_len)` per group, and the state vector, awareness and `Any` decoders
//! do the same. A hash map's reservation writes its control bytes at once, so an 11-byte frame
//! declaring 300 million client groups made the server touch about 520 MB before the decoder
//! noticed the bytes were missing. `try_reserve` only turns an impossible allocation into an
//! error; a possible but absurd one goes through.
//!
//! This module walks the same v1 encodings the way yrs reads them, without allocating, and
//! refuses any declared count that the bytes still present could not hold (every element takes
//! at least one byte, most at least two or three). Whatever passes has counts bounded by its own
//! length, so what yrs then reserves is proportional to the frame. It also bounds what yrs would
//! otherwise recurse into without limit (nested `Any` values: deep enough nesting overflows a
//! runtime thread's stack) and clocks that would overflow `u32` (a panic in a debug build, a
//! silent wrap in a release one).
//!
//! It must never refuse what yrs accepts from an honest client: it reads field by field in
//! yrs's own order, is tested against every content type yrs encodes, and is fuzzed against
//! yrs's decoder (`fuzz/` and the bounded run in the tests). It is not a validator: anything it
//! lets through is still decoded, and refused if need be, by yrs.

use std::fmt;

/// The deepest nesting of `Any` values (arrays and maps inside each other) accepted. JSON
/// parsed by yrs through serde_json is limited to 128 levels; binary `Any` has no limit of its
/// own, and its decoder and its destructor recurse once per level.
pub const MAX_ANY_DEPTH: usize = 128;

/// Why a payload was refused before decoding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// Byte offset within the scanned payload where the problem was found.
    pub at: usize,
    pub why: Why,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    /// The payload ends before an element it announces.
    Truncated,
    /// A count or length larger than the bytes left could hold.
    DeclaredTooMany { declared: u64, left: usize },
    /// A variable-length integer longer than yrs reads.
    BadVarInt,
    /// A tag or kind that yrs does not know.
    UnknownTag(u8),
    /// `Any` values nested deeper than [`MAX_ANY_DEPTH`].
    TooDeep,
    /// A clock or range end past `u32::MAX`.
    ClockOverflow,
    /// A block of length zero (yrs refuses it too).
    EmptyBlock,
    /// A client id of more than 53 bits (yjs makes 32-bit ones; yrs asserts on it in a debug
    /// build and silently drops the high bits in a release one).
    ClientIdTooLarge,
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.why {
            Why::Truncated => write!(f, "ends early at byte {}", self.at),
            Why::DeclaredTooMany { declared, left } => write!(
                f,
                "declares {declared} elements at byte {} with {left} bytes left",
                self.at
            ),
            Why::BadVarInt => write!(f, "bad variable-length integer at byte {}", self.at),
            Why::UnknownTag(tag) => write!(f, "unknown tag {tag} at byte {}", self.at),
            Why::TooDeep => write!(
                f,
                "values nested deeper than {MAX_ANY_DEPTH} at byte {}",
                self.at
            ),
            Why::ClockOverflow => write!(f, "clock overflows at byte {}", self.at),
            Why::EmptyBlock => write!(f, "empty block at byte {}", self.at),
            Why::ClientIdTooLarge => write!(f, "client id past 53 bits at byte {}", self.at),
        }
    }
}

impl std::error::Error for Refused {}

/// What a y-protocols frame holds, as far as the scan is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrameRefused {
    /// The framing, a state vector or an awareness update is wrong (close 4400).
    Message(Refused),
    /// A document update inside the frame is wrong (close 4402).
    Update(Refused),
}

// y-protocols message tags, as yrs's `sync::protocol` numbers them.
const MSG_SYNC: u32 = 0;
const MSG_AWARENESS: u32 = 1;
const MSG_AUTH: u32 = 2;
const MSG_QUERY_AWARENESS: u32 = 3;
const SYNC_STEP_1: u32 = 0;
const SYNC_STEP_2: u32 = 1;
const SYNC_UPDATE: u32 = 2;

// Block kinds and item flags of the v1 update encoding.
const BLOCK_GC: u8 = 0;
const BLOCK_SKIP: u8 = 10;
const HAS_ORIGIN: u8 = 0b1000_0000;
const HAS_RIGHT_ORIGIN: u8 = 0b0100_0000;
const HAS_PARENT_SUB: u8 = 0b0010_0000;
const TYPE_REFS_XML_ELEMENT: u8 = 3;

/// Scans a whole websocket frame: every message, and the payload of each (state vectors,
/// updates, awareness updates). Stops quietly where a message is cut short: the frame decoder
/// reports that, and nothing cut short is ever decoded.
pub fn check_frame(frame: &[u8]) -> Result<(), FrameRefused> {
    let mut r = Reader::new(frame);
    let msg = FrameRefused::Message;
    while !r.at_end() {
        let Ok(tag) = r.var_u32() else { return Ok(()) };
        let payload = match tag {
            MSG_SYNC => {
                let Ok(sub) = r.var_u32() else { return Ok(()) };
                let Ok(payload) = r.buf() else { return Ok(()) };
                match sub {
                    SYNC_STEP_1 => check_state_vector_v1(payload).map_err(msg)?,
                    SYNC_STEP_2 | SYNC_UPDATE => {
                        check_update_v1(payload).map_err(FrameRefused::Update)?
                    }
                    other => {
                        return Err(msg(r.refused_at(r.pos, Why::UnknownTag(clamp(other)))));
                    }
                }
                continue;
            }
            MSG_AWARENESS => r.buf(),
            MSG_AUTH => match r.var_u32() {
                Ok(0) => r.buf(),
                Ok(_) => continue,
                Err(_) => return Ok(()),
            },
            MSG_QUERY_AWARENESS => continue,
            // Custom messages are refused by the frame decoder; skip their payload.
            _ => r.buf(),
        };
        let Ok(payload) = payload else { return Ok(()) };
        if tag == MSG_AWARENESS {
            check_awareness_v1(payload).map_err(msg)?;
        }
    }
    Ok(())
}

/// Scans a v1 document update (`Update::decode_v1`'s input).
pub fn check_update_v1(update: &[u8]) -> Result<(), Refused> {
    scan_update_v1(update, |_| ()).map(|_| ())
}

/// One block of a v1 update, as [`scan_update_v1`] finds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ScannedBlock {
    pub(crate) client: u64,
    /// The block's first clock, and how many clock units it spans.
    pub(crate) clock: u32,
    pub(crate) len: u32,
    /// Where its encoding starts and ends within the update.
    pub(crate) bytes: (usize, usize),
    /// The blocks it cannot be integrated without (its origins, its parent), as ids.
    pub(crate) refs: Refs,
    /// A skip block: a gap, not content.
    pub(crate) skip: bool,
}

/// The ids an item refers to: at most its origin, its right origin and its parent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Refs {
    ids: [(u64, u32); 3],
    n: u8,
}

impl Refs {
    fn push(&mut self, id: (u64, u32)) {
        self.ids[usize::from(self.n)] = id;
        self.n += 1;
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &(u64, u32)> {
        self.ids[..usize::from(self.n)].iter()
    }
}

/// Walks a v1 update block by block, calling `each` for every block in the order encoded
/// (client group by client group). Returns where the delete set starts; the update is
/// checked as [`check_update_v1`] checks it.
pub(crate) fn scan_update_v1(
    update: &[u8],
    mut each: impl FnMut(ScannedBlock),
) -> Result<usize, Refused> {
    let mut r = Reader::new(update);
    // A client group is at least three varints: block count, client, first clock.
    let groups = r.count_u32(3)?;
    for _ in 0..groups {
        // A block is at least two bytes: its info byte and a length or content.
        let blocks = r.var_u32()?;
        r.check_count(u64::from(blocks), 2)?;
        let client = r.client()?;
        let mut clock = r.var_u32()?;
        for _ in 0..blocks {
            let start = r.pos;
            let (len, refs, skip) = block(&mut r)?;
            each(ScannedBlock {
                client,
                clock,
                len,
                bytes: (start, r.pos),
                refs,
                skip,
            });
            clock = clock
                .checked_add(len)
                .ok_or(r.refused_at(start, Why::ClockOverflow))?;
        }
    }
    let delete_set_at = r.pos;
    delete_set(&mut r)?;
    Ok(delete_set_at)
}

/// Scans a v1 state vector (`StateVector::decode_v1`'s input).
pub fn check_state_vector_v1(sv: &[u8]) -> Result<(), Refused> {
    let mut r = Reader::new(sv);
    let entries = r.count_u32(2)?;
    for _ in 0..entries {
        r.client()?;
        r.var_u32()?;
    }
    Ok(())
}

/// Scans a v1 awareness update (`AwarenessUpdate::decode_v1`'s input).
pub fn check_awareness_v1(update: &[u8]) -> Result<(), Refused> {
    let mut r = Reader::new(update);
    // Client id, clock and the JSON string's length: three bytes at least.
    let at = r.pos;
    let entries = r.var_u64()?;
    r.check_count_at(at, entries, 3)?;
    for _ in 0..entries {
        r.client()?;
        r.var_u32()?;
        r.buf()?;
    }
    Ok(())
}

/// One block of a client group: its length in clock units, what it refers to, and whether it
/// is a skip.
fn block(r: &mut Reader) -> Result<(u32, Refs, bool), Refused> {
    let at = r.pos;
    let info = r.u8()?;
    let mut refs = Refs::default();
    match info {
        BLOCK_SKIP | BLOCK_GC => {
            let len = r.var_u32()?;
            if len == 0 {
                return Err(r.refused_at(at, Why::EmptyBlock));
            }
            Ok((len, refs, info == BLOCK_SKIP))
        }
        info => {
            if info & HAS_ORIGIN != 0 {
                refs.push(r.id()?);
            }
            if info & HAS_RIGHT_ORIGIN != 0 {
                refs.push(r.id()?);
            }
            let cant_copy_parent_info = info & (HAS_ORIGIN | HAS_RIGHT_ORIGIN) == 0;
            if cant_copy_parent_info {
                if r.var_u32()? == 1 {
                    r.buf()?;
                } else {
                    refs.push(r.id()?);
                }
                if info & HAS_PARENT_SUB != 0 {
                    r.buf()?;
                }
            }
            Ok((content(r, info, at)?, refs, false))
        }
    }
}

/// An item's content (`ItemContent::decode`); returns its length in clock units.
fn content(r: &mut Reader, info: u8, at: usize) -> Result<u32, Refused> {
    match info & 0b1111 {
        // Deleted: a length.
        1 => r.var_u32(),
        // JSON: yrs reads the declared count plus one strings (`while remaining >= 0`), and a
        // count that is negative as an `i32` fails its reservation.
        2 => {
            let count_at = r.pos;
            let declared = r.var_u32()?;
            if declared > i32::MAX as u32 {
                return Err(r.refused_at(
                    count_at,
                    Why::DeclaredTooMany {
                        declared: u64::from(declared),
                        left: r.left(),
                    },
                ));
            }
            let strings = declared + 1;
            r.check_count_at(count_at, u64::from(strings), 1)?;
            for _ in 0..strings {
                r.buf()?;
            }
            Ok(strings)
        }
        // Binary, embed: one value.
        3 | 5 => r.buf().map(|_| 1),
        // String: its length counts UTF-16 code units. Not UTF-8: yrs refuses it.
        4 => {
            let s = r.buf()?;
            let units = std::str::from_utf8(s).map_or(0, |s| s.encode_utf16().count());
            Ok(u32::try_from(units).unwrap_or(u32::MAX))
        }
        // Format: a key and a JSON value.
        6 => {
            r.buf()?;
            r.buf()?;
            Ok(1)
        }
        // A shared type: its kind, and a name for an XML element.
        7 => {
            if r.u8()? == TYPE_REFS_XML_ELEMENT {
                r.buf()?;
            }
            Ok(1)
        }
        // Any: a count of values.
        8 => {
            let count = r.count_u32(1)?;
            for _ in 0..count {
                any(r, 0)?;
            }
            Ok(count)
        }
        // A subdocument: its guid and its options.
        9 => {
            r.buf()?;
            any(r, 0)?;
            Ok(1)
        }
        other => Err(r.refused_at(at, Why::UnknownTag(other))),
    }
}

/// One lib0 `Any` value, recursing at most [`MAX_ANY_DEPTH`] levels.
fn any(r: &mut Reader, depth: usize) -> Result<(), Refused> {
    let at = r.pos;
    if depth >= MAX_ANY_DEPTH {
        return Err(r.refused_at(at, Why::TooDeep));
    }
    match r.u8()? {
        // undefined, null, false, true
        127 | 126 | 121 | 120 => {}
        // integer (signed varint)
        125 => r.var_i64()?,
        // float32
        124 => r.skip(4)?,
        // float64, bigint
        123 | 122 => r.skip(8)?,
        // string, buffer
        119 | 116 => {
            r.buf()?;
        }
        // map: each entry a key string and a value, two bytes at least
        118 => {
            let count_at = r.pos;
            let count = r.var_u64()?;
            r.check_count_at(count_at, count, 2)?;
            for _ in 0..count {
                r.buf()?;
                any(r, depth + 1)?;
            }
        }
        // array
        117 => {
            let count_at = r.pos;
            let count = r.var_u64()?;
            r.check_count_at(count_at, count, 1)?;
            for _ in 0..count {
                any(r, depth + 1)?;
            }
        }
        other => return Err(r.refused_at(at, Why::UnknownTag(other))),
    }
    Ok(())
}

/// The delete set at the end of an update (`IdSet::decode`).
fn delete_set(r: &mut Reader) -> Result<(), Refused> {
    // A client, a range count and (when there are ranges) two bytes per range.
    let clients = r.count_u32(2)?;
    for _ in 0..clients {
        r.client()?;
        let ranges = r.count_u32(2)?;
        for _ in 0..ranges {
            let at = r.pos;
            let clock = r.var_u32()?;
            let len = r.var_u32()?;
            if clock.checked_add(len).is_none() {
                return Err(r.refused_at(at, Why::ClockOverflow));
            }
        }
    }
    Ok(())
}

fn clamp(tag: u32) -> u8 {
    u8::try_from(tag).unwrap_or(u8::MAX)
}

/// A cursor over the payload that reads integers exactly as yrs's lib0 decoder does.
struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    fn at_end(&self) -> bool {
        self.pos >= self.buf.len()
    }

    fn left(&self) -> usize {
        self.buf.len() - self.pos
    }

    fn refused_at(&self, at: usize, why: Why) -> Refused {
        Refused { at, why }
    }

    fn u8(&mut self) -> Result<u8, Refused> {
        let b = *self
            .buf
            .get(self.pos)
            .ok_or(self.refused_at(self.pos, Why::Truncated))?;
        self.pos += 1;
        Ok(b)
    }

    fn skip(&mut self, n: usize) -> Result<(), Refused> {
        if n > self.left() {
            return Err(self.refused_at(self.pos, Why::Truncated));
        }
        self.pos += n;
        Ok(())
    }

    /// A varint as yrs's `read_var_u64`: up to ten bytes, higher bits wrapping.
    fn var_u64(&mut self) -> Result<u64, Refused> {
        let at = self.pos;
        let mut num: u64 = 0;
        let mut shift: u32 = 0;
        loop {
            let b = self.u8()?;
            num |= u64::wrapping_shl(u64::from(b & 0x7f), shift);
            shift += 7;
            if b < 0x80 {
                return Ok(num);
            }
            if shift > 70 {
                return Err(self.refused_at(at, Why::BadVarInt));
            }
        }
    }

    /// A varint as yrs's `read_var_u32`: the same bytes as a `u64`, truncated (yrs wraps).
    fn var_u32(&mut self) -> Result<u32, Refused> {
        let at = self.pos;
        let mut num: u32 = 0;
        let mut shift: u32 = 0;
        loop {
            let b = self.u8()?;
            num |= u32::wrapping_shl(u32::from(b & 0x7f), shift);
            shift += 7;
            if b < 0x80 {
                return Ok(num);
            }
            if shift > 70 {
                return Err(self.refused_at(at, Why::BadVarInt));
            }
        }
    }

    /// A signed varint as yrs's `read_var_i64`, skipped. yrs shifts by up to 69 bits, which
    /// panics in a debug build past the first nine bytes; no honest encoder writes more than
    /// ten, and a value past 64 bits is refused here.
    fn var_i64(&mut self) -> Result<(), Refused> {
        let at = self.pos;
        let first = self.u8()?;
        if first < 0x80 {
            return Ok(());
        }
        let mut shift: u32 = 6;
        loop {
            let b = self.u8()?;
            if shift >= 64 {
                return Err(self.refused_at(at, Why::BadVarInt));
            }
            shift += 7;
            if b < 0x80 {
                return Ok(());
            }
        }
    }

    /// A length-prefixed byte string.
    fn buf(&mut self) -> Result<&'a [u8], Refused> {
        let len = self.var_u32()? as usize;
        if len > self.left() {
            return Err(self.refused_at(self.pos, Why::Truncated));
        }
        let slice = &self.buf[self.pos..self.pos + len];
        self.pos += len;
        Ok(slice)
    }

    fn id(&mut self) -> Result<(u64, u32), Refused> {
        Ok((self.client()?, self.var_u32()?))
    }

    /// A client id: at most 53 bits, like JavaScript's safe integers.
    fn client(&mut self) -> Result<u64, Refused> {
        let at = self.pos;
        let client = self.var_u64()?;
        if client >> 53 != 0 {
            return Err(self.refused_at(at, Why::ClientIdTooLarge));
        }
        Ok(client)
    }

    /// A `u32` count of elements that take at least `min_each` bytes each.
    fn count_u32(&mut self, min_each: u64) -> Result<u32, Refused> {
        let at = self.pos;
        let count = self.var_u32()?;
        self.check_count_at(at, u64::from(count), min_each)?;
        Ok(count)
    }

    fn check_count(&self, count: u64, min_each: u64) -> Result<(), Refused> {
        self.check_count_at(self.pos, count, min_each)
    }

    fn check_count_at(&self, at: usize, count: u64, min_each: u64) -> Result<(), Refused> {
        let left = self.left();
        if count.saturating_mul(min_each) > left as u64 {
            return Err(self.refused_at(
                at,
                Why::DeclaredTooMany {
                    declared: count,
                    left,
                },
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::Arc;

    use yrs::sync::{Awareness, Message, SyncMessage};
    use yrs::updates::decoder::Decode;
    use yrs::updates::encoder::Encode;
    use yrs::{
        Any, Array, Doc, GetString, Map, ReadTxn, StateVector, Text, Transact, Update, WriteTxn,
        Xml, XmlElementPrelim, XmlFragment, XmlTextPrelim,
    };

    use super::*;

    /// The frame from issue #15: sync step 2 with an update declaring 300 million client groups.
    const BOMB: [u8; 11] = [
        0x00, 0x02, 0x08, 0x80, 0xc6, 0x86, 0x8f, 0x01, 0x00, 0x7f, 0x73,
    ];

    fn varint(mut n: u64, out: &mut Vec<u8>) {
        while n >= 0x80 {
            out.push((n as u8 & 0x7f) | 0x80);
            n >>= 7;
        }
        out.push(n as u8);
    }

    fn frame(sync_tag: u8, payload: &[u8]) -> Vec<u8> {
        let mut out = vec![0, sync_tag];
        varint(payload.len() as u64, &mut out);
        out.extend_from_slice(payload);
        out
    }

    /// A document with every kind of content yrs encodes, and some of it deleted.
    fn rich_doc() -> Doc {
        let doc = Doc::with_client_id(7);
        let text = doc.get_or_insert_text("text");
        let map = doc.get_or_insert_map("map");
        let array = doc.get_or_insert_array("array");
        let xml = doc.get_or_insert_xml_fragment("prosemirror");
        let mut txn = doc.transact_mut();
        text.insert(&mut txn, 0, "minutes with 会议 and 😀");
        let bold: yrs::types::Attrs = HashMap::from([(Arc::from("bold"), Any::Bool(true))]);
        text.format(&mut txn, 0, 4, bold);
        text.insert_embed(
            &mut txn,
            2,
            Any::from(HashMap::from([("img".to_owned(), Any::from("x"))])),
        );
        text.remove_range(&mut txn, 5, 3);
        let nested = Any::from(HashMap::from([
            ("n".to_owned(), Any::Null),
            ("u".to_owned(), Any::Undefined),
            ("i".to_owned(), Any::from(-1_234_567_i64)),
            ("big".to_owned(), Any::from(i64::MIN)),
            ("f".to_owned(), Any::from(1.5)),
            ("b".to_owned(), Any::Bool(false)),
            ("s".to_owned(), Any::from("签收")),
            ("buf".to_owned(), Any::Buffer(Arc::from(&b"\x00\x01"[..]))),
            (
                "arr".to_owned(),
                Any::from(vec![Any::from(1_i64), Any::from(vec![Any::Bool(true)])]),
            ),
        ]));
        map.insert(&mut txn, "nested", nested);
        map.insert(&mut txn, "gone", "soon");
        map.remove(&mut txn, "gone");
        map.insert(&mut txn, "sub", yrs::MapPrelim::default());
        map.insert(&mut txn, "doc", Doc::new());
        array.insert_range(&mut txn, 0, [1_i64, 2, 3, 4]);
        array.remove_range(&mut txn, 1, 2);
        let p = xml.push_back(&mut txn, XmlElementPrelim::empty("paragraph"));
        p.insert_attribute(&mut txn, "align", "left");
        let t = p.push_back(&mut txn, XmlTextPrelim::new("hello"));
        t.insert(&mut txn, 5, " world");
        drop(txn);
        doc
    }

    #[test]
    fn the_issue_frame_is_refused_before_decoding() {
        let refused = check_frame(&BOMB).unwrap_err();
        let FrameRefused::Update(refused) = refused else {
            panic!("expected an update refusal, got {refused:?}");
        };
        assert_eq!(
            refused.why,
            Why::DeclaredTooMany {
                declared: 300_000_000,
                left: 3
            }
        );
    }

    #[test]
    fn every_content_type_yrs_writes_passes() {
        let doc = rich_doc();
        let txn = doc.transact();
        let update = txn.encode_state_as_update_v1(&StateVector::default());
        check_update_v1(&update).unwrap();
        // And the same document as yrs decodes it, so the scan reads the fields yrs reads.
        Update::decode_v1(&update).unwrap();
        check_state_vector_v1(&txn.state_vector().encode_v1()).unwrap();
        // The pieces a client sends one by one while typing.
        let other = Doc::with_client_id(8);
        let mut otxn = other.transact_mut();
        otxn.apply_update(Update::decode_v1(&update).unwrap())
            .unwrap();
        let text = otxn.get_or_insert_text("text");
        let before = otxn.state_vector();
        text.insert(&mut otxn, 1, "x");
        let delta = otxn.encode_diff_v1(&before);
        drop(otxn);
        check_update_v1(&delta).unwrap();
        assert!(other
            .transact()
            .get_text("text")
            .unwrap()
            .get_string(&other.transact())
            .contains('x'));
    }

    #[test]
    fn awareness_and_sync_step_1_pass() {
        let doc = rich_doc();
        let awareness = Awareness::new(doc);
        let mut awareness = awareness;
        awareness
            .set_local_state_raw(r##"{"user":{"name":"张三","color":"#30bced"},"cursor":null}"##);
        let update = awareness.update().unwrap();
        let mut frame = Message::Awareness(update.clone()).encode_v1();
        frame.extend(
            Message::Sync(SyncMessage::SyncStep1(
                awareness.doc().transact().state_vector(),
            ))
            .encode_v1(),
        );
        frame.extend(Message::AwarenessQuery.encode_v1());
        frame.extend(Message::Auth(Some("denied".into())).encode_v1());
        check_frame(&frame).unwrap();
        check_awareness_v1(&update.encode_v1()).unwrap();
    }

    #[test]
    fn a_huge_count_anywhere_is_refused() {
        let huge = 300_000_000_u64;
        let mut sv = Vec::new();
        varint(huge, &mut sv);
        sv.extend([1, 1]);
        assert!(matches!(
            check_frame(&frame(0, &sv)),
            Err(FrameRefused::Message(Refused {
                why: Why::DeclaredTooMany { .. },
                ..
            }))
        ));

        let mut awareness = vec![1];
        let mut payload = Vec::new();
        varint(huge, &mut payload);
        payload.extend([1, 1, 0]);
        varint(payload.len() as u64, &mut awareness);
        awareness.extend(&payload);
        assert!(matches!(
            check_frame(&awareness),
            Err(FrameRefused::Message(_))
        ));

        // A well-formed first client group, then a second one declaring a huge block count.
        let mut update = vec![2, 1, 1, 0, 0, 1];
        varint(huge, &mut update);
        update.extend([2, 0, 0, 1, 0]);
        assert!(matches!(
            check_update_v1(&update),
            Err(Refused {
                why: Why::DeclaredTooMany { declared, .. },
                ..
            }) if declared == huge
        ));

        // An item whose content is a map of `Any` declaring a huge entry count.
        let mut update = vec![1, 1, 1, 0, 8, 1, 4, b'r', b'o', b'o', b't', 1, 118];
        varint(huge, &mut update);
        update.extend([0]);
        assert!(matches!(
            check_update_v1(&update),
            Err(Refused {
                why: Why::DeclaredTooMany { .. },
                ..
            })
        ));

        // A delete set declaring a huge number of clients.
        let mut update = vec![0];
        varint(huge, &mut update);
        assert!(check_update_v1(&update).is_err());
    }

    #[test]
    fn deeply_nested_values_are_refused() {
        // An item whose `Any` content is arrays nested 100,000 deep: yrs's decoder would recurse
        // once per level and overflow a runtime thread's stack.
        let mut update = vec![1, 1, 1, 0, 8, 1, 4, b'r', b'o', b'o', b't', 1];
        for _ in 0..100_000 {
            update.extend([117, 1]);
        }
        update.extend([126, 0]);
        assert!(matches!(
            check_update_v1(&update),
            Err(Refused {
                why: Why::TooDeep,
                ..
            })
        ));
        // Nesting within the limit is fine.
        let mut update = vec![1, 1, 1, 0, 8, 1, 4, b'r', b'o', b'o', b't', 1];
        for _ in 0..MAX_ANY_DEPTH - 1 {
            update.extend([117, 1]);
        }
        update.extend([126, 0]);
        check_update_v1(&update).unwrap();
        Update::decode_v1(&update).unwrap();
    }

    #[test]
    fn clocks_past_u32_are_refused() {
        // Two GC blocks whose lengths add up past u32::MAX.
        let mut update = vec![1, 2, 1, 0, 0];
        varint(u64::from(u32::MAX), &mut update);
        update.extend([0, 1, 0]);
        assert!(matches!(
            check_update_v1(&update),
            Err(Refused {
                why: Why::ClockOverflow,
                ..
            })
        ));
    }
}
