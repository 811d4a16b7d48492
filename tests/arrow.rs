//! Arrow IPC input (feature `arrow`): every accepted column type against hand-computed values,
//! coded errors for nulls and wrong types, and the same numbers as CSV of the same data.
#![cfg(feature = "arrow")]

use arrow_array::builder::StringDictionaryBuilder;
use arrow_array::types::Int8Type;
use arrow_array::{
    ArrayRef, Date32Array, Date64Array, Decimal128Array, Float32Array, Float64Array, Int32Array,
    Int64Array, LargeStringArray, StringArray, StringViewArray, TimestampMicrosecondArray,
    TimestampMillisecondArray, TimestampNanosecondArray, TimestampSecondArray, UInt32Array,
};
use std::sync::Arc;
use unimetric::data::arrow::{read_attributes, read_features, AttributeMapping};
use unimetric::data::spend::{Spend, SpendMapping};
use unimetric::summary::SummaryMapping;
use unimetric::{
    ColumnMapping, CustomerKeys, CustomerSummary, Period, SummaryOptions, Transactions,
};

/// 2024-03-05T14:30:15.250Z in epoch milliseconds (`date -u -d … +%s%3N`).
const T_MS: i64 = 1_709_649_015_250;
/// 2024-03-05 as days since 1970-01-01 (1709596800 s / 86400).
const D_DAYS: i32 = 19_787;
const D_MS: i64 = 1_709_596_800_000;

#[path = "support/arrow_ipc.rs"]
mod arrow_ipc;
use arrow_ipc::{batch, file, stream};

fn mapping() -> ColumnMapping {
    ColumnMapping::new("cust", "ts", "amt")
}

fn one_row(ts: ArrayRef) -> Vec<u8> {
    stream(&[batch(vec![
        ("cust", Arc::new(UInt32Array::from(vec![7])) as ArrayRef),
        ("ts", ts),
        ("amt", Arc::new(Float64Array::from(vec![1.0]))),
    ])])
}

#[test]
fn every_timestamp_unit_reads_the_same_instant() {
    let cases: Vec<(&str, ArrayRef, i64)> = vec![
        (
            "s",
            Arc::new(TimestampSecondArray::from(vec![T_MS / 1000])),
            T_MS / 1000 * 1000,
        ),
        (
            "ms",
            Arc::new(TimestampMillisecondArray::from(vec![T_MS])),
            T_MS,
        ),
        (
            "us",
            Arc::new(TimestampMicrosecondArray::from(vec![T_MS * 1000 + 999])),
            T_MS,
        ),
        (
            "ns",
            Arc::new(TimestampNanosecondArray::from(vec![
                T_MS * 1_000_000 + 999_999,
            ])),
            T_MS,
        ),
        (
            "ms with tz",
            Arc::new(TimestampMillisecondArray::from(vec![T_MS]).with_timezone("+02:00")),
            T_MS,
        ),
        (
            "us with tz",
            Arc::new(
                TimestampMicrosecondArray::from(vec![T_MS * 1000])
                    .with_timezone("America/New_York"),
            ),
            T_MS,
        ),
        (
            "ns with tz",
            Arc::new(TimestampNanosecondArray::from(vec![T_MS * 1_000_000]).with_timezone("UTC")),
            T_MS,
        ),
        ("date32", Arc::new(Date32Array::from(vec![D_DAYS])), D_MS),
        ("date64", Arc::new(Date64Array::from(vec![D_MS])), D_MS),
        (
            "int64 epoch ms",
            Arc::new(Int64Array::from(vec![T_MS])),
            T_MS,
        ),
        (
            "float64 epoch ms",
            Arc::new(Float64Array::from(vec![T_MS as f64 + 0.75])),
            T_MS,
        ),
        (
            "text",
            Arc::new(StringArray::from(vec!["2024-03-05T14:30:15.250Z"])),
            T_MS,
        ),
    ];
    for (name, col, want) in cases {
        let tx = Transactions::from_arrow(one_row(col), &mapping())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(tx.timestamps(), &[want], "{name}");
    }
    // Before 1970 the sub-millisecond part rounds toward negative infinity: -1 µs is -1 ms.
    let tx = Transactions::from_arrow(
        one_row(Arc::new(TimestampMicrosecondArray::from(vec![-1]))),
        &mapping(),
    )
    .unwrap();
    assert_eq!(tx.timestamps(), &[-1]);
}

