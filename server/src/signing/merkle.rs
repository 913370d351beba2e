//! The log's Merkle tree: RFC 6962 / RFC 9162 tree hash, inclusion and consistency proofs.
//!
//! Written by hand (about 150 lines) rather than taken from a crate: the crates that exist
//! either hash the leaf themselves (we hold leaf hashes: the log stores them) or bring a
//! second generation of the hash crates into the build. The functions follow the RFC text
//! closely, are checked against the Certificate Transparency reference vectors and against a
//! brute-force comparison of every inclusion and consistency proof up to 40 leaves.
//!
//! This module never decides what a leaf is: callers pass `leaf_hash(exact stored bytes)`.
//! The verifiers never panic on hostile input (sizes, indexes, proof lengths).

use sha2::{Digest, Sha256};

use super::SigningError;

/// A SHA-256 output: a leaf hash, an interior node hash or a tree root.
pub type Hash = [u8; 32];

/// The leaf hash of RFC 6962 §2.1: `SHA-256(0x00 || bytes)`. The 0x00 prefix keeps a leaf
/// from ever being taken for an interior node (second-preimage resistance).
pub fn leaf_hash(bytes: &[u8]) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([0x00]);
    hasher.update(bytes);
    hasher.finalize().into()
}

/// An interior node: `SHA-256(0x01 || left || right)`.
fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([0x01]);
    hasher.update(left);
    hasher.update(right);
    hasher.finalize().into()
}

/// The root of the empty tree: `SHA-256("")`.
fn empty_root() -> Hash {
    Sha256::digest(b"").into()
}

/// The largest power of two strictly smaller than `n` (`n >= 2`): where RFC 6962 splits a
/// tree into a full left subtree and the rest.
fn split(n: usize) -> usize {
    debug_assert!(n >= 2);
    1 << (usize::BITS - 1 - (n - 1).leading_zeros())
}

/// The Merkle Tree Hash (MTH) of RFC 6962 §2.1 over leaf hashes; the empty tree's root is
/// `SHA-256("")`.
pub fn root(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => empty_root(),
        1 => leaves[0],
        n => {
            let k = split(n);
            node_hash(&root(&leaves[..k]), &root(&leaves[k..]))
        }
    }
}

/// The audit path (RFC 6962 §2.1.1) of leaf `index` in the tree made of all `leaves`, from
/// the leaf's sibling up to a child of the root. Empty when `index` is out of range.
pub fn inclusion_proof(index: u64, leaves: &[Hash]) -> Vec<Hash> {
    let mut proof = Vec::new();
    if let Ok(index) = usize::try_from(index) {
        if index < leaves.len() {
            path(index, leaves, &mut proof);
        }
    }
    proof
}

fn path(m: usize, leaves: &[Hash], out: &mut Vec<Hash>) {
    let n = leaves.len();
    if n <= 1 {
        return;
    }
    let k = split(n);
    if m < k {
        path(m, &leaves[..k], out);
        out.push(root(&leaves[k..]));
    } else {
        path(m - k, &leaves[k..], out);
        out.push(root(&leaves[..k]));
    }
}

/// The consistency proof (RFC 6962 §2.1.2) that the tree of the first `old_size` leaves is a
/// prefix of the tree of all `leaves`. Empty when `old_size` is 0, equals the size, or is
/// larger than it (nothing to prove, or nothing provable).
pub fn consistency_proof(old_size: u64, leaves: &[Hash]) -> Vec<Hash> {
    let mut proof = Vec::new();
    if let Ok(m) = usize::try_from(old_size) {
        if m > 0 && m < leaves.len() {
            subproof(m, leaves, true, &mut proof);
        }
    }
    proof
}

fn subproof(m: usize, leaves: &[Hash], whole_old_tree: bool, out: &mut Vec<Hash>) {
    let n = leaves.len();
    if m == n {
        if !whole_old_tree {
            out.push(root(leaves));
        }
        return;
    }
    let k = split(n);
    if m <= k {
        subproof(m, &leaves[..k], whole_old_tree, out);
        out.push(root(&leaves[k..]));
    } else {
        subproof(m - k, &leaves[k..], false, out);
        out.push(root(&leaves[..k]));
    }
}

