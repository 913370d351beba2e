//! What a joining client is sent first: the document, in slices, encoded once for everyone
//! who joins at the same moment.
//!
//! A client that joins with nothing (a fresh `Y.Doc`, as every browser tab and stock client
//! starts) is sent the whole document. Sent as one sync step 2, a 20 MB dossier cost 20 MB per
//! joiner: every joiner's own encoding, then the websocket's own copy of the whole frame while
//! it was written; 150 people opening it at once held 150 of each. And a client that dropped
//! after 19 MB of it had nothing to show for them: it asked for the whole 20 MB again.
//!
//! So the state is cut into **slices** of about [`SLICE_BYTES`], each a valid v1 update, in an
//! order where each one integrates at once on a client that has applied the ones before it:
//! a block goes into a slice only when every block it refers to (its origin, its right origin,
//! its parent, its predecessor of the same client) is in an earlier slice, in the same slice,
//! or already at the client. The document's delete set goes with the last slice. Slices but
//! the last are sent as sync *updates*, the last as the sync step 2, because stock clients
//! mark themselves synced on the first step 2 they receive. A client that drops halfway keeps
//! what it integrated, and its state vector on reconnect says so: the server's answer is only
//! what is missing.
//!
//! The slices of a full state are framed **once** into one buffer and shared by every joiner
//! of that version of the document ([`SharedInitial`]); each socket then holds a slice while it
//! writes it, not the document. The buffer is held only by the frames still waiting to be
//! written: the room keeps a weak reference, so it is freed when the last joiner has been
//! served, and encoded afresh once the document changed.
//!
//! Slicing reads the update's block boundaries with the guard's scanner (`guard.rs`, the one
//! place that reads the v1 encoding by hand) and copies the blocks' bytes as they are: in v1 a
//! block's encoding does not depend on where it sits, only a run's first clock is written
//! before it. Whatever the scanner does not expect (a skip block, a client twice, references
//! that cannot be ordered) makes the state go out whole, as before.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::ops::Range;
use std::sync::{Arc, Weak};

use bytes::Bytes;
use yrs::encoding::write::Write;
use yrs::sync::{Message, SyncMessage};
use yrs::updates::encoder::Encode;

use crate::guard::{scan_update_v1, ScannedBlock};

/// About how many bytes of update one slice holds (a single block larger than this makes a
/// larger slice).
pub(crate) const SLICE_BYTES: usize = 256 * 1024;

/// The frames that give a client its state: sync updates, then the sync step 2 last.
#[derive(Clone)]
pub(crate) struct InitialFrames(pub(crate) Vec<Bytes>);

impl InitialFrames {
    /// Frames `update` (a diff or the whole state) for one client, in slices.
    pub(crate) fn new(update: &[u8]) -> InitialFrames {
        let (buf, ranges) = frame_slices(update, SLICE_BYTES);
        let all = Bytes::from(buf);
        InitialFrames(ranges.into_iter().map(|r| all.slice(r)).collect())
    }
}

/// The room's last framed full state, for joiners that arrive while it is still being sent.
#[derive(Default)]
pub(crate) struct SharedInitial {
    last: Option<Framed>,
}

/// A framed full state: the document's version it was encoded at, where its frames lie in
/// the buffer, and the buffer as long as any frame of it is still waiting to be written.
struct Framed {
    version: u64,
    ranges: Vec<Range<usize>>,
    buf: Weak<Vec<u8>>,
}

impl SharedInitial {
    /// The frames of the full state at `version`, if they are still held by someone.
    pub(crate) fn get(&self, version: u64) -> Option<InitialFrames> {
        let last = self.last.as_ref()?;
        if last.version != version {
            return None;
        }
        Some(frames_of(last.buf.upgrade()?, &last.ranges))
    }

    /// Frames the full state `update` of `version` and keeps a weak hold of it.
    pub(crate) fn put(&mut self, version: u64, update: &[u8]) -> InitialFrames {
        let (buf, ranges) = frame_slices(update, SLICE_BYTES);
        let buf = Arc::new(buf);
        let frames = frames_of(buf.clone(), &ranges);
        self.last = Some(Framed {
            version,
            ranges,
            buf: Arc::downgrade(&buf),
        });
        frames
    }
}

/// Lets the frames hold the shared buffer, so that the room's weak hold sees when they are
/// all written.
struct Owned(Arc<Vec<u8>>);

