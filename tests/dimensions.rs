//! Dimensions: text columns kept with the transactions (`ColumnMapping::dimensions`,
//! `Transactions::with_dimensions`), from CSV, rows, typed columns and Arrow, against a
//! hand-written table; the value at each customer's first purchase; coded errors.
//!
//! The table (period day):
//!
//! | row | customer | date       | amount | country | device |
//! |-----|----------|------------|--------|---------|--------|
//! | 1   | a        | 2024-01-01 | −5     | FR      | ios    |   refund: not a purchase
//! | 2   | a        | 2024-01-02T09:00 | 9 |         | web    |   first purchase of a
//! | 3   | a        | 2024-01-02T15:00 | 1 | DE      | android |
//! | 4   | b        | 2024-01-03 | 0      | FR      |        |   $0.00 order: first purchase of b
//! | 5   | a        | 2024-01-09 | 4      | FR      | ios    |
//!
//! Per row (values in first-appearance order, text trimmed, blank = missing): country FR (0),
//! DE (1), codes [0, missing, 1, 0, 0]; device ios (0), web (1), android (2), codes
//! [0, 1, 2, missing, 0].
//! At first purchase (first row with a value in the first purchase day, in time order):
//! a → Jan 2: country of row 3 (row 2 has none) = DE, device of row 2 = web;
//! b → Jan 3: country FR, device missing.
#![cfg(not(target_arch = "wasm32"))]

use unimetric::data::{Cell, RowBuilder, RowCells, MISSING_VALUE};
use unimetric::summary::{CustomerSummary, SummaryOptions};
use unimetric::{ColumnMapping, IdColumn, TimeColumn, TransactionColumns, Transactions};

const CSV: &str = "customer,date,amount,country,device\n\
                   a,2024-01-01,-5,FR,ios\n\
                   a,2024-01-02T09:00,9,,web\n\
                   a,2024-01-02T15:00,1,DE,android\n\
                   b,2024-01-03,0,FR,\n\
                   a,2024-01-09,4, FR ,ios\n";

const M: u32 = MISSING_VALUE;

fn mapping(dimensions: &[&str]) -> ColumnMapping {
    let mut m = ColumnMapping::new("customer", "date", "amount");
    m.dimensions = dimensions.iter().map(|s| s.to_string()).collect();
    m
}

fn cell(s: &str) -> Cell<'_> {
    if s.is_empty() {
        Cell::Missing
    } else {
        Cell::Text(s)
    }
}

fn check_table(tx: &Transactions) {
    assert_eq!(tx.dimension_names(), ["country", "device"]);
    let country = tx.dimension("country").unwrap();
    assert_eq!(country.name(), "country");
    assert_eq!(country.values(), ["FR", "DE"]);
    assert_eq!(country.codes(), [0, M, 1, 0, 0]);
    let device = tx.dimension("device").unwrap();
    assert_eq!(device.values(), ["ios", "web", "android"]);
    assert_eq!(device.codes(), [0, 1, 2, M, 0]);
    assert_eq!(device.value(3), None);
    assert_eq!(device.value(99), None);
    assert!(tx.dimension("plan").is_none());
    let e = tx.require_dimension("plan").unwrap_err();
    assert_eq!(e.code(), "E_BAD_OPTION");
    assert!(
        e.to_string().contains("'plan'") && e.to_string().contains("'country'"),
        "{e}"
    );
}

fn check_summary(tx: &Transactions) {
    let s = CustomerSummary::from_transactions(tx, &SummaryOptions::default()).unwrap();
    let country = s.dimension("country").unwrap();
    assert_eq!(country.codes(), [1, 0]);
    assert_eq!(
        (country.value(0), country.value(1)),
        (Some("DE"), Some("FR"))
    );
    let device = s.dimension("device").unwrap();
    assert_eq!((device.value(0), device.value(1)), (Some("web"), None));
    assert!(s.dimension("plan").is_none());
}

