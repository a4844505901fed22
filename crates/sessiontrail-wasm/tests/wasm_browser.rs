//! The wasm `EventLog` export over a JavaScript host, in headless Chromium: wasm-bindgen-test-runner serves the test page and drives
//! the browser through ChromeDriver (CHROMEDRIVER=/usr/bin/chromedriver).
//! The scenarios are in `wasm_common`; `scripts/test-wasm.sh` runs this file.
#![cfg(all(target_family = "wasm", target_os = "unknown"))]

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

#[macro_use]
mod wasm_common;

wasm_scenarios!(
    append_numbers_and_fills_ids,
    reopen_continues_numbering,
    two_logs_taking_turns_never_share_a_number,
    torn_tail_is_repaired_through_the_host,
    stale_counter_and_bad_lines_are_survived,
    batch_is_contiguous_and_all_or_nothing,
    bad_events_throw_errors_that_name_the_problem,
    host_failures_throw_errors_that_name_the_method,
    wrong_types_from_the_host_are_errors,
    hosts_that_are_not_hosts_are_refused,
    reentry_from_a_host_method_is_an_error,
    every_append_takes_the_host_lock,
    every_failure_throws_its_kinds_code,
    numbers_come_back_as_the_same_doubles,
);