#[test]
fn stream_and_file_formats_give_the_same_table() {
    let b = batch(vec![
        (
            "cust",
            Arc::new(StringArray::from(vec!["a", "b", "a"])) as ArrayRef,
        ),
        (
            "ts",
            Arc::new(Date32Array::from(vec![D_DAYS, D_DAYS, D_DAYS + 10])),
        ),
        ("amt", Arc::new(Float64Array::from(vec![10.0, 5.0, 30.0]))),
    ]);
    let s = Transactions::from_arrow(stream(std::slice::from_ref(&b)), &mapping()).unwrap();
    let f = Transactions::from_arrow(file(&[b]), &mapping()).unwrap();
    assert_eq!(s, f);
    assert_eq!(s.timestamps(), &[D_MS, D_MS, D_MS + 10 * 86_400_000]);
    assert_eq!(
        s.customer_keys(),
        &CustomerKeys::Text(vec!["a".into(), "b".into()])
    );
}

#[test]
fn dictionary_strings_ids_and_channels() {
    let mut ids = StringDictionaryBuilder::<Int8Type>::new();
    for v in ["x", "y", "x", "z"] {
        ids.append_value(v);
    }
    let mut ch = StringDictionaryBuilder::<Int8Type>::new();
    ch.append_value("search");
    ch.append_null();
    ch.append_value("email");
    ch.append_value("search");
    let b = batch(vec![
        ("cust", Arc::new(ids.finish()) as ArrayRef),
        ("ts", Arc::new(Date32Array::from(vec![D_DAYS; 4]))),
        (
            "amt",
            Arc::new(Float64Array::from(vec![1.0, 2.0, 3.0, 4.0])),
        ),
        ("ch", Arc::new(ch.finish())),
    ]);
    let mut m = mapping();
    m.channel = Some("ch".into());
    let tx = Transactions::from_arrow(stream(&[b]), &m).unwrap();
    assert_eq!(
        tx.customer_keys(),
        &CustomerKeys::Text(vec!["x".into(), "y".into(), "z".into()])
    );
    assert_eq!(
        tx.channel_names(),
        &["search".to_string(), "email".to_string()]
    );
    // x: 1 + 3 on one day, y: 2, z: 4 → revenue per customer in key order x, y, z.
    let s = CustomerSummary::from_transactions(&tx, &SummaryOptions::default()).unwrap();
    assert_eq!(s.details.unwrap().revenue, vec![4.0, 2.0, 4.0]);
}

#[test]
fn large_and_view_strings_and_wide_integer_ids() {
    let b = batch(vec![
        (
            "cust",
            Arc::new(Int64Array::from(vec![5_000_000_000, 3, 5_000_000_000])) as ArrayRef,
        ),
        (
            "ts",
            Arc::new(LargeStringArray::from(vec![
                "2024-03-05",
                "2024-03-06",
                "2024-03-07",
            ])),
        ),
        ("amt", Arc::new(Int32Array::from(vec![10, 20, 30]))),
        (
            "ord",
            Arc::new(StringViewArray::from(vec!["o1", "o2", "o3"])),
        ),
    ]);
    let mut m = mapping();
    m.order_id = Some("ord".into());
    let tx = Transactions::from_arrow(stream(&[b]), &m).unwrap();
    // 5e9 does not fit a u32, so every id is compared as text.
    assert_eq!(
        tx.customer_keys(),
        &CustomerKeys::Text(vec!["5000000000".into(), "3".into()])
    );
    assert_eq!(tx.amounts(), &[10.0, 20.0, 30.0]);
    assert!(tx.has_order_id());
}