impl AsRef<[u8]> for Owned {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

fn frames_of(buf: Arc<Vec<u8>>, ranges: &[Range<usize>]) -> InitialFrames {
    let all = Bytes::from_owner(Owned(buf));
    InitialFrames(ranges.iter().map(|r| all.slice(r.clone())).collect())
}

/// The update's slices, each framed as a y-protocols message, one after another in one
/// buffer, and where each frame lies in it.
fn frame_slices(update: &[u8], target: usize) -> (Vec<u8>, Vec<Range<usize>>) {
    let mut buf = Vec::with_capacity(update.len() + update.len() / 64 + 16);
    let mut ranges = Vec::new();
    each_slice_v1(update, target, |slice, last| {
        let msg = if last {
            SyncMessage::SyncStep2(slice)
        } else {
            SyncMessage::Update(slice)
        };
        let start = buf.len();
        buf.extend_from_slice(&Message::Sync(msg).encode_v1());
        ranges.push(start..buf.len());
    });
    (buf, ranges)
}

/// Cuts a v1 update into updates of about `target` bytes that integrate one after another
/// (see the module doc), in order. The update goes whole when it is small or not as expected.
#[cfg(test)]
pub(crate) fn slice_update_v1(update: &[u8], target: usize) -> Vec<Vec<u8>> {
    let mut slices = Vec::new();
    each_slice_v1(update, target, |slice, _| slices.push(slice));
    slices
}

/// Calls `each` with every slice of `update` in order, and whether it is the last.
fn each_slice_v1(update: &[u8], target: usize, mut each: impl FnMut(Vec<u8>, bool)) {
    if update.len() <= target {
        return each(update.to_vec(), true);
    }
    let mut blocks = Vec::new();
    let Ok(delete_set_at) = scan_update_v1(update, |b| blocks.push(b)) else {
        return each(update.to_vec(), true);
    };
    let Some(plan) = plan(&blocks, target) else {
        return each(update.to_vec(), true);
    };
    let last = plan.len().saturating_sub(1);
    for (i, runs) in plan.iter().enumerate() {
        let bytes: usize = runs
            .iter()
            .map(|r| blocks[r.end - 1].bytes.1 - blocks[r.start].bytes.0)
            .sum();
        let mut out = Vec::with_capacity(bytes + 16 * runs.len() + 1);
        out.write_var(runs.len());
        for run in runs {
            let first = &blocks[run.start];
            out.write_var(run.len());
            out.write_var(first.client);
            out.write_var(first.clock);
            out.extend_from_slice(&update[first.bytes.0..blocks[run.end - 1].bytes.1]);
        }
        if i == last {
            out.extend_from_slice(&update[delete_set_at..]);
        } else {
            // An empty delete set.
            out.write_var(0u32);
        }
        each(out, i == last);
    }
}

/// Which blocks go into which slice: per slice, runs of consecutive blocks (indices into
/// `blocks`) of one client each. `None` when the blocks are not as expected.
fn plan(blocks: &[ScannedBlock], target: usize) -> Option<Vec<Vec<Range<usize>>>> {
    // The client groups, as encoded: consecutive blocks of one client, each client once.
    let mut groups: Vec<Range<usize>> = Vec::new();
    for (i, b) in blocks.iter().enumerate() {
        if b.skip {
            return None;
        }
        match groups.last_mut() {
            Some(g) if blocks[g.start].client == b.client => g.end = i + 1,
            _ => groups.push(i..i + 1),
        }
    }
    // How far each client's blocks are at the client: from the group's first clock (what is
    // below it the client has, or the update would start lower); a client the update does not
    // hold at all is entirely at the client.
    let mut delivered: HashMap<u64, u32> = HashMap::with_capacity(groups.len());
    for g in &groups {
        let first = &blocks[g.start];
        if delivered.insert(first.client, first.clock).is_some() {
            return None;
        }
    }
    let has = |delivered: &HashMap<u64, u32>, (client, clock): (u64, u32)| {
        delivered.get(&client).is_none_or(|d| clock < *d)
    };

    let mut cursor: Vec<usize> = groups.iter().map(|g| g.start).collect();
    // Groups stopped at a block that refers to something not sent yet, by the client they
    // wait for, smallest clock first.
    let mut waiting: HashMap<u64, BinaryHeap<Reverse<(u32, usize)>>> = HashMap::new();
    let mut ready: Vec<usize> = (0..groups.len()).rev().collect();
    let mut slices: Vec<Vec<Range<usize>>> = Vec::new();
    let mut slice: Vec<Range<usize>> = Vec::new();
    let mut slice_bytes = 0;
    let mut left = blocks.len();

    while let Some(g) = ready.pop() {
        let client = blocks[groups[g].start].client;
        let mut run_start = cursor[g];
        while cursor[g] < groups[g].end {
            let b = &blocks[cursor[g]];
            if let Some(missing) = b.refs.iter().copied().find(|id| !has(&delivered, *id)) {
                waiting
                    .entry(missing.0)
                    .or_default()
                    .push(Reverse((missing.1, g)));
                break;
            }
            delivered.insert(client, b.clock + b.len);
            cursor[g] += 1;
            left -= 1;
            slice_bytes += b.bytes.1 - b.bytes.0;
            if slice_bytes >= target {
                add_run(&mut slice, run_start..cursor[g], blocks);
                run_start = cursor[g];
                slices.push(std::mem::take(&mut slice));
                slice_bytes = 0;
            }
        }
        if run_start < cursor[g] {
            add_run(&mut slice, run_start..cursor[g], blocks);
        }
        // Wake the groups this client's progress unblocked.
        if let Some(heap) = waiting.get_mut(&client) {
            let now = delivered[&client];
            while let Some(Reverse((clock, waiter))) = heap.peek().copied() {
                if clock >= now {
                    break;
                }
                heap.pop();
                ready.push(waiter);
            }
        }
    }
    if left > 0 {
        // References that no order satisfies: not a consistent document state.
        return None;
    }
    if !slice.is_empty() || slices.is_empty() {
        slices.push(slice);
    }
    Some(slices)
}

/// Adds a run to a slice: the client's blocks already in it are extended, not repeated (a
/// client appears once in an update). A client's runs are consecutive indices into `blocks`.
fn add_run(slice: &mut Vec<Range<usize>>, run: Range<usize>, blocks: &[ScannedBlock]) {
    let client = blocks[run.start].client;
    match slice
        .iter_mut()
        .find(|r| r.end == run.start && blocks[r.start].client == client)
    {
        Some(r) => r.end = run.end,
        None => slice.push(run),
    }
}

#[cfg(test)]
mod tests {
    use yrs::updates::decoder::Decode;
    use yrs::{
        Array, Doc, GetString, Map, OffsetKind, Options, ReadTxn, StateVector, Text, Transact,
        Update,
    };

