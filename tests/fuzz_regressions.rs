//! Replays the committed fuzz inputs under stable `cargo test`: the seed corpus
//! (`fuzz/seeds/<target>/`) and every reproducer of a crash the fuzzer found
//! (`fuzz/regressions/<target>/`), through the same target bodies the cargo-fuzz binaries run
//! (`fuzz/src/targets.rs`). Each input must finish with a result or a typed error, never a panic.

#[path = "../fuzz/src/targets.rs"]
mod targets;

use std::fs;
use std::path::Path;

fn replay(dir: &str) -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz").join(dir);
    let mut count = 0;
    let Ok(targets_dirs) = fs::read_dir(&root) else {
        return 0;
    };
    for entry in targets_dirs {
        let entry = entry.expect("readable fuzz directory");
        let name = entry.file_name().to_string_lossy().into_owned();
        let mut files: Vec<_> = fs::read_dir(entry.path())
            .expect("readable target directory")
            .map(|f| f.expect("readable file").path())
            .collect();
        files.sort();
        for file in files {
            let data = fs::read(&file).expect("readable input");
            assert!(targets::run(&name, &data), "no fuzz target named {name}");
            count += 1;
        }
    }
    count
}

#[test]
fn seeds_run_without_panics() {
    let n = replay("seeds");
    assert!(n >= targets::TARGETS.len(), "only {n} seeds");
    for (name, _) in targets::TARGETS {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fuzz/seeds")
            .join(name);
        assert!(dir.is_dir(), "no seeds for fuzz target {name}");
    }
}

#[test]
fn crash_reproducers_stay_fixed() {
    replay("regressions");
}