#[test]
fn decimal_and_float32_amounts() {
    let b = batch(vec![
        ("cust", Arc::new(UInt32Array::from(vec![1, 2])) as ArrayRef),
        ("ts", Arc::new(Date32Array::from(vec![D_DAYS, D_DAYS]))),
        (
            "amt",
            Arc::new(
                Decimal128Array::from(vec![1234, -50])
                    .with_precision_and_scale(10, 2)
                    .unwrap(),
            ),
        ),
        ("f32", Arc::new(Float32Array::from(vec![0.5, 2.25]))),
    ]);
    let bytes = stream(&[b]);
    let tx = Transactions::from_arrow(&bytes, &mapping()).unwrap();
    assert_eq!(tx.amounts(), &[12.34, -0.5]);
    let tx = Transactions::from_arrow(&bytes, &ColumnMapping::new("cust", "ts", "f32")).unwrap();
    assert_eq!(tx.amounts(), &[0.5, 2.25]);
    assert_eq!(tx.customer_keys(), &CustomerKeys::Numeric(vec![1, 2]));
}

#[test]
fn nulls_are_coded_errors_with_column_and_row_across_batches() {
    let b1 = batch(vec![
        (
            "cust",
            Arc::new(StringArray::from(vec![Some("a"), Some("b")])) as ArrayRef,
        ),
        (
            "ts",
            Arc::new(TimestampMillisecondArray::from(vec![
                Some(T_MS),
                Some(T_MS),
            ])),
        ),
        (
            "amt",
            Arc::new(Float64Array::from(vec![Some(1.0), Some(2.0)])),
        ),
    ]);
    let with_null = |col: &str| {
        let cust: ArrayRef = Arc::new(StringArray::from(vec![
            Some("c"),
            if col == "cust" { None } else { Some("d") },
        ]));
        let ts: ArrayRef = Arc::new(TimestampMillisecondArray::from(vec![
            Some(T_MS),
            if col == "ts" { None } else { Some(T_MS) },
        ]));
        let amt: ArrayRef = Arc::new(Float64Array::from(vec![
            Some(3.0),
            if col == "amt" { None } else { Some(4.0) },
        ]));
        batch(vec![("cust", cust), ("ts", ts), ("amt", amt)])
    };
    for col in ["cust", "ts", "amt"] {
        let bytes = stream(&[b1.clone(), with_null(col)]);
        let e = Transactions::from_arrow(&bytes, &mapping()).unwrap_err();
        // Second row of the second batch: row 4 of the table.
        assert_eq!(
            (e.code(), e.column(), e.row()),
            ("E_MISSING_VALUE", Some(col), Some(4)),
            "{e}"
        );
    }
    // A null key in a dictionary column is missing too.
    let mut ids = StringDictionaryBuilder::<Int8Type>::new();
    ids.append_value("a");
    ids.append_null();
    let b = batch(vec![
        ("cust", Arc::new(ids.finish()) as ArrayRef),
        ("ts", Arc::new(Date32Array::from(vec![D_DAYS; 2]))),
        ("amt", Arc::new(Float64Array::from(vec![1.0, 2.0]))),
    ]);
    let e = Transactions::from_arrow(stream(&[b]), &mapping()).unwrap_err();
    assert_eq!(
        (e.code(), e.column(), e.row()),
        ("E_MISSING_VALUE", Some("cust"), Some(2))
    );
}

