//! Replays the committed fuzz inputs under stable `cargo test`: the seed corpus
//! (`fuzz/seeds/<target>/`) and every reproducer of a crash the fuzzer found
//! (`fuzz/regressions/<target>/`), through the same target bodies the cargo-fuzz binaries run
//! (`fuzz/src/targets.rs`). Each input must finish with a result or a typed error, never a panic.
//! Every target must have seeds, the targets with known crashes must keep their reproducers,
//! and each input found must have been run.

#[path = "../fuzz/src/targets.rs"]
mod targets;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

/// Runs every input of `fuzz/<dir>/<target>/` through its target; returns, per target
/// directory, the number of files it holds and the number of inputs run.
fn replay(dir: &str) -> BTreeMap<String, (usize, usize)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz").join(dir);
    let mut out = BTreeMap::new();
    let targets_dirs =
        fs::read_dir(&root).unwrap_or_else(|e| panic!("{} unreadable: {e}", root.display()));
    for entry in targets_dirs {
        let entry = entry.expect("readable fuzz directory");
        let name = entry.file_name().to_string_lossy().into_owned();
        let mut files: Vec<_> = fs::read_dir(entry.path())
            .expect("readable target directory")
            .map(|f| f.expect("readable file").path())
            .collect();
        files.sort();
        let mut ran = 0;
        if cfg!(feature = "arrow") || name != "arrow" {
            // The `arrow` target exists only with the cargo feature `arrow`.
            for file in &files {
                let data = fs::read(file).expect("readable input");
                assert!(targets::run(&name, &data), "no fuzz target named {name}");
                ran += 1;
            }
        }
        out.insert(name, (files.len(), ran));
    }
    out
}

#[test]
fn seeds_run_without_panics() {
    let ran = replay("seeds");
    for (name, _) in targets::TARGETS {
        let (files, _) = ran.get(*name).copied().unwrap_or_default();
        assert!(files > 0, "no seeds for fuzz target {name}");
    }
}

#[test]
fn crash_reproducers_stay_fixed() {
    // The reproducers committed when the fuzzer found a crash (and the fix landed): `ltv` (slow
    // Pareto/NBD fits) and `arrow` (a zero-width fixed-size binary dictionary). A missing or
    // empty directory means they were lost, not that there is nothing to replay.
    let ran = replay("regressions");
    let mut expected = vec!["ltv"];
    if cfg!(feature = "arrow") {
        expected.push("arrow");
    }
    for name in expected {
        let (files, n) = ran.get(name).copied().unwrap_or_default();
        assert!(files > 0, "no crash reproducers for fuzz target {name}");
        assert!(
            n > 0,
            "fuzz target {name} ran none of its {files} reproducers"
        );
    }
    for name in ran.keys() {
        assert!(
            targets::TARGETS.iter().any(|(t, _)| t == name) || name == "arrow",
            "fuzz/regressions/{name}: no fuzz target of that name"
        );
    }
}

/// Every single-byte corruption of small valid Arrow IPC streams and files: each byte in turn
/// flipped (xor 0xFF) and set to 0x00, 0x7F and 0x80, through the `arrow` fuzz target. Each must
/// end in a result or a typed error, never a panic.
#[cfg(feature = "arrow")]
#[path = "support/arrow_ipc.rs"]
mod arrow_ipc;

#[cfg(feature = "arrow")]
mod arrow_corruption {
    use super::arrow_ipc::{batch, file, stream};
    use super::targets;
    use arrow_array::builder::StringDictionaryBuilder;
    use arrow_array::types::Int32Type;
    use arrow_array::types::Int8Type;
    use arrow_array::{
        ArrayRef, BooleanArray, Date32Array, Decimal128Array, FixedSizeBinaryArray, Float64Array,
        Int32Array, Int64Array, LargeStringArray, ListArray, RecordBatch, StringArray,
        StringViewArray, StructArray, TimestampMicrosecondArray, TimestampMillisecondArray,
        UInt32Array, UnionArray,
    };
    use arrow_schema::{DataType, Field, UnionFields};
    use std::panic::{catch_unwind, AssertUnwindSafe};
    use std::sync::Arc;