    use super::*;

    /// A document written by `clients` clients taking turns, each inserting into the text at
    /// a place that depends on the others' work, deleting some, and nesting maps in an array.
    fn interleaved(clients: u64, rounds: usize) -> Doc {
        // Offsets in UTF-16 units, as yjs counts them: the text is mostly Chinese.
        let docs: Vec<Doc> = (1..=clients)
            .map(|client_id| {
                Doc::with_options(Options {
                    client_id: yrs::ClientID::new(client_id),
                    offset_kind: OffsetKind::Utf16,
                    ..Options::default()
                })
            })
            .collect();
        for round in 0..rounds {
            for (i, doc) in docs.iter().enumerate() {
                {
                    let text = doc.get_or_insert_text("t");
                    let list = doc.get_or_insert_array("a");
                    let mut txn = doc.transact_mut();
                    let len = text.len(&txn);
                    let at = (round * 7 + i * 13) as u32 % (len + 1);
                    text.insert(&mut txn, at, &format!("第{round}轮·client{i} 写了这一段。"));
                    if len > 40 && round % 3 == 0 {
                        text.remove_range(&mut txn, at / 2, 5);
                    }
                    let map = list.push_back(&mut txn, yrs::MapPrelim::default());
                    map.insert(&mut txn, "round", round as i64);
                }
                // Everyone learns everything before the next turn.
                let update = doc
                    .transact()
                    .encode_state_as_update_v1(&StateVector::default());
                for other in &docs {
                    other
                        .transact_mut()
                        .apply_update(Update::decode_v1(&update).unwrap())
                        .unwrap();
                }
            }
        }
        docs.into_iter().next().unwrap()
    }

    fn text(doc: &Doc) -> String {
        let t = doc.get_or_insert_text("t");
        let s = t.get_string(&doc.transact());
        s
    }

    /// Applies slices one by one; after each, nothing may wait for predecessors.
    fn apply_in_order(doc: &Doc, slices: &[Vec<u8>]) {
        for (i, slice) in slices.iter().enumerate() {
            let mut txn = doc.transact_mut();
            txn.apply_update(Update::decode_v1(slice).unwrap()).unwrap();
            assert!(
                txn.store().pending_update().is_none(),
                "slice {i} of {} left blocks waiting for predecessors",
                slices.len()
            );
        }
    }

