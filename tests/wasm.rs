//! The JS binding, run by wasm-bindgen-test in Node (default) and in headless Chromium
//! (`WASM_BINDGEN_USE_BROWSER=1`). Values come from the hand-counted fixture described in
//! tests/summary.rs; these tests check that the binding converts inputs, options, results and
//! errors faithfully.
#![cfg(target_arch = "wasm32")]

use js_sys::{Array, Float64Array, Object, Reflect, Uint32Array};
use unimetric::wasm::summary::CustomerSummary;
use unimetric::wasm::transactions::Transactions;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

const FIXTURE: &str = include_str!("fixtures/refunds.csv");

fn obj(pairs: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (k, v) in pairs {
        Reflect::set(&o, &JsValue::from_str(k), v).unwrap();
    }
    o.into()
}

fn mapping() -> JsValue {
    obj(&[
        ("customerId", "customer".into()),
        ("timestamp", "when".into()),
        ("amount", "amount".into()),
        ("orderId", "order".into()),
        ("channel", "channel".into()),
    ])
}

fn code(e: &JsValue) -> String {
    Reflect::get(e, &"code".into())
        .unwrap()
        .as_string()
        .unwrap_or_default()
}

fn prop(e: &JsValue, k: &str) -> JsValue {
    Reflect::get(e, &JsValue::from_str(k)).unwrap()
}

fn week_end() -> JsValue {
    obj(&[
        ("period", "week".into()),
        ("observationEnd", "2024-01-31".into()),
    ])
}

#[wasm_bindgen_test]
fn csv_summary_matches_hand_count() {
    let tx = Transactions::from_csv(&FIXTURE.into(), &mapping()).unwrap();
    assert_eq!(tx.length(), 12);
    let s = tx.summary(&week_end()).unwrap();
    assert_eq!(s.frequency().to_vec(), vec![2.0, 0.0, 0.0, 0.0]);
    assert_eq!(s.recency().to_vec(), vec![4.0, 0.0, 0.0, 0.0]);
    assert_eq!(s.t().to_vec(), vec![4.0, 4.0, 4.0, 0.0]);
    assert_eq!(s.monetary_value().to_vec(), vec![32.5, 0.0, 0.0, 0.0]);
    let ids: Array = s.customer_id().dyn_into().unwrap();
    assert_eq!(
        ids.iter()
            .map(|v| v.as_string().unwrap())
            .collect::<Vec<_>>(),
        vec!["A", "B", "C", "E"]
    );
    let def = s.definition();
    assert_eq!(
        prop(&def, "metric").as_string().unwrap(),
        "customer.summary"
    );
    assert_eq!(
        prop(&prop(&def, "params"), "period").as_string().unwrap(),
        "week"
    );
}

#[wasm_bindgen_test]
fn kpis_carry_values_and_definitions() {
    let tx = Transactions::from_csv(&FIXTURE.into(), &mapping()).unwrap();
    let k = tx
        .kpis(&obj(&[("observationEnd", JsValue::from_str("2024-01-31"))]))
        .unwrap();
    let v = |key: &str| prop(&prop(&k, key), "value").as_f64().unwrap();
    assert_eq!(v("customers"), 3.0);
    assert_eq!(v("orders"), 5.0);
    assert_eq!(v("revenue"), 45.0);
    assert_eq!(v("averageOrderValue"), 9.0);
    let def = prop(&prop(&k, "averageOrderValue"), "definition");
    assert_eq!(prop(&def, "metric").as_string().unwrap(), "orders.aov");
    assert_eq!(prop(&def, "version").as_string().unwrap(), "2.1.0");
}

