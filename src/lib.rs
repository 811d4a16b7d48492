//! # unimetric
//!
//! One versioned definition of each customer metric — customer summary (RFM + tenure),
//! customer-base KPIs, and (as they land) LTV, CAC, churn propensity and segments — computed
//! identically natively, in Node and in the browser (WebAssembly).
//!
//! The crate is a pure-Rust core; the JavaScript binding lives in `src/wasm/` and is compiled
//! only for `wasm32`. Every metric has a [`glossary::Definition`] next to its code, and every
//! result carries a [`glossary::DefinitionRef`] naming the metric, its version and the
//! parameters used.
//!
//! ```
//! use unimetric::{ColumnMapping, Transactions, summary::{CustomerSummary, SummaryOptions}};
//! let csv = "customer,date,amount\n\
//!            a,2024-01-01,20\n\
//!            a,2024-01-15,35\n\
//!            b,2024-01-10,12.5\n";
//! let tx = Transactions::from_csv(csv.as_bytes(), &ColumnMapping::new("customer", "date", "amount")).unwrap();
//! let s = CustomerSummary::from_transactions(&tx, &SummaryOptions::default()).unwrap();
//! assert_eq!(s.frequency, vec![1.0, 0.0]);       // a bought again; b did not
//! assert_eq!(s.recency, vec![14.0, 0.0]);        // days between first and last purchase
//! assert_eq!(s.t, vec![14.0, 5.0]);              // days from first purchase to the end (Jan 15)
//! assert_eq!(s.monetary_value, vec![35.0, 0.0]); // mean repeat spend
//! ```
#![deny(missing_docs)]
#![cfg_attr(not(target_arch = "wasm32"), forbid(unsafe_code))]

pub mod anomaly;
pub mod attribution;
pub mod cac;
pub mod catalog;
pub mod churn;
pub mod cohort;
pub mod columns;
pub mod data;
pub mod error;
pub mod experiment;
pub mod glossary;
pub mod kpi;
pub mod kpi_series;
pub mod ltv;
pub mod progress;
pub mod segment;
pub mod sim;
pub mod spec;
pub mod summary;

/// The JavaScript binding (compiled for `wasm32` only). Exposed so wasm-bindgen tests can call
/// it; JavaScript users reach it through the npm package.
#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use data::{
    ColumnMapping, CustomerKeys, IdColumn, Period, TimeColumn, TransactionColumns, Transactions,
};
pub use error::{Error, Result};
pub use summary::{CustomerSummary, SummaryOptions};
