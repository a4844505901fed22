//! Ed25519 keys, signed notes and tlog checkpoints in the formats of the
//! transparency-log ecosystem, so a checkpoint `sessiontrail seal` prints
//! can be checked by other tools (and theirs by ours).
//!
//! Sources: C2SP signed-note (https://c2sp.org/signed-note) and
//! tlog-checkpoint (https://c2sp.org/tlog-checkpoint), as implemented by
//! Go's golang.org/x/mod/sumdb/note:
//! - key id: the first 4 bytes (big-endian u32) of
//!   SHA-256(name || 0x0A || 0x01 || public key); 0x01 is the Ed25519
//!   algorithm byte;
//! - verifier key: `<name>+<8 hex digits of the id>+<base64(0x01 || public key)>`;
//! - private key: `PRIVATE+KEY+<name>+<id>+<base64(0x01 || 32-byte seed)>`;
//! - signed note: the text (ending in `\n`), a blank line, then one line
//!   per signature `— <name> <base64(id || 64-byte signature)>\n` (U+2014),
//!   the signature over the text's bytes;
//! - checkpoint text: `<origin>\n<tree size>\n<base64 root>\n` and optional
//!   extension lines.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use sha2::{Digest, Sha256};

use sessiontrail::merkle::Hash;

/// Ed25519's algorithm byte in keys and key ids.
const ALG_ED25519: u8 = 0x01;
/// The start of every signature line.
const SIG_PREFIX: &str = "\u{2014} ";

/// A key name: non-empty, no `+`, no whitespace (signed-note's rule).
pub fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.contains('+') || name.chars().any(char::is_whitespace) {
        return Err(format!(
            "invalid key name {name:?}: it must be non-empty, without '+' or spaces"
        ));
    }
    Ok(())
}

/// The key id of `name` and `public`.
pub fn key_id(name: &str, public: &[u8; 32]) -> u32 {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([b'\n', ALG_ED25519]);
    h.update(public);
    let d = h.finalize();
    u32::from_be_bytes([d[0], d[1], d[2], d[3]])
}

fn encode_key(prefix: &str, name: &str, id: u32, key: &[u8; 32]) -> String {
    let mut data = vec![ALG_ED25519];
    data.extend_from_slice(key);
    format!("{prefix}{name}+{id:08x}+{}", B64.encode(data))
}

/// Splits `<name>+<id>+<base64 key>` and checks the algorithm byte and the
/// id; returns the name, the id and the 32 key bytes.
fn decode_key(text: &str, what: &str) -> Result<(String, u32, [u8; 32]), String> {
    let bad = |why: &str| format!("not a {what} ({why})");
    let mut parts = text.trim_end_matches(['\n', '\r']).splitn(3, '+');
    let (Some(name), Some(id), Some(data)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad("expected <name>+<key id>+<base64 key>"));
    };
    check_name(name).map_err(|e| bad(&e))?;
    if id.len() != 8 {
        return Err(bad("the key id is not 8 hex digits"));
    }
    let id = u32::from_str_radix(id, 16).map_err(|_| bad("the key id is not 8 hex digits"))?;
    let data = B64.decode(data).map_err(|_| bad("the key is not base64"))?;
    if data.len() != 33 || data[0] != ALG_ED25519 {
        return Err(bad("not an Ed25519 key"));
    }
    let mut key = [0u8; 32];
    key.copy_from_slice(&data[1..]);
    Ok((name.to_string(), id, key))
}

/// A private key: the signer's name and its Ed25519 key.
pub struct KeyPair {
    pub name: String,
    key: SigningKey,
}

impl KeyPair {
    /// A new key from 32 bytes of the OS's randomness.
    pub fn generate(name: &str) -> Result<KeyPair, String> {
        check_name(name)?;
        let mut seed = [0u8; 32];
        getrandom::getrandom(&mut seed).map_err(|e| format!("no randomness from the OS: {e}"))?;
        Ok(KeyPair {
            name: name.to_string(),
            key: SigningKey::from_bytes(&seed),
        })
    }

    /// Reads `PRIVATE+KEY+<name>+<id>+<base64>`.
    pub fn parse(text: &str) -> Result<KeyPair, String> {
        let rest = text
            .strip_prefix("PRIVATE+KEY+")
            .ok_or("not a private key (it must start with PRIVATE+KEY+)")?;
        let (name, id, seed) = decode_key(rest, "private key")?;
        let key = SigningKey::from_bytes(&seed);
        if key_id(&name, key.verifying_key().as_bytes()) != id {
            return Err("not a private key (its key id does not match the key)".into());
        }
        Ok(KeyPair { name, key })
    }

    fn id(&self) -> u32 {
        key_id(&self.name, self.key.verifying_key().as_bytes())
    }

    /// The private key's text (a secret).
    pub fn private_text(&self) -> String {
        encode_key("PRIVATE+KEY+", &self.name, self.id(), &self.key.to_bytes())
    }

    /// The verifier key's text (public).
    pub fn public_text(&self) -> String {
        encode_key(
            "",
            &self.name,
            self.id(),
            self.key.verifying_key().as_bytes(),
        )
    }

    /// `text` (ending in `\n`) as a signed note.
    pub fn sign(&self, text: &str) -> String {
        let sig = self.key.sign(text.as_bytes());
        let mut data = self.id().to_be_bytes().to_vec();
        data.extend_from_slice(&sig.to_bytes());
        format!("{text}\n{SIG_PREFIX}{} {}\n", self.name, B64.encode(data))
    }
}