    /// Customer (dictionary text), time (µs timestamps with a time zone), amount, order,
    /// channel (text with a null): two batches of three rows.
    fn dictionary_batches() -> Vec<RecordBatch> {
        let day = 86_400_000_000i64;
        let t0 = 1_704_067_200_000_000i64; // 2024-01-01T00:00:00Z in µs
        (0..2i64)
            .map(|k| {
                let mut ids = StringDictionaryBuilder::<Int8Type>::new();
                for v in ["x", "y", "x"] {
                    ids.append_value(v);
                }
                batch(vec![
                    ("c", Arc::new(ids.finish()) as ArrayRef),
                    (
                        "ts",
                        Arc::new(
                            TimestampMicrosecondArray::from(vec![
                                t0 + k * 30 * day,
                                t0 + (k * 30 + 1) * day,
                                t0 + (k * 30 + 9) * day,
                            ])
                            .with_timezone("UTC"),
                        ),
                    ),
                    ("a", Arc::new(Float64Array::from(vec![10.0, 2.5, -1.0]))),
                    (
                        "o",
                        Arc::new(Int64Array::from(vec![k * 3, k * 3 + 1, k * 3 + 2])),
                    ),
                    (
                        "ch",
                        Arc::new(StringArray::from(vec![Some("search"), None, Some("email")])),
                    ),
                ])
            })
            .collect()
    }

    /// Numeric ids, dates, decimal amounts, a null time, view strings.
    fn typed_batch() -> RecordBatch {
        batch(vec![
            ("c", Arc::new(UInt32Array::from(vec![7, 8, 7])) as ArrayRef),
            (
                "ts",
                Arc::new(Date32Array::from(vec![Some(19_723), None, Some(19_750)])),
            ),
            (
                "a",
                Arc::new(
                    Decimal128Array::from(vec![1234, -50, 999])
                        .with_precision_and_scale(10, 2)
                        .unwrap(),
                ),
            ),
            ("o", Arc::new(UInt32Array::from(vec![1, 2, 3]))),
            (
                "ch",
                Arc::new(StringViewArray::from(vec![
                    Some("a channel name longer than twelve bytes"),
                    Some("tv"),
                    None,
                ])),
            ),
        ])
    }

    /// Columns of the nested and less common types a table may carry beside the mapped ones: a
    /// list, a struct, a dense union, fixed-size binary, large text.
    fn nested_batch() -> RecordBatch {
        let union_fields = UnionFields::new(
            vec![0, 1],
            vec![
                Field::new("i", DataType::Int32, false),
                Field::new("s", DataType::Utf8, false),
            ],
        );
        let union = UnionArray::try_new(
            union_fields,
            vec![0i8, 1, 0].into(),
            Some(vec![0i32, 0, 1].into()),
            vec![
                Arc::new(Int32Array::from(vec![5, 6])) as ArrayRef,
                Arc::new(StringArray::from(vec!["u"])),
            ],
        )
        .unwrap();
        let list = ListArray::from_iter_primitive::<Int32Type, _, _>(vec![
            Some(vec![Some(1), Some(2)]),
            None,
            Some(vec![]),
        ]);
        let st = StructArray::from(vec![
            (
                Arc::new(Field::new("x", DataType::Int64, true)),
                Arc::new(Int64Array::from(vec![Some(1), None, Some(3)])) as ArrayRef,
            ),
            (
                Arc::new(Field::new("y", DataType::Boolean, true)),
                Arc::new(BooleanArray::from(vec![true, false, true])) as ArrayRef,
            ),
        ]);
        let fsb =
            FixedSizeBinaryArray::try_from_iter(vec![b"abc", b"def", b"ghi"].into_iter()).unwrap();
        let t0 = 1_704_067_200_000i64;
        batch(vec![
            (
                "c",
                Arc::new(LargeStringArray::from(vec!["p", "q", "p"])) as ArrayRef,
            ),
            (
                "ts",
                Arc::new(TimestampMillisecondArray::from(vec![
                    t0,
                    t0 + 1,
                    t0 + 86_400_000,
                ])),
            ),
            ("a", Arc::new(Int32Array::from(vec![3, 4, 5]))),
            ("l", Arc::new(list)),
            ("st", Arc::new(st)),
            ("u", Arc::new(union)),
            ("b", Arc::new(fsb)),
        ])
    }

    /// The inputs corrupted: arrow-rs streams and files, and the committed seeds written by
    /// apache-arrow (JS) and DuckDB-WASM (`fuzz/seeds/arrow/`).
    pub(super) fn bases() -> Vec<(String, Vec<u8>)> {
        let mut out = vec![
            (
                "dictionary stream".to_string(),
                stream(&dictionary_batches()),
            ),
            ("dictionary file".to_string(), file(&dictionary_batches())),
            ("typed stream".to_string(), stream(&[typed_batch()])),
            ("typed file".to_string(), file(&[typed_batch()])),
            ("nested stream".to_string(), stream(&[nested_batch()])),
            ("nested file".to_string(), file(&[nested_batch()])),
        ];
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/arrow");
        if let Ok(entries) = std::fs::read_dir(dir) {
            let mut files: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
            files.sort();
            for f in files {
                let name = f.file_name().unwrap().to_string_lossy().into_owned();
                out.push((name, std::fs::read(&f).unwrap()));
            }
        }
        out
    }