#[test]
fn bad_values_types_and_bytes_are_coded_errors() {
    let b = batch(vec![
        (
            "cust",
            Arc::new(StringArray::from(vec!["a", " "])) as ArrayRef,
        ),
        ("ts", Arc::new(Date32Array::from(vec![D_DAYS; 2]))),
        ("amt", Arc::new(Float64Array::from(vec![1.0, f64::NAN]))),
        ("flag", Arc::new(Float64Array::from(vec![1.0, 2.0]))),
    ]);
    let bytes = stream(&[b]);
    let e = Transactions::from_arrow(&bytes, &mapping()).unwrap_err();
    assert_eq!(
        (e.code(), e.column(), e.row()),
        ("E_NON_FINITE", Some("amt"), Some(2))
    );
    let e =
        Transactions::from_arrow(&bytes, &ColumnMapping::new("cust", "ts", "flag")).unwrap_err();
    assert_eq!(
        (e.code(), e.column(), e.row()),
        ("E_MISSING_VALUE", Some("cust"), Some(2))
    );
    let e = Transactions::from_arrow(&bytes, &ColumnMapping::new("flag", "ts", "amt")).unwrap_err();
    assert_eq!((e.code(), e.column()), ("E_BAD_TYPE", Some("flag")));
    let e =
        Transactions::from_arrow(&bytes, &ColumnMapping::new("cust", "ts", "nope")).unwrap_err();
    assert_eq!(e.code(), "E_MISSING_COLUMN");
    assert!(e.to_string().contains("'flag'"), "{e}");
    let e = Transactions::from_arrow(b"customer,date\n1,2", &mapping()).unwrap_err();
    assert_eq!(e.code(), "E_ARROW");
    let e = Transactions::from_arrow(&bytes[..bytes.len() / 2], &mapping()).unwrap_err();
    assert_eq!(e.code(), "E_ARROW");
    let e = Transactions::from_arrow(&[], &mapping()).unwrap_err();
    assert_eq!(e.code(), "E_EMPTY");
    // Seconds that overflow milliseconds.
    let e = Transactions::from_arrow(
        one_row(Arc::new(TimestampSecondArray::from(vec![i64::MAX / 10]))),
        &mapping(),
    )
    .unwrap_err();
    assert_eq!(
        (e.code(), e.column(), e.row()),
        ("E_BAD_DATE", Some("ts"), Some(1))
    );
    // A schema with no rows.
    let empty = batch(vec![
        (
            "cust",
            Arc::new(UInt32Array::from(Vec::<u32>::new())) as ArrayRef,
        ),
        ("ts", Arc::new(Date32Array::from(Vec::<i32>::new()))),
        ("amt", Arc::new(Float64Array::from(Vec::<f64>::new()))),
    ]);
    let e = Transactions::from_arrow(stream(&[empty]), &mapping()).unwrap_err();
    assert_eq!(e.code(), "E_EMPTY");
}

#[test]
fn same_summary_as_csv_of_the_same_data() {
    let csv = std::fs::read("tests/fixtures/cac_transactions.csv").unwrap();
    let m = ColumnMapping {
        channel: Some("channel".into()),
        ..ColumnMapping::new("customer", "date", "amount")
    };
    let from_csv = Transactions::from_csv(&csv, &m).unwrap();
    let text = String::from_utf8(csv).unwrap();
    let (mut cust, mut date, mut amount, mut channel) = (vec![], vec![], vec![], vec![]);
    for line in text.lines().skip(1).filter(|l| !l.is_empty()) {
        let f: Vec<&str> = line.split(',').collect();
        cust.push(f[0].to_string());
        date.push(f[1].to_string());
        amount.push(f[2].parse::<f64>().unwrap());
        channel.push((!f[3].is_empty()).then(|| f[3].to_string()));
    }
    let b = batch(vec![
        ("customer", Arc::new(StringArray::from(cust)) as ArrayRef),
        ("date", Arc::new(StringArray::from(date))),
        ("amount", Arc::new(Float64Array::from(amount))),
        ("channel", Arc::new(StringArray::from(channel))),
    ]);
    let from_arrow = Transactions::from_arrow(file(&[b]), &m).unwrap();
    for period in [Period::Day, Period::Month] {
        let opts = SummaryOptions {
            period,
            ..SummaryOptions::default()
        };
        assert_eq!(
            CustomerSummary::from_transactions(&from_arrow, &opts).unwrap(),
            CustomerSummary::from_transactions(&from_csv, &opts).unwrap()
        );
    }
}

