//! The Merkle tree sidecar and `EventLog::verify` through the file store,
//! as a user meets them: each tampering of issue 22 done to the files on
//! disk, detected and named; lines of a writer that keeps no tree covered
//! after the next append; a missing or damaged sidecar rebuilt and said so.

mod common;

use std::fs;
use std::path::Path;

use common::{note, TempDir};
use sessiontrail::{merkle, Change, EventLog, VerifyReport, EVENTS_FILE, TREE_FILE};

fn write_log(dir: &Path, n: usize) {
    let log = EventLog::open(dir).unwrap();
    for i in 0..n {
        log.append(&mut note("s1", &format!("note number {i}")))
            .unwrap();
    }
}

fn verify(dir: &Path) -> VerifyReport {
    EventLog::open(dir).unwrap().verify().unwrap()
}

fn lines(dir: &Path) -> Vec<String> {
    fs::read_to_string(dir.join(EVENTS_FILE))
        .unwrap()
        .lines()
        .map(String::from)
        .collect()
}

fn put_lines(dir: &Path, lines: &[String]) {
    let mut text = lines.join("\n");
    text.push('\n');
    fs::write(dir.join(EVENTS_FILE), text).unwrap();
}

/// Renumbers lines from 0, as a forger hiding a removal or insertion would.
fn renumber(lines: &mut [String]) {
    // In place, so the lines keep their bytes but for the number.
    const KEY: &str = "\"sequence_no\":";
    for (i, line) in lines.iter_mut().enumerate() {
        let at = line.find(KEY).unwrap() + KEY.len();
        let end = at + line[at..].find(|c: char| !c.is_ascii_digit()).unwrap();
        line.replace_range(at..end, &i.to_string());
    }
}

#[test]
fn an_untouched_log_verifies_and_its_root_is_the_rfc_root_of_its_lines() {
    let tmp = TempDir::new("tree-ok");
    let dir = tmp.session();
    write_log(&dir, 10);
    let report = verify(&dir);
    assert!(report.is_ok(), "{report}");
    assert_eq!((report.lines, report.leaves), (10, Some(10)));
    assert_eq!(report.rebuilt_at, Some(0));
    let leaves: Vec<_> = lines(&dir)
        .iter()
        .map(|l| merkle::leaf_hash(l.as_bytes()))
        .collect();
    assert_eq!(report.root, merkle::root(&leaves));
    // Sidecar: 16-byte header, 32 bytes a line.
    assert_eq!(
        fs::metadata(dir.join(TREE_FILE)).unwrap().len(),
        16 + 32 * 10
    );
    assert!(
        report.to_string().starts_with("ok: 10 lines agree"),
        "{report}"
    );
}

#[test]
fn a_byte_changed_inside_a_string_is_named_changed() {
    let tmp = TempDir::new("tree-changed");
    let dir = tmp.session();
    write_log(&dir, 10);
    let mut l = lines(&dir);
    l[6] = l[6].replace("note number 6", "note number X");
    put_lines(&dir, &l);
    // `check` sees nothing: same length, still JSON, counter untouched.
    assert!(EventLog::open(&dir).unwrap().check().unwrap().is_ok());
    let report = verify(&dir);
    assert!(!report.is_ok());
    let d = report.difference.clone().unwrap();
    assert_eq!(
        (d.line, d.sequence_no, d.kind),
        (7, Some(6), Change::Changed)
    );
    assert!(
        report
            .to_string()
            .contains("TAMPERED: line 7 (sequence_no 6) changed"),
        "{report}"
    );
}

#[test]
fn a_line_deleted_and_later_ones_renumbered_is_named_removed() {
    let tmp = TempDir::new("tree-removed");
    let dir = tmp.session();
    write_log(&dir, 10);
    let mut l = lines(&dir);
    l.remove(3);
    renumber(&mut l);
    put_lines(&dir, &l);
    let d = verify(&dir).difference.unwrap();
    assert_eq!(
        (d.line, d.sequence_no, d.kind),
        (4, Some(3), Change::Removed)
    );
}

#[test]
fn a_line_inserted_is_named_inserted() {
    let tmp = TempDir::new("tree-inserted");
    let dir = tmp.session();
    write_log(&dir, 10);
    let mut l = lines(&dir);
    let forged = l[2].replace("note number 2", "forged");
    l.insert(5, forged);
    renumber(&mut l);
    put_lines(&dir, &l);
    let d = verify(&dir).difference.unwrap();
    assert_eq!((d.line, d.kind), (6, Change::Inserted));
}

#[test]
fn a_cut_is_named_cut() {
    let tmp = TempDir::new("tree-cut");
    let dir = tmp.session();
    write_log(&dir, 10);
    let l = lines(&dir);
    put_lines(&dir, &l[..7]);
    let d = verify(&dir).difference.unwrap();
    assert_eq!((d.line, d.sequence_no, d.kind), (8, None, Change::Cut));
    // An append after the cut does not hide it: the tree is left as evidence.
    write_log(&dir, 1);
    assert!(!verify(&dir).is_ok());
}

