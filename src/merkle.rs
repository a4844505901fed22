//! RFC 9162 Merkle tree hashing and proofs, the one implementation every
//! part of the project uses (the append protocol's sidecar, `verify`,
//! `seal`, `prove`, the npm verifier).
//!
//! RFC 9162 §2.1 (Certificate Transparency 2.0), SHA-256: a leaf hash is
//! `SHA-256(0x00 || line)` (the stored line without its `\n`), an interior
//! node `SHA-256(0x01 || left || right)`, the tree over `n` leaves splits at
//! the largest power of two below `n`, and the empty tree's hash is
//! `SHA-256("")`. Using the RFC's tree (not a home-made one) is what lets a
//! checkpoint, an inclusion proof or a consistency proof be checked by
//! existing transparency-log tools. SHA-256 is the `sha2` crate's
//! (RustCrypto): no home-made hashing.

use sha2::{Digest, Sha256};

/// A SHA-256 hash: a leaf, a node or a root.
pub type Hash = [u8; 32];

/// The leaf hash of one stored line (without its `\n`).
pub fn leaf_hash(line: &[u8]) -> Hash {
    let mut h = LeafHasher::new();
    h.update(line);
    h.finish()
}

/// A leaf hash fed in parts, for lines read in chunks.
pub struct LeafHasher(Sha256);

impl LeafHasher {
    /// A hasher that has seen the leaf prefix `0x00`.
    pub fn new() -> LeafHasher {
        let mut h = Sha256::new();
        h.update([0u8]);
        LeafHasher(h)
    }

    /// Feeds the next bytes of the line.
    pub fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    /// The leaf hash of everything fed.
    pub fn finish(self) -> Hash {
        self.0.finalize().into()
    }
}

impl Default for LeafHasher {
    fn default() -> Self {
        LeafHasher::new()
    }
}

/// The hash of an interior node.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The hash of the empty tree, `SHA-256("")`.
pub fn empty_root() -> Hash {
    Sha256::new().finalize().into()
}

/// The largest power of two strictly below `n` (`n >= 2`).
fn split(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1u64 << (63 - (n - 1).leading_zeros())
}

/// The Merkle Tree Hash (RFC 9162 §2.1.1) of `leaves`.
pub fn root(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => empty_root(),
        1 => leaves[0],
        n => {
            let k = split(n as u64) as usize;
            node_hash(&root(&leaves[..k]), &root(&leaves[k..]))
        }
    }
}

/// The inclusion proof of leaf `index` in the tree of `leaves` (RFC 9162
/// §2.1.3.1), or `None` when there is no such leaf.
pub fn inclusion_proof(leaves: &[Hash], index: u64) -> Option<Vec<Hash>> {
    if index >= leaves.len() as u64 {
        return None;
    }
    let mut out = Vec::new();
    path(leaves, index as usize, &mut out);
    Some(out)
}

fn path(leaves: &[Hash], m: usize, out: &mut Vec<Hash>) {
    let n = leaves.len();
    if n <= 1 {
        return;
    }
    let k = split(n as u64) as usize;
    if m < k {
        path(&leaves[..k], m, out);
        out.push(root(&leaves[k..]));
    } else {
        path(&leaves[k..], m - k, out);
        out.push(root(&leaves[..k]));
    }
}