#[test]
fn spend_from_arrow_matches_csv() {
    let csv = "month,channel,type,amount\n2024-01-01,search,paid,120\n2024-01-01,email,owned,30\n2024-02-01,search,paid,60\n";
    let mut m = SpendMapping::new("month", "channel", "amount");
    m.channel_type = Some("type".into());
    let from_csv = Spend::from_csv(csv.as_bytes(), &m).unwrap();
    // 2024-01-01 = day 19723, 2024-02-01 = day 19754.
    let mut ch = StringDictionaryBuilder::<Int8Type>::new();
    for v in ["search", "email", "search"] {
        ch.append_value(v);
    }
    let b = batch(vec![
        (
            "month",
            Arc::new(Date32Array::from(vec![19_723, 19_723, 19_754])) as ArrayRef,
        ),
        ("channel", Arc::new(ch.finish())),
        (
            "type",
            Arc::new(StringArray::from(vec!["paid", "owned", "paid"])),
        ),
        ("amount", Arc::new(Int64Array::from(vec![120, 30, 60]))),
    ]);
    let bytes = stream(&[b]);
    assert_eq!(Spend::from_arrow(&bytes, &m).unwrap(), from_csv);
    assert_eq!(from_csv.total(), 210.0);

    let b = batch(vec![
        (
            "month",
            Arc::new(Date32Array::from(vec![Some(19_723), None])) as ArrayRef,
        ),
        ("channel", Arc::new(StringArray::from(vec!["a", "b"]))),
        ("amount", Arc::new(Float64Array::from(vec![1.0, 2.0]))),
    ]);
    let e = Spend::from_arrow(
        &stream(&[b]),
        &SpendMapping::new("month", "channel", "amount"),
    )
    .unwrap_err();
    assert_eq!(
        (e.code(), e.column(), e.row()),
        ("E_MISSING_VALUE", Some("month"), Some(2))
    );
}

#[test]
fn summary_from_arrow() {
    let b = batch(vec![
        ("id", Arc::new(UInt32Array::from(vec![1, 2])) as ArrayRef),
        ("frequency", Arc::new(Int32Array::from(vec![2, 0]))),
        ("recency", Arc::new(Float64Array::from(vec![30.0, 0.0]))),
        ("T", Arc::new(Float64Array::from(vec![40.0, 10.0]))),
        ("monetary", Arc::new(Float64Array::from(vec![12.5, 0.0]))),
    ]);
    let mapping = SummaryMapping {
        customer_id: "id".into(),
        monetary_value: "monetary".into(),
        ..SummaryMapping::default()
    };
    let s = CustomerSummary::from_arrow(&stream(&[b]), &mapping, Period::Day, None).unwrap();
    assert_eq!(s.customer_id, CustomerKeys::Numeric(vec![1, 2]));
    assert_eq!(s.frequency, vec![2.0, 0.0]);
    assert_eq!(s.t, vec![40.0, 10.0]);
    assert_eq!(s.monetary_value, vec![12.5, 0.0]);

    let b = batch(vec![
        ("id", Arc::new(UInt32Array::from(vec![1])) as ArrayRef),
        ("frequency", Arc::new(Float64Array::from(vec![1.0]))),
        ("recency", Arc::new(Float64Array::from(vec![50.0]))),
        ("T", Arc::new(Float64Array::from(vec![40.0]))),
        ("monetary", Arc::new(Float64Array::from(vec![1.0]))),
    ]);
    let e = CustomerSummary::from_arrow(&stream(&[b]), &mapping, Period::Day, None).unwrap_err();
    // recency 50 > T 40: reported on the mapped column.
    assert_eq!(
        (e.code(), e.column(), e.row()),
        ("E_OUT_OF_RANGE", Some("recency"), Some(1))
    );
    let renamed = SummaryMapping {
        recency: "rec".into(),
        ..mapping.clone()
    };
    let b = batch(vec![
        ("id", Arc::new(UInt32Array::from(vec![1])) as ArrayRef),
        ("frequency", Arc::new(Float64Array::from(vec![1.0]))),
        ("rec", Arc::new(Float64Array::from(vec![50.0]))),
        ("T", Arc::new(Float64Array::from(vec![40.0]))),
        ("monetary", Arc::new(Float64Array::from(vec![1.0]))),
    ]);
    let e = CustomerSummary::from_arrow(&stream(&[b]), &renamed, Period::Day, None).unwrap_err();
    assert_eq!((e.code(), e.column()), ("E_OUT_OF_RANGE", Some("rec")));
}

