//! The error kinds JavaScript can meet are exactly the codes the npm
//! package's types list: `ErrorKind` is the one table, and this test fails
//! when `pkg-template/types.d.ts` drifts from it (the wasm suites check
//! that each failure throws its kind's code, `tests/wasm_common`).

use sessiontrail::ErrorKind;

#[test]
fn npm_types_list_the_kinds_javascript_meets() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let types = std::fs::read_to_string(root.join("pkg-template/types.d.ts")).unwrap();
    let union = types
        .split("export type EventLogErrorCode =")
        .nth(1)
        .and_then(|rest| rest.split("\";").next())
        .expect("types.d.ts declares EventLogErrorCode");
    // `| "CODE"` lines (the last one's `";` was split off), between doc
    // comments.
    let listed: Vec<&str> = union
        .lines()
        .map(str::trim)
        .filter_map(|line| line.strip_prefix("| \""))
        .map(|line| line.trim_end_matches('"'))
        .collect();
    let kinds: Vec<&str> = ErrorKind::ALL
        .iter()
        .filter(|k| k.reaches_javascript())
        .map(|k| k.code())
        .collect();
    assert_eq!(listed, kinds, "types.d.ts lists other codes than ErrorKind");
}