    fn message(p: &(dyn std::any::Any + Send)) -> String {
        p.downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_default()
    }

    /// Runs the `arrow` target on every single-byte corruption of `bytes`; returns the number
    /// of inputs run and a description of each that panicked.
    fn corrupt_each_byte(name: &str, bytes: &[u8]) -> (usize, Vec<String>) {
        let mut tested = 0;
        let mut panics = Vec::new();
        for at in 0..bytes.len() {
            let original = bytes[at];
            for value in [original ^ 0xFF, 0x00, 0x7F, 0x80] {
                if value == original {
                    continue;
                }
                let mut data = bytes.to_vec();
                data[at] = value;
                tested += 1;
                if let Err(p) = catch_unwind(AssertUnwindSafe(|| targets::arrow(&data))) {
                    panics.push(format!(
                        "{name}: byte {at} {original:#04x} → {value:#04x}: {}",
                        message(p.as_ref())
                    ));
                }
            }
        }
        (tested, panics)
    }

    /// The code `Transactions::from_arrow` gives for `bytes`, its columns mapped by position
    /// as the `arrow` target maps them; "ok" for a table.
    fn transactions_code(bytes: &[u8]) -> &'static str {
        let names = match unimetric::data::arrow::ArrowTable::read(bytes) {
            Ok(t) => t.column_names(),
            Err(e) => return e.code(),
        };
        let name = |i: usize| names.get(i).map_or("", String::as_str);
        let m = unimetric::ColumnMapping::new(name(0), name(1), name(2));
        unimetric::Transactions::from_arrow(bytes, &m).map_or_else(|e| e.code(), |_| "ok")
    }

    /// Each crash the `arrow` fuzz target found (`fuzz/regressions/arrow/`), with the typed
    /// error it gives now and why.
    #[test]
    fn arrow_crash_reproducers_give_typed_errors() {
        let expected: &[(&str, &str)] = &[
            // The dictionary batch of a Dictionary(UInt32, FixedSizeBinary(0)) column: its
            // buffer check divided by the zero width. It is read now; no record batch follows,
            // so the table has no rows.
            ("zero_width_fixed_size_binary", "E_EMPTY"),
        ];
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions/arrow");
        let mut files: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        files.sort();
        let mut listed: Vec<String> = expected.iter().map(|(f, _)| f.to_string()).collect();
        listed.sort();
        assert_eq!(files, listed, "every reproducer has its expected code here");
        for (file, code) in expected {
            let bytes = std::fs::read(dir.join(file)).unwrap();
            assert_eq!(transactions_code(&bytes), *code, "{file}");
        }
    }

    #[test]
    fn every_single_byte_corruption_is_a_result_or_a_typed_error() {
        let bases = bases();
        for (name, bytes) in &bases {
            // Each base is a valid table, so corruptions reach every stage of the reader.
            let table = unimetric::data::arrow::ArrowTable::read(bytes)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(table.num_rows() >= 3, "{name}");
            targets::arrow(bytes);
        }
        // Two threads: the machine has two cores.
        let (left, right) = bases.split_at(bases.len() / 2);
        let run = |part: &[(String, Vec<u8>)]| {
            part.iter()
                .map(|(name, bytes)| corrupt_each_byte(name, bytes))
                .fold((0, Vec::new()), |(n, mut p), (m, q)| {
                    p.extend(q);
                    (n + m, p)
                })
        };
        let ((n1, mut panics), (n2, p2)) = std::thread::scope(|s| {
            let other = s.spawn(|| run(right));
            (run(left), other.join().unwrap())
        });
        panics.extend(p2);
        let tested = n1 + n2;
        if std::env::var_os("UNIMETRIC_ARROW_REPORT").is_some() {
            println!(
                "{tested} corruptions of {} inputs, {} panics",
                bases.len(),
                panics.len()
            );
        }
        assert!(tested > 40_000, "{tested} corruptions");
        assert!(
            panics.is_empty(),
            "{} of {tested} corruptions panicked:\n{}",
            panics.len(),
            panics.join("\n")
        );
    }
}