#[test]
fn truncated_bytes_are_coded_errors_not_panics() {
    // A partial download or an interrupted write: every prefix of a valid stream and file.
    let mut ids = StringDictionaryBuilder::<Int8Type>::new();
    for v in ["x", "y", "x"] {
        ids.append_value(v);
    }
    let b = batch(vec![
        ("cust", Arc::new(ids.finish()) as ArrayRef),
        (
            "ts",
            Arc::new(TimestampMicrosecondArray::from(vec![
                Some(1),
                None,
                Some(3),
            ])),
        ),
        ("amt", Arc::new(Float64Array::from(vec![1.0, 2.0, 3.0]))),
    ]);
    for bytes in [stream(std::slice::from_ref(&b)), file(&[b])] {
        for n in 0..bytes.len() {
            let r = std::panic::catch_unwind(|| Transactions::from_arrow(&bytes[..n], &mapping()));
            let e = r
                .unwrap_or_else(|_| panic!("prefix of {n} of {} bytes panicked", bytes.len()))
                .unwrap_err();
            assert!(
                ["E_ARROW", "E_EMPTY", "E_MISSING_VALUE"].contains(&e.code()),
                "prefix {n}: {e}"
            );
        }
    }
}

fn features(bytes: &[u8], columns: &[&str]) -> unimetric::Result<Vec<f64>> {
    let names: Vec<String> = columns.iter().map(|c| c.to_string()).collect();
    read_features(bytes, &names)
}