/// Checks that `leaf` is at `index` in the tree of `size` leaves whose root is `root`, by the
/// algorithm of RFC 9162 §2.1.3.2.
pub fn verify_inclusion(
    leaf: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), SigningError> {
    if index >= size {
        return Err(SigningError::BadProof(format!(
            "leaf index {index} is outside a tree of {size} entries"
        )));
    }
    let (mut f_n, mut s_n) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if s_n == 0 {
            return Err(SigningError::BadProof(
                "the inclusion proof is longer than the tree is deep".into(),
            ));
        }
        if f_n & 1 == 1 || f_n == s_n {
            r = node_hash(p, &r);
            while f_n & 1 == 0 && f_n != 0 {
                f_n >>= 1;
                s_n >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    if s_n != 0 {
        return Err(SigningError::BadProof(
            "the inclusion proof is shorter than the tree is deep".into(),
        ));
    }
    if &r != root {
        return Err(SigningError::BadProof(format!(
            "entry {index} does not lead to the root of the tree of {size} entries"
        )));
    }
    Ok(())
}

/// Checks that the tree of `old_size` leaves (root `old_root`) is a prefix of the tree of
/// `new_size` leaves (root `new_root`), by the algorithm of RFC 9162 §2.1.4.2. Equal sizes
/// need an empty proof and equal roots; from the empty tree, an empty proof and the empty
/// root.
pub fn verify_consistency(
    old_size: u64,
    new_size: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), SigningError> {
    let fail = |why: &str| Err(SigningError::BadProof(why.to_string()));
    if old_size > new_size {
        return fail("the older tree is larger than the newer one");
    }
    if old_size == 0 {
        if !proof.is_empty() {
            return fail("a proof from the empty tree must be empty");
        }
        if old_root != &empty_root() {
            return fail("the root of the empty tree is not SHA-256 of nothing");
        }
        return Ok(());
    }
    if old_size == new_size {
        if !proof.is_empty() {
            return fail("a proof between equal sizes must be empty");
        }
        if old_root != new_root {
            return fail("two trees of the same size have different roots");
        }
        return Ok(());
    }
    if proof.is_empty() {
        return fail("the consistency proof is empty");
    }
    // When the old tree is a full subtree its root is the proof's implicit first element.
    let mut nodes: Vec<&Hash> = Vec::with_capacity(proof.len() + 1);
    if old_size.is_power_of_two() {
        nodes.push(old_root);
    }
    nodes.extend(proof.iter());
    let (mut f_n, mut s_n) = (old_size - 1, new_size - 1);
    while f_n & 1 == 1 {
        f_n >>= 1;
        s_n >>= 1;
    }
    let (mut f_r, mut s_r) = (*nodes[0], *nodes[0]);
    for c in &nodes[1..] {
        if s_n == 0 {
            return fail("the consistency proof is longer than the tree is deep");
        }
        if f_n & 1 == 1 || f_n == s_n {
            f_r = node_hash(c, &f_r);
            s_r = node_hash(c, &s_r);
            while f_n & 1 == 0 && f_n != 0 {
                f_n >>= 1;
                s_n >>= 1;
            }
        } else {
            s_r = node_hash(&s_r, c);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    if s_n != 0 {
        return fail("the consistency proof is shorter than the tree is deep");
    }
    if &f_r != old_root {
        return fail("the proof does not lead to the older root");
    }
    if &s_r != new_root {
        return fail("the proof does not lead to the newer root");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(hex_str: &str) -> Hash {
        hex::decode(hex_str).unwrap().try_into().unwrap()
    }

    /// The Certificate Transparency reference leaves (RFC 6962 test data).
    fn reference_leaves() -> Vec<Hash> {
        [
            "",
            "00",
            "10",
            "2021",
            "3031",
            "40414243",
            "5051525354555657",
            "606162636465666768696a6b6c6d6e6f",
        ]
        .iter()
        .map(|x| leaf_hash(&hex::decode(x).unwrap()))
        .collect()
    }

    /// Roots for sizes 0..=8 of the reference leaves.
    const REFERENCE_ROOTS: [&str; 9] = [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    #[test]
    fn roots_match_the_reference_vectors_for_every_size() {
        let leaves = reference_leaves();
        for (size, want) in REFERENCE_ROOTS.iter().enumerate() {
            assert_eq!(root(&leaves[..size]), h(want), "size {size}");
        }
    }

    #[test]
    fn inclusion_proofs_match_the_reference_vectors() {
        let leaves = reference_leaves();
        let cases: [(u64, usize, &[&str]); 5] = [
            (0, 1, &[]),
            (
                0,
                8,
                &[
                    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
                ],
            ),
            (
                5,
                8,
                &[
                    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
                ],
            ),
            (
                2,
                3,
                &["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"],
            ),
            (
                1,
                5,
                &[
                    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                ],
            ),
        ];
        for (index, size, want) in cases {
            let want: Vec<Hash> = want.iter().map(|x| h(x)).collect();
            let tree = &leaves[..size];
            assert_eq!(inclusion_proof(index, tree), want, "{index} in {size}");
            verify_inclusion(
                &leaves[index as usize],
                index,
                size as u64,
                &want,
                &h(REFERENCE_ROOTS[size]),
            )
            .unwrap();
        }
    }

    #[test]
    fn consistency_proofs_match_the_reference_vectors() {
        let leaves = reference_leaves();
        let cases: [(u64, usize, &[&str]); 4] = [
            (1, 1, &[]),
            (
                1,
                8,
                &[
                    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
                ],
            ),
            (
                6,
                8,
                &[
                    "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
                ],
            ),
            (
                2,
                5,
                &[
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                ],
            ),
        ];
        for (old, size, want) in cases {
            let want: Vec<Hash> = want.iter().map(|x| h(x)).collect();
            assert_eq!(
                consistency_proof(old, &leaves[..size]),
                want,
                "{old}->{size}"
            );
            verify_consistency(
                old,
                size as u64,
                &h(REFERENCE_ROOTS[old as usize]),
                &h(REFERENCE_ROOTS[size]),
                &want,
            )
            .unwrap();
        }
    }

    fn many(n: usize) -> Vec<Hash> {
        (0..n)
            .map(|i| leaf_hash(format!("entry {i}").as_bytes()))
            .collect()
    }

    /// Every inclusion proof of every tree up to 40 leaves verifies, and the same proof fails
    /// for any other index, another tree's root, a changed leaf, a changed proof element, or a
    /// proof one element short or long.
    #[test]
    fn every_inclusion_proof_up_to_forty_leaves_verifies_and_nothing_else_does() {
        let all = many(40);
        for size in 1..=40usize {
            let tree = &all[..size];
            let r = root(tree);
            for index in 0..size {
                let proof = inclusion_proof(index as u64, tree);
                let leaf = &tree[index];
                verify_inclusion(leaf, index as u64, size as u64, &proof, &r).unwrap();
                for other in 0..=size + 1 {
                    if other != index {
                        assert!(
                            verify_inclusion(leaf, other as u64, size as u64, &proof, &r).is_err()
                        );
                    }
                }
                for other_size in 1..=40usize {
                    if other_size != size && index < other_size {
                        // The proof of one tree never shows the leaf in another tree.
                        let other_root = root(&all[..other_size]);
                        assert!(verify_inclusion(
                            leaf,
                            index as u64,
                            other_size as u64,
                            &proof,
                            &other_root
                        )
                        .is_err());
                    }
                }
                let bogus = leaf_hash(b"bogus");
                assert!(verify_inclusion(&bogus, index as u64, size as u64, &proof, &r).is_err());
                for i in 0..proof.len() {
                    let mut bad = proof.clone();
                    bad[i][0] ^= 8;
                    assert!(verify_inclusion(leaf, index as u64, size as u64, &bad, &r).is_err());
                }
                if !proof.is_empty() {
                    let short = &proof[..proof.len() - 1];
                    assert!(verify_inclusion(leaf, index as u64, size as u64, short, &r).is_err());
                }
                let mut long = proof.clone();
                long.push(r);
                assert!(verify_inclusion(leaf, index as u64, size as u64, &long, &r).is_err());
            }
        }
    }

    /// Every consistency pair of trees up to 40 leaves verifies, and fails with a wrong root,
    /// a changed element, a truncated proof or other sizes.
    #[test]
    fn every_consistency_proof_up_to_forty_leaves_verifies_and_nothing_else_does() {
        let all = many(40);
        let roots: Vec<Hash> = (0..=40).map(|n| root(&all[..n])).collect();
        for new in 0..=40usize {
            for old in 0..=new {
                let proof = consistency_proof(old as u64, &all[..new]);
                let (o, n) = (old as u64, new as u64);
                verify_consistency(o, n, &roots[old], &roots[new], &proof).unwrap();
                if old == 0 || old == new {
                    assert!(proof.is_empty());
                    continue;
                }
                let bogus = leaf_hash(b"bogus");
                assert!(verify_consistency(o, n, &bogus, &roots[new], &proof).is_err());
                assert!(verify_consistency(o, n, &roots[old], &bogus, &proof).is_err());
                assert!(verify_consistency(o, n, &roots[new], &roots[old], &proof).is_err());
                assert!(verify_consistency(o, n, &roots[old], &roots[new], &[]).is_err());
                for i in 0..proof.len() {
                    let mut bad = proof.clone();
                    bad[i][0] ^= 16;
                    assert!(verify_consistency(o, n, &roots[old], &roots[new], &bad).is_err());
                }
                let short = &proof[..proof.len() - 1];
                assert!(verify_consistency(o, n, &roots[old], &roots[new], short).is_err());
                let mut long = proof.clone();
                long.push(roots[new]);
                assert!(verify_consistency(o, n, &roots[old], &roots[new], &long).is_err());
                for other in 1..=40u64 {
                    if other != o && roots[other as usize] != roots[old] {
                        assert!(
                            verify_consistency(other, n, &roots[old], &roots[new], &proof).is_err()
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn hostile_sizes_and_indexes_fail_without_panicking() {
        let leaf = leaf_hash(b"x");
        assert!(verify_inclusion(&leaf, 0, 0, &[], &leaf).is_err());
        assert!(verify_inclusion(&leaf, u64::MAX, u64::MAX, &[leaf; 70], &leaf).is_err());
        assert!(verify_consistency(5, 3, &leaf, &leaf, &[]).is_err());
        assert!(verify_consistency(u64::MAX - 1, u64::MAX, &leaf, &leaf, &[leaf; 70]).is_err());
        assert!(inclusion_proof(u64::MAX, &[leaf]).is_empty());
        assert!(consistency_proof(u64::MAX, &[leaf]).is_empty());
    }
}