#[test]
fn csv_keeps_the_named_columns_as_dictionary_codes() {
    let tx = Transactions::from_csv(CSV.as_bytes(), &mapping(&["country", "device"])).unwrap();
    check_table(&tx);
    check_summary(&tx);
    // Without dimensions in the mapping, none are kept.
    let plain = Transactions::from_csv(CSV.as_bytes(), &mapping(&[])).unwrap();
    assert!(plain.dimension_names().is_empty());
}

#[test]
fn rows_and_typed_columns_give_the_same_table() {
    let rows: Vec<Vec<&str>> = CSV
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    let mut b = RowBuilder::new(&mapping(&["country", "device"]));
    for (i, r) in rows.iter().enumerate() {
        b.push_with_dimensions(
            i + 1,
            RowCells {
                customer: cell(r[0]),
                time: cell(r[1]),
                amount: cell(r[2]),
                order: Cell::Missing,
                channel: Cell::Missing,
                cost: Cell::Missing,
            },
            &[cell(r[3]), cell(r[4])],
        )
        .unwrap();
    }
    let from_rows = b.finish().unwrap();
    check_table(&from_rows);
    check_summary(&from_rows);

    let ids: Vec<String> = rows.iter().map(|r| r[0].to_string()).collect();
    let dates: Vec<String> = rows.iter().map(|r| r[1].to_string()).collect();
    let amounts: Vec<f64> = rows.iter().map(|r| r[2].parse().unwrap()).collect();
    let col = |j: usize| -> Vec<Option<String>> {
        rows.iter()
            .map(|r| (!r[j].is_empty()).then(|| r[j].to_string()))
            .collect()
    };
    let (country, device) = (col(3), col(4));
    let base = Transactions::from_columns(TransactionColumns {
        customer_id: IdColumn::Text(&ids),
        timestamp: TimeColumn::Text(&dates),
        amount: &amounts,
        order_id: None,
        channel: None,
        cost: None,
    })
    .unwrap();
    let tx = base
        .clone()
        .with_dimensions(&[("country", &country), ("device", &device)])
        .unwrap();
    check_table(&tx);
    check_summary(&tx);

    // Errors of typed columns: an empty name, a repeated one, a wrong length.
    let e = base
        .clone()
        .with_dimensions(&[(" ", &country)])
        .unwrap_err();
    assert_eq!((e.code(), e.column()), ("E_BAD_OPTION", Some("dimensions")));
    let e = base
        .clone()
        .with_dimensions(&[("country", &country), ("country", &device)])
        .unwrap_err();
    assert_eq!(e.code(), "E_BAD_OPTION");
    assert!(
        e.to_string().contains("'country' is named more than once"),
        "{e}"
    );
    let e = tx.with_dimensions(&[("device", &device)]).unwrap_err();
    assert!(e.to_string().contains("'device'"), "{e}");
    let e = base
        .with_dimensions(&[("country", &country[..2])])
        .unwrap_err();
    assert_eq!(
        (e.code(), e.column()),
        ("E_LENGTH_MISMATCH", Some("country"))
    );
}