/// Lines of a writer that keeps no tree (appended raw, as treeship-core
/// does) are reported uncovered, then hashed by the next append.
#[test]
fn lines_of_another_writer_are_covered_after_the_next_append() {
    let tmp = TempDir::new("tree-foreign");
    let dir = tmp.session();
    write_log(&dir, 3);
    let mut l = lines(&dir);
    let mut foreign = l[2].replace("note number 2", "from treeship");
    foreign = foreign.replace("\"sequence_no\":2", "\"sequence_no\":3");
    l.push(foreign);
    put_lines(&dir, &l);
    let report = verify(&dir);
    assert!(report.is_ok(), "{report}");
    assert_eq!(report.uncovered(), 1);
    assert!(report
        .to_string()
        .contains("1 lines after the tree's last leaf are not covered"));
    write_log(&dir, 1);
    let report = verify(&dir);
    assert!(report.is_ok(), "{report}");
    assert_eq!(
        (report.lines, report.leaves, report.uncovered()),
        (5, Some(5), 0)
    );
}

#[test]
fn a_missing_or_damaged_sidecar_is_rebuilt_at_the_next_append_and_reported() {
    for damage in ["missing", "bad header", "partial leaf"] {
        let tmp = TempDir::new("tree-rebuilt");
        let dir = tmp.session();
        write_log(&dir, 4);
        let tree = dir.join(TREE_FILE);
        match damage {
            "missing" => fs::remove_file(&tree).unwrap(),
            "bad header" => fs::write(&tree, b"garbage").unwrap(),
            _ => {
                let bytes = fs::read(&tree).unwrap();
                fs::write(&tree, &bytes[..bytes.len() - 5]).unwrap();
            }
        }
        let before = verify(&dir);
        if damage == "partial leaf" {
            assert_eq!(before.leaves, Some(3), "{damage}");
        } else {
            assert!(!before.is_ok(), "{damage}: {before}");
            assert!(
                before.to_string().starts_with("NOT COVERED"),
                "{damage}: {before}"
            );
        }
        write_log(&dir, 1);
        let after = verify(&dir);
        assert!(after.is_ok(), "{damage}: {after}");
        assert_eq!(after.leaves, Some(5), "{damage}");
        let rebuilt = if damage == "partial leaf" { 0 } else { 4 };
        assert_eq!(after.rebuilt_at, Some(rebuilt), "{damage}");
        if rebuilt > 0 {
            assert!(
                after.to_string().contains("when the log held 4 lines"),
                "{after}"
            );
        }
    }
}

#[test]
fn an_empty_directory_verifies_and_creates_nothing() {
    let tmp = TempDir::new("tree-empty");
    let dir = tmp.session();
    fs::create_dir_all(&dir).unwrap();
    let report = verify(&dir);
    assert!(report.is_ok());
    assert_eq!(report.lines, 0);
    assert!(!dir.join(TREE_FILE).exists());
}

/// Ten (size, root) pairs taken as the log grows are each proved a prefix
/// of the final log by a consistency proof, and fail once an early line is
/// rewritten with its tree rebuilt; every line's inclusion proof against
/// the final root verifies from the line's bytes alone.
#[test]
fn roots_taken_as_the_log_grows_are_proved_prefixes_and_lines_included() {
    let tmp = TempDir::new("tree-consistency");
    let dir = tmp.session();
    let mut taken = Vec::new();
    for _ in 0..10 {
        write_log(&dir, 3);
        let r = verify(&dir);
        taken.push((r.lines, r.root));
    }
    let now = verify(&dir);
    assert!(now.is_ok(), "{now}");
    for &(size, root) in &taken {
        let proof = merkle::consistency_proof(&now.line_leaves, size).unwrap();
        assert!(
            merkle::verify_consistency(size, now.lines, &root, &now.root, &proof),
            "{size}"
        );
    }
    for (i, line) in lines(&dir).iter().enumerate() {
        let proof = merkle::inclusion_proof(&now.line_leaves, i as u64).unwrap();
        let leaf = merkle::leaf_hash(line.as_bytes());
        assert!(merkle::verify_inclusion(
            i as u64, now.lines, &leaf, &proof, &now.root
        ));
    }

    // A whole rewrite: line 2 changed, the tree deleted and rebuilt by the
    // next append. verify alone is satisfied; the early roots are not.
    let mut l = lines(&dir);
    l[1] = l[1].replace("note number 1", "note number Y");
    put_lines(&dir, &l);
    fs::remove_file(dir.join(TREE_FILE)).unwrap();
    write_log(&dir, 1);
    let forged = verify(&dir);
    assert!(forged.is_ok(), "{forged}");
    assert_eq!(forged.rebuilt_at, Some(30));
    for &(size, root) in &taken {
        let proof = merkle::consistency_proof(&forged.line_leaves, size).unwrap();
        assert!(
            !merkle::verify_consistency(size, forged.lines, &root, &forged.root, &proof),
            "{size}"
        );
    }
}
