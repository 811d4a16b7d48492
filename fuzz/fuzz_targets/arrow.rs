#![no_main]
//! cargo-fuzz target `arrow`: see `fuzz/src/targets.rs`.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    unimetric_fuzz::targets::run("arrow", data);
});