#[test]
fn features_are_row_major_in_the_order_named_across_batches() {
    let b = |x: Vec<Option<f64>>, n: Vec<i32>, d: Vec<i128>| {
        batch(vec![
            ("x", Arc::new(Float64Array::from(x)) as ArrayRef),
            ("n", Arc::new(Int32Array::from(n))),
            (
                "d",
                Arc::new(
                    Decimal128Array::from(d)
                        .with_precision_and_scale(6, 2)
                        .unwrap(),
                ),
            ),
            ("t", Arc::new(StringArray::from(vec!["a"; 1]))),
        ])
    };
    let one = |x, n, d| b(vec![Some(x)], vec![n], vec![d]);
    let batches = [one(1.0, 3, 125), one(2.5, 1, -50), one(4.0, 7, 0)];
    // Columns d, x, n: 1.25, 1, 3 | -0.5, 2.5, 1 | 0, 4, 7.
    let want = vec![1.25, 1.0, 3.0, -0.5, 2.5, 1.0, 0.0, 4.0, 7.0];
    assert_eq!(features(&stream(&batches), &["d", "x", "n"]).unwrap(), want);
    assert_eq!(features(&file(&batches), &["d", "x", "n"]).unwrap(), want);
    assert_eq!(
        features(&stream(&batches), &["n"]).unwrap(),
        vec![3.0, 1.0, 7.0]
    );

    let code = |bytes: &[u8], cols: &[&str]| {
        let e = features(bytes, cols).unwrap_err();
        (e.code(), e.column().map(str::to_string), e.row())
    };
    let null = stream(&[one(1.0, 3, 125), b(vec![None], vec![1], vec![0])]);
    assert_eq!(
        code(&null, &["n", "x"]),
        ("E_MISSING_VALUE", Some("x".into()), Some(2))
    );
    let nan = stream(&[one(1.0, 3, 125), one(f64::NAN, 1, 0)]);
    assert_eq!(
        code(&nan, &["x"]),
        ("E_NON_FINITE", Some("x".into()), Some(2))
    );
    let huge = stream(&[one(1e200, 3, 125)]);
    assert_eq!(
        code(&huge, &["x"]),
        ("E_OUT_OF_RANGE", Some("x".into()), Some(1))
    );
    let ok = stream(&batches);
    assert_eq!(code(&ok, &["x", "t"]).0, "E_BAD_TYPE");
    assert_eq!(code(&ok, &["x", "t"]).1.as_deref(), Some("t"));
    assert_eq!(code(&ok, &["y"]).0, "E_MISSING_COLUMN");
    assert_eq!(code(&ok, &[]).0, "E_BAD_OPTION");
    let empty = stream(&[batch(vec![(
        "x",
        Arc::new(Float64Array::from(Vec::<f64>::new())) as ArrayRef,
    )])]);
    assert_eq!(code(&empty, &["x"]).0, "E_EMPTY");
}

#[test]
fn customer_attributes_from_arrow() {
    let mut plan = StringDictionaryBuilder::<Int8Type>::new();
    for p in ["pro", "basic", "pro"] {
        plan.append_value(p);
    }
    let bytes = stream(&[batch(vec![
        (
            "id",
            Arc::new(Int64Array::from(vec![7, 5_000_000_000, 9])) as ArrayRef,
        ),
        ("seats", Arc::new(Int32Array::from(vec![3, 1, 5]))),
        ("plan", Arc::new(plan.finish())),
    ])]);
    let m = AttributeMapping {
        customer_id: "id".into(),
        numeric: vec!["seats".into()],
        categorical: vec!["plan".into()],
    };
    let a = read_attributes(&bytes, &m).unwrap();
    assert_eq!(a.customer_id, vec!["7", "5000000000", "9"]);
    assert_eq!(a.numeric, vec![("seats".to_string(), vec![3.0, 1.0, 5.0])]);
    let p = |s: &str| Some(s.to_string());
    assert_eq!(
        a.categorical,
        vec![("plan".to_string(), vec![p("pro"), p("basic"), p("pro")])]
    );

    let err = |bytes: &[u8], m: &AttributeMapping| {
        let e = read_attributes(bytes, m).unwrap_err();
        (e.code(), e.column().map(str::to_string), e.row())
    };
    let null_plan = stream(&[batch(vec![
        ("id", Arc::new(Int32Array::from(vec![1, 2])) as ArrayRef),
        ("plan", Arc::new(StringArray::from(vec![Some("pro"), None]))),
    ])]);
    let plan_only = AttributeMapping {
        customer_id: "id".into(),
        numeric: vec![],
        categorical: vec!["plan".into()],
    };
    assert_eq!(
        err(&null_plan, &plan_only),
        ("E_MISSING_VALUE", Some("plan".into()), Some(2))
    );
    let repeated = stream(&[batch(vec![
        ("id", Arc::new(Int32Array::from(vec![1, 1])) as ArrayRef),
        ("plan", Arc::new(StringArray::from(vec!["a", "b"]))),
    ])]);
    assert_eq!(
        err(&repeated, &plan_only),
        ("E_OUT_OF_RANGE", Some("id".into()), Some(2))
    );
    let numbers_as_plan = AttributeMapping {
        categorical: vec!["seats".into()],
        ..m.clone()
    };
    assert_eq!(err(&bytes, &numbers_as_plan).0, "E_BAD_TYPE");
    let text_as_seats = AttributeMapping {
        numeric: vec!["plan".into()],
        ..m
    };
    assert_eq!(err(&bytes, &text_as_seats).0, "E_BAD_TYPE");
}