#[test]
fn mapping_errors_name_the_dimension() {
    // A column the CSV does not have.
    let e = Transactions::from_csv(CSV.as_bytes(), &mapping(&["country", "plan"])).unwrap_err();
    assert_eq!((e.code(), e.column()), ("E_MISSING_COLUMN", Some("plan")));
    // An empty name and a repeated name, from JSON and from a mapping built in Rust.
    for json in [
        r#"{"customerId":"customer","timestamp":"date","amount":"amount","dimensions":[""]}"#,
        r#"{"customerId":"customer","timestamp":"date","amount":"amount","dimensions":["country","country"]}"#,
    ] {
        let err = serde_json::from_str::<ColumnMapping>(json).unwrap_err();
        assert!(err.to_string().contains("dimension"), "{err}");
    }
    for dims in [&["country", "country"][..], &["", "device"][..]] {
        let e = Transactions::from_csv(CSV.as_bytes(), &mapping(dims)).unwrap_err();
        assert_eq!((e.code(), e.column()), ("E_BAD_OPTION", Some("dimensions")));
        let b = RowBuilder::new(&mapping(dims));
        assert_eq!(b.finish().unwrap_err().code(), "E_BAD_OPTION");
    }
    // A row value that is not text.
    let mut b = RowBuilder::new(&mapping(&["country"]));
    let e = b
        .push_with_dimensions(
            4,
            RowCells {
                customer: Cell::Text("a"),
                time: Cell::Text("2024-01-01"),
                amount: Cell::Number(1.0),
                order: Cell::Missing,
                channel: Cell::Missing,
                cost: Cell::Missing,
            },
            &[Cell::Number(49.0)],
        )
        .unwrap_err();
    assert_eq!(
        (e.code(), e.column(), e.row()),
        ("E_BAD_TYPE", Some("country"), Some(4))
    );
    let e = b
        .push_with_dimensions(
            5,
            RowCells {
                customer: Cell::Text("a"),
                time: Cell::Text("2024-01-01"),
                amount: Cell::Number(1.0),
                order: Cell::Missing,
                channel: Cell::Missing,
                cost: Cell::Missing,
            },
            &[Cell::Other("boolean")],
        )
        .unwrap_err();
    assert_eq!((e.code(), e.column()), ("E_BAD_TYPE", Some("country")));
}

#[cfg(feature = "arrow")]
#[allow(dead_code)]
#[path = "support/arrow_ipc.rs"]
mod arrow_ipc;

#[cfg(feature = "arrow")]
mod arrow {
    use super::*;
    use crate::arrow_ipc::{batch, stream};
    use arrow_array::builder::StringDictionaryBuilder;
    use arrow_array::types::Int8Type;
    use arrow_array::{ArrayRef, Float64Array, Int32Array, LargeStringArray, StringArray};
    use std::sync::Arc;

    fn bytes(device: ArrayRef) -> Vec<u8> {
        let mut country = StringDictionaryBuilder::<Int8Type>::new();
        for v in [Some("FR"), None, Some("DE"), Some("FR"), Some(" FR ")] {
            match v {
                Some(v) => {
                    country.append_value(v);
                }
                None => country.append_null(),
            }
        }
        stream(&[batch(vec![
            (
                "customer",
                Arc::new(StringArray::from(vec!["a", "a", "a", "b", "a"])) as ArrayRef,
            ),
            (
                "date",
                Arc::new(StringArray::from(vec![
                    "2024-01-01",
                    "2024-01-02T09:00",
                    "2024-01-02T15:00",
                    "2024-01-03",
                    "2024-01-09",
                ])),
            ),
            (
                "amount",
                Arc::new(Float64Array::from(vec![-5.0, 9.0, 1.0, 0.0, 4.0])),
            ),
            ("country", Arc::new(country.finish())),
            ("device", device),
        ])])
    }

    #[test]
    fn utf8_and_dictionary_columns_give_the_same_table() {
        let device: ArrayRef = Arc::new(LargeStringArray::from(vec![
            Some("ios"),
            Some("web"),
            Some("android"),
            Some(""),
            Some("ios"),
        ]));
        let tx = Transactions::from_arrow(bytes(device), &mapping(&["country", "device"])).unwrap();
        check_table(&tx);
        check_summary(&tx);
    }

    #[test]
    fn arrow_errors_name_the_column() {
        let ints: ArrayRef = Arc::new(Int32Array::from(vec![1, 2, 3, 4, 5]));
        let e = Transactions::from_arrow(bytes(ints.clone()), &mapping(&["country", "device"]))
            .unwrap_err();
        assert_eq!((e.code(), e.column()), ("E_BAD_TYPE", Some("device")));
        let e = Transactions::from_arrow(bytes(ints.clone()), &mapping(&["plan"])).unwrap_err();
        assert_eq!((e.code(), e.column()), ("E_MISSING_COLUMN", Some("plan")));
        let e =
            Transactions::from_arrow(bytes(ints), &mapping(&["country", "country"])).unwrap_err();
        assert_eq!((e.code(), e.column()), ("E_BAD_OPTION", Some("dimensions")));
    }
}