/// Whether `proof` shows the leaf `leaf` at `index` in the tree of `size`
/// leaves whose root is `root` (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(index: u64, size: u64, leaf: &Hash, proof: &[Hash], root: &Hash) -> bool {
    if index >= size {
        return false;
    }
    let (mut fnode, mut snode) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if snode == 0 {
            return false;
        }
        if fnode & 1 == 1 || fnode == snode {
            r = node_hash(p, &r);
            while fnode & 1 == 0 && fnode != 0 {
                fnode >>= 1;
                snode >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    snode == 0 && &r == root
}

/// The consistency proof between the tree of the first `old_size` leaves
/// and the tree of all `leaves` (RFC 9162 §2.1.4.1), or `None` when
/// `old_size` is larger than the tree. Empty when the sizes are equal or
/// `old_size` is 0 (the empty tree is a prefix of every tree).
pub fn consistency_proof(leaves: &[Hash], old_size: u64) -> Option<Vec<Hash>> {
    if old_size > leaves.len() as u64 {
        return None;
    }
    let mut out = Vec::new();
    if old_size > 0 {
        subproof(old_size as usize, leaves, true, &mut out);
    }
    Some(out)
}

fn subproof(m: usize, leaves: &[Hash], whole: bool, out: &mut Vec<Hash>) {
    let n = leaves.len();
    if m == n {
        if !whole {
            out.push(root(leaves));
        }
        return;
    }
    let k = split(n as u64) as usize;
    if m <= k {
        subproof(m, &leaves[..k], whole, out);
        out.push(root(&leaves[k..]));
    } else {
        subproof(m - k, &leaves[k..], false, out);
        out.push(root(&leaves[..k]));
    }
}

/// Whether `proof` shows that the tree of `new_size` leaves with root
/// `new_root` extends the tree of `old_size` leaves with root `old_root`
/// (RFC 9162 §2.1.4.2).
pub fn verify_consistency(
    old_size: u64,
    new_size: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> bool {
    if old_size > new_size {
        return false;
    }
    if old_size == new_size {
        return proof.is_empty() && old_root == new_root;
    }
    if old_size == 0 {
        // Every tree extends the empty one; only its hash is to check.
        return proof.is_empty() && *old_root == empty_root();
    }
    if proof.is_empty() {
        return false;
    }
    let mut path: Vec<&Hash> = Vec::with_capacity(proof.len() + 1);
    if old_size.is_power_of_two() {
        path.push(old_root);
    }
    path.extend(proof.iter());
    let (mut fnode, mut snode) = (old_size - 1, new_size - 1);
    while fnode & 1 == 1 {
        fnode >>= 1;
        snode >>= 1;
    }
    let (mut fr, mut sr) = (*path[0], *path[0]);
    for c in &path[1..] {
        if snode == 0 {
            return false;
        }
        if fnode & 1 == 1 || fnode == snode {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while fnode & 1 == 0 && fnode != 0 {
                fnode >>= 1;
                snode >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    &fr == old_root && &sr == new_root && snode == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(h: &Hash) -> String {
        h.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn leaves(n: usize) -> Vec<Hash> {
        (0..n)
            .map(|i| leaf_hash(format!("line {i}").as_bytes()))
            .collect()
    }

    /// Known answers of RFC 6962's (and so RFC 9162's) hashing, from the
    /// test vectors of Go's transparency-dev/merkle (rfc6962 package): the
    /// empty tree, the empty leaf, and a node of two given hashes.
    #[test]
    fn known_answers() {
        assert_eq!(
            hex(&empty_root()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            hex(&leaf_hash(b"")),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
        );
        assert_eq!(
            hex(&leaf_hash(b"L123456")),
            "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56"
        );
        // The 8 leaves of RFC 6962's reference test data and the roots of
        // their first 2 and 8.
        let data: [&[u8]; 8] = [
            b"",
            b"\x00",
            b"\x10",
            b"\x20\x21",
            b"\x30\x31",
            b"\x40\x41\x42\x43",
            b"\x50\x51\x52\x53\x54\x55\x56\x57",
            b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
        ];
        let l: Vec<Hash> = data.iter().map(|d| leaf_hash(d)).collect();
        assert_eq!(
            hex(&root(&l[..2])),
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"
        );
        assert_eq!(
            hex(&root(&l)),
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"
        );
    }

    /// Every inclusion proof of trees up to 40 leaves verifies, and fails
    /// for another index, leaf or root, or with a hash added or dropped.
    #[test]
    fn inclusion_proofs_verify() {
        for n in 1..=40usize {
            let l = leaves(n);
            let r = root(&l);
            for i in 0..n {
                let p = inclusion_proof(&l, i as u64).unwrap();
                assert!(
                    verify_inclusion(i as u64, n as u64, &l[i], &p, &r),
                    "{i} of {n}"
                );
                let other = (i + 1) % n;
                if other != i {
                    assert!(!verify_inclusion(other as u64, n as u64, &l[i], &p, &r));
                    assert!(!verify_inclusion(i as u64, n as u64, &l[other], &p, &r));
                }
                // A proof one hash longer or shorter proves nothing. (Another
                // size with the same root can pass: RFC 9162 binds the size
                // to the root only through the checkpoint that states both.)
                let mut longer = p.clone();
                longer.push(l[i]);
                assert!(!verify_inclusion(i as u64, n as u64, &l[i], &longer, &r));
                if !p.is_empty() {
                    assert!(!verify_inclusion(i as u64, n as u64, &l[i], &p[1..], &r));
                }
                assert!(!verify_inclusion(
                    i as u64,
                    n as u64,
                    &l[i],
                    &p,
                    &empty_root()
                ));
            }
            assert!(inclusion_proof(&l, n as u64).is_none());
        }
    }

    /// Every consistency proof between sizes up to 40 verifies, and fails
    /// against a changed old leaf or with a hash dropped.
    #[test]
    fn consistency_proofs_verify() {
        let l = leaves(40);
        for n in 0..=40usize {
            let new_root = root(&l[..n]);
            for m in 0..=n {
                let old_root = root(&l[..m]);
                let p = consistency_proof(&l[..n], m as u64).unwrap();
                assert!(
                    verify_consistency(m as u64, n as u64, &old_root, &new_root, &p),
                    "{m} -> {n}"
                );
                if m > 0 && m < n {
                    let mut changed = l[..m].to_vec();
                    changed[m - 1] = leaf_hash(b"changed");
                    let bad_old = root(&changed);
                    assert!(!verify_consistency(
                        m as u64, n as u64, &bad_old, &new_root, &p
                    ));
                    assert!(!verify_consistency(
                        m as u64,
                        n as u64,
                        &old_root,
                        &new_root,
                        &p[1..]
                    ));
                }
            }
        }
    }
}