/// A verifier key.
#[derive(Debug)]
pub struct PublicKey {
    name: String,
    id: u32,
    key: VerifyingKey,
}

impl PublicKey {
    pub fn parse(text: &str) -> Result<PublicKey, String> {
        if text.starts_with("PRIVATE+KEY+") {
            return Err("this is a private key: give the public one (keygen's FILE.pub)".into());
        }
        let (name, id, bytes) = decode_key(text, "public key")?;
        let key = VerifyingKey::from_bytes(&bytes)
            .map_err(|_| "not a public key (not a valid Ed25519 point)".to_string())?;
        if key_id(&name, &bytes) != id {
            return Err("not a public key (its key id does not match the key)".into());
        }
        Ok(PublicKey { name, id, key })
    }
}

/// A checkpoint read from a note.
#[derive(Debug)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
}

/// The checkpoint text of a tree.
pub fn checkpoint_text(origin: &str, size: u64, root: &Hash) -> String {
    format!("{origin}\n{size}\n{}\n", B64.encode(root))
}

/// Reads a (signed or not) checkpoint note; with `key`, a signature by that
/// key (same name and id) must be there and be valid.
pub fn open_checkpoint(note: &str, key: Option<&PublicKey>) -> Result<Checkpoint, String> {
    // The text ends at the last blank line (Go's note.Open); without one
    // the note has no signatures.
    let (text, sigs) = match note.rfind("\n\n") {
        Some(i) => (&note[..i + 1], &note[i + 2..]),
        None => (note, ""),
    };
    if let Some(key) = key {
        let mut found = false;
        for line in sigs.lines() {
            let Some(rest) = line.strip_prefix(SIG_PREFIX) else {
                return Err(format!("malformed signature line {line:?}"));
            };
            let Some((name, data)) = rest.split_once(' ') else {
                return Err(format!("malformed signature line {line:?}"));
            };
            let data = B64
                .decode(data)
                .map_err(|_| format!("malformed signature line {line:?} (not base64)"))?;
            if name != key.name || data.len() != 68 || data[..4] != key.id.to_be_bytes() {
                continue;
            }
            let sig = Signature::from_slice(&data[4..]).map_err(|_| "malformed signature")?;
            if key.key.verify(text.as_bytes(), &sig).is_err() {
                return Err(format!(
                    "the signature by {}+{:08x} does not verify: the checkpoint was changed or forged",
                    key.name, key.id
                ));
            }
            found = true;
        }
        if !found {
            return Err(format!(
                "the checkpoint has no signature by the key {}+{:08x}",
                key.name, key.id
            ));
        }
    }
    let mut lines = text.split('\n');
    let bad = |why: &str| format!("not a checkpoint: {why}");
    let origin = lines
        .next()
        .filter(|o| !o.is_empty())
        .ok_or_else(|| bad("no origin line"))?;
    let size = lines
        .next()
        .and_then(|s| {
            if s.bytes().all(|b| b.is_ascii_digit()) {
                s.parse().ok()
            } else {
                None
            }
        })
        .ok_or_else(|| bad("the second line is not a tree size"))?;
    let root = lines
        .next()
        .and_then(|r| B64.decode(r).ok())
        .and_then(|r| Hash::try_from(r).ok())
        .ok_or_else(|| bad("the third line is not a base64 SHA-256 root"))?;
    Ok(Checkpoint {
        origin: origin.to_string(),
        size,
        root,
    })
}

/// Base64 (standard, padded) of bytes: proofs use it too.
pub fn b64(bytes: &[u8]) -> String {
    B64.encode(bytes)
}

/// Reads base64 into a hash.
pub fn hash_of_b64(text: &str) -> Option<Hash> {
    B64.decode(text).ok().and_then(|v| Hash::try_from(v).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    // The vectors of Go's golang.org/x/mod/sumdb/note (note_test.go): the
    // key id rule, both key formats and the signature line match its.
    const VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    const SKEY: &str =
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    const TEXT: &str = "If you think cryptography is the answer to your problem,\n\
                        then you don't know what your problem is.\n";
    const SIGNED: &str = "If you think cryptography is the answer to your problem,\n\
                          then you don't know what your problem is.\n\n\
                          \u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

    #[test]
    fn keys_and_signatures_match_go_sumdb_note() {
        let pair = KeyPair::parse(SKEY).unwrap();
        assert_eq!(pair.private_text(), SKEY);
        assert_eq!(pair.public_text(), VKEY);
        assert_eq!(pair.sign(TEXT), SIGNED);
        assert!(PublicKey::parse(VKEY).is_ok());
    }

    #[test]
    fn a_key_whose_id_does_not_match_is_refused() {
        let wrong = VKEY.replace("c74f20a3", "c74f20a4");
        assert!(PublicKey::parse(&wrong).unwrap_err().contains("key id"));
        assert!(PublicKey::parse(SKEY).unwrap_err().contains("private key"));
    }

    #[test]
    fn checkpoints_round_trip_and_a_changed_body_is_refused() {
        let pair = KeyPair::parse(SKEY).unwrap();
        let key = PublicKey::parse(VKEY).unwrap();
        let note = pair.sign(&checkpoint_text("example.com/log", 7, &[9u8; 32]));
        let cp = open_checkpoint(&note, Some(&key)).unwrap();
        assert_eq!(
            (cp.origin.as_str(), cp.size, cp.root),
            ("example.com/log", 7, [9u8; 32])
        );
        let changed = note.replacen("\n7\n", "\n8\n", 1);
        assert!(open_checkpoint(&changed, Some(&key))
            .unwrap_err()
            .contains("does not verify"));
    }
}