/// Journeys from Arrow equal the same journeys from CSV: integer ids, timestamp columns, a
/// dictionary-encoded channel, a float value; a null channel is `E_MISSING_VALUE` at its row.
#[test]
fn journeys_from_arrow_equal_csv() {
    use unimetric::attribution::{attribution, AttributionOptions, JourneyMapping, Journeys};
    let t0 = 1_709_287_200_000i64; // 2024-03-01T10:00:00Z
    let hour = 3_600_000i64;
    let mut channel = StringDictionaryBuilder::<Int8Type>::new();
    for c in ["search", "email", "email", "direct"] {
        channel.append_value(c);
    }
    let touches = stream(&[batch(vec![
        (
            "id",
            Arc::new(Int64Array::from(vec![1, 1, 2, 2])) as ArrayRef,
        ),
        (
            "at",
            Arc::new(TimestampMillisecondArray::from(vec![
                t0,
                t0 + 24 * hour,
                t0 + 2 * hour,
                t0 + 50 * hour,
            ])) as ArrayRef,
        ),
        ("source", Arc::new(channel.finish()) as ArrayRef),
    ])]);
    let conversions = file(&[batch(vec![
        ("id", Arc::new(Int64Array::from(vec![1, 2])) as ArrayRef),
        (
            "at",
            Arc::new(TimestampMillisecondArray::from(vec![
                t0 + 26 * hour,
                t0 + 71 * hour,
            ])) as ArrayRef,
        ),
        (
            "revenue",
            Arc::new(Float64Array::from(vec![80.0, 20.0])) as ArrayRef,
        ),
    ])]);
    let mapping: JourneyMapping = serde_json::from_str(
        r#"{"journeyId":"id","timestamp":"at","channel":"source","value":"revenue"}"#,
    )
    .unwrap();
    let from_arrow = Journeys::from_arrow(&touches, &conversions, &mapping).unwrap();
    let csv_t = "id,at,source\n1,2024-03-01T10:00:00Z,search\n1,2024-03-02T10:00:00Z,email\n2,2024-03-01T12:00:00Z,email\n2,2024-03-03T12:00:00Z,direct\n";
    let csv_c = "id,at,revenue\n1,2024-03-02T12:00:00Z,80\n2,2024-03-04T09:00:00Z,20\n";
    let from_csv = Journeys::from_csv(csv_t.as_bytes(), csv_c.as_bytes(), &mapping).unwrap();
    assert_eq!(from_arrow, from_csv);
    let r = attribution(&from_arrow, &AttributionOptions::default()).unwrap();
    assert_eq!(r.channels, ["direct", "email", "search"]);
    assert_eq!(r.models["lastTouch"].value, [20.0, 80.0, 0.0]);

    let mut nulls = StringDictionaryBuilder::<Int8Type>::new();
    nulls.append_value("search");
    nulls.append_null();
    let bad = stream(&[batch(vec![
        ("id", Arc::new(Int64Array::from(vec![1, 1])) as ArrayRef),
        (
            "at",
            Arc::new(TimestampMillisecondArray::from(vec![t0, t0 + hour])) as ArrayRef,
        ),
        ("source", Arc::new(nulls.finish()) as ArrayRef),
    ])]);
    let e = Journeys::from_arrow(&bad, &conversions, &mapping).unwrap_err();
    assert_eq!(
        (e.code(), e.column(), e.row()),
        ("E_MISSING_VALUE", Some("source"), Some(2))
    );
    let e = Journeys::from_arrow(b"not arrow", &conversions, &mapping).unwrap_err();
    assert_eq!(e.code(), "E_ARROW");
}