    #[test]
    fn a_document_cut_in_slices_integrates_slice_by_slice_into_the_same_document() {
        let source = interleaved(7, 40);
        let full = source
            .transact()
            .encode_state_as_update_v1(&StateVector::default());
        let target = full.len() / 20;
        let slices = slice_update_v1(&full, target);
        assert!(
            slices.len() >= 10,
            "{} slices of {} bytes",
            slices.len(),
            full.len()
        );

        let client = Doc::new();
        apply_in_order(&client, &slices);
        assert_eq!(text(&client), text(&source));
        assert_eq!(
            client.transact().state_vector(),
            source.transact().state_vector()
        );
        assert_eq!(
            client.transact().snapshot(),
            source.transact().snapshot(),
            "the delete set arrives with the last slice"
        );
        let list = client.get_or_insert_array("a");
        assert_eq!(list.len(&client.transact()), 7 * 40);
    }

    #[test]
    fn a_client_that_got_some_slices_is_sent_only_the_rest() {
        let source = interleaved(5, 40);
        let full = source
            .transact()
            .encode_state_as_update_v1(&StateVector::default());
        let slices = slice_update_v1(&full, full.len() / 10);
        let client = Doc::new();
        apply_in_order(&client, &slices[..slices.len() / 2]);

        let sv = client.transact().state_vector();
        let rest = source.transact().encode_diff_v1(&sv);
        assert!(
            rest.len() < full.len() * 2 / 3,
            "a client with half the slices is sent {} of {} bytes",
            rest.len(),
            full.len()
        );
        // The rest is sliced in the same way and completes the document.
        apply_in_order(&client, &slice_update_v1(&rest, full.len() / 10));
        assert_eq!(text(&client), text(&source));
        assert_eq!(client.transact().snapshot(), source.transact().snapshot());
    }

    #[test]
    fn slices_stay_near_their_size() {
        let source = interleaved(3, 60);
        let full = source
            .transact()
            .encode_state_as_update_v1(&StateVector::default());
        let target = 2_000;
        let largest_block = {
            let mut max = 0;
            scan_update_v1(&full, |b| max = max.max(b.bytes.1 - b.bytes.0)).unwrap();
            max
        };
        for slice in slice_update_v1(&full, target) {
            assert!(
                slice.len() <= target + largest_block + 64,
                "a slice of {} bytes (target {target})",
                slice.len()
            );
        }
    }

    #[test]
    fn a_small_or_unexpected_update_goes_whole() {
        let source = interleaved(2, 3);
        let full = source
            .transact()
            .encode_state_as_update_v1(&StateVector::default());
        assert_eq!(slice_update_v1(&full, full.len()), vec![full.clone()]);
        let cut = &full[..full.len() - 3];
        assert_eq!(slice_update_v1(cut, 10), vec![cut.to_vec()]);
    }

    #[test]
    fn joiners_of_one_version_share_one_buffer_freed_once_they_are_served() {
        let source = interleaved(3, 30);
        let full = source
            .transact()
            .encode_state_as_update_v1(&StateVector::default());
        let mut shared = SharedInitial::default();
        let first = shared.put(1, &full);
        let second = shared
            .get(1)
            .expect("held while the first joiner's frames wait");
        assert_eq!(first.0, second.0);
        assert_eq!(
            first.0[0].as_ptr(),
            second.0[0].as_ptr(),
            "the same bytes, not a copy"
        );
        assert!(shared.get(2).is_none(), "another version is encoded afresh");
        drop(first);
        drop(second);
        assert!(
            shared.get(1).is_none(),
            "freed once every frame was written"
        );
    }

    #[test]
    fn the_last_frame_is_the_sync_step_2() {
        let source = interleaved(4, 40);
        let full = source
            .transact()
            .encode_state_as_update_v1(&StateVector::default());
        let (buf, ranges) = frame_slices(&full, full.len() / 5);
        assert!(ranges.len() > 1);
        let kinds: Vec<SyncMessage> = ranges
            .into_iter()
            .map(|r| match Message::decode_v1(&buf[r]).unwrap() {
                Message::Sync(m) => m,
                other => panic!("{other:?}"),
            })
            .collect();
        let (last, rest) = kinds.split_last().unwrap();
        assert!(matches!(last, SyncMessage::SyncStep2(_)));
        assert!(rest.iter().all(|m| matches!(m, SyncMessage::Update(_))));
    }
}