#[wasm_bindgen_test]
fn rows_and_columns_agree_with_csv() {
    let rows = Array::new();
    let csv = Transactions::from_csv(&FIXTURE.into(), &mapping()).unwrap();
    for line in FIXTURE.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let amount: f64 = f[3].parse().unwrap();
        rows.push(&obj(&[
            ("order", f[0].into()),
            ("customer", f[1].into()),
            ("when", f[2].into()),
            ("amount", JsValue::from_f64(amount)),
            (
                "channel",
                if f[4].is_empty() {
                    JsValue::NULL
                } else {
                    f[4].into()
                },
            ),
        ]));
    }
    let from_rows = Transactions::from_rows(&rows, &mapping()).unwrap();
    let a = csv.summary(&week_end()).unwrap();
    let b = from_rows.summary(&week_end()).unwrap();
    assert_eq!(a.t().to_vec(), b.t().to_vec());
    assert_eq!(a.monetary_value().to_vec(), b.monetary_value().to_vec());

    // Typed columns with numeric ids and epoch milliseconds.
    let ids = Uint32Array::from(&[5u32, 5, 9][..]);
    let t = Float64Array::from(&[0.0, 2.0 * 86_400_000.0, 86_400_000.0][..]);
    let amount = Float64Array::from(&[3.0, 4.0, 5.0][..]);
    let cols = obj(&[
        ("customerId", ids.clone().into()),
        ("timestamp", t.into()),
        ("amount", amount.clone().into()),
    ]);
    let tx = Transactions::from_columns(&cols, &JsValue::UNDEFINED).unwrap();
    let s = tx.summary(&JsValue::UNDEFINED).unwrap();
    assert_eq!(Uint32Array::new(&s.customer_id()).to_vec(), vec![5, 9]);
    assert_eq!(s.frequency().to_vec(), vec![1.0, 0.0]);
    assert_eq!(s.t().to_vec(), vec![2.0, 1.0]);
    // The caller's arrays are untouched.
    assert_eq!(ids.to_vec(), vec![5, 5, 9]);
    assert_eq!(amount.to_vec(), vec![3.0, 4.0, 5.0]);
}

#[wasm_bindgen_test]
fn errors_have_codes_columns_rows_and_leave_the_instance_usable() {
    let bad_date = "customer,when,amount\na,2024-01-01,1\nb,31/12/2024,2\n";
    let e = Transactions::from_csv(&bad_date.into(), &mapping_basic())
        .err()
        .unwrap();
    assert_eq!(code(&e), "E_BAD_DATE");
    assert_eq!(prop(&e, "column").as_string().unwrap(), "when");
    assert_eq!(prop(&e, "row").as_f64().unwrap(), 3.0);
    assert_eq!(prop(&e, "name").as_string().unwrap(), "UnimetricError");

    let tx = Transactions::from_csv(&FIXTURE.into(), &mapping()).unwrap();
    let e = tx.summary(&obj(&[("perod", "week".into())])).err().unwrap();
    assert_eq!(code(&e), "E_UNKNOWN_OPTION");
    let e = tx
        .summary(&obj(&[("period", "fortnight".into())]))
        .err()
        .unwrap();
    assert_eq!(code(&e), "E_BAD_OPTION");
    let e = tx
        .summary(&obj(&[("period", JsValue::from_f64(7.0))]))
        .err()
        .unwrap();
    assert_eq!(code(&e), "E_BAD_OPTION");
    let e = tx
        .summary(&obj(&[("observationEnd", "next tuesday".into())]))
        .err()
        .unwrap();
    assert_eq!(code(&e), "E_BAD_OPTION");

    let cols = obj(&[
        ("customerId", Uint32Array::from(&[1u32, 2][..]).into()),
        ("timestamp", Float64Array::from(&[0.0][..]).into()),
        ("amount", Float64Array::from(&[1.0, 2.0][..]).into()),
    ]);
    assert_eq!(
        code(
            &Transactions::from_columns(&cols, &JsValue::UNDEFINED)
                .err()
                .unwrap()
        ),
        "E_LENGTH_MISMATCH"
    );
    let cols = obj(&[
        ("customerId", Uint32Array::from(&[1u32][..]).into()),
        ("timestamp", Float64Array::from(&[0.0][..]).into()),
        ("amount", Float64Array::from(&[f64::NAN][..]).into()),
    ]);
    assert_eq!(
        code(
            &Transactions::from_columns(&cols, &JsValue::UNDEFINED)
                .err()
                .unwrap()
        ),
        "E_NON_FINITE"
    );
    let empty = Array::new();
    assert_eq!(
        code(
            &Transactions::from_rows(&empty, &mapping_basic())
                .err()
                .unwrap()
        ),
        "E_EMPTY"
    );

    // The instance still computes after all those errors.
    let s: CustomerSummary = tx.summary(&week_end()).unwrap();
    assert_eq!(s.length(), 4);
}

fn mapping_basic() -> JsValue {
    obj(&[
        ("customerId", "customer".into()),
        ("timestamp", "when".into()),
        ("amount", "amount".into()),
    ])
}
