//! TypeScript declarations for every option and result that crosses the boundary as a plain
//! object. They are appended to the generated `.d.ts`; `pkg-config/unimetric.d.ts.golden` is the
//! committed copy a test diffs against each build.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/** A date: epoch milliseconds, an ISO-8601 string (UTC unless an offset is given), `YYYYMMDD`, or a `Date`. */
export type DateInput = number | string | Date;

/** Typed columns for `Transactions.fromColumns`; all of equal length. */
export interface TransactionColumnsInput {
  customerId: Uint32Array | ReadonlyArray<string | number>;
  /** Epoch milliseconds (`Float64Array`, numbers or Dates) or ISO-8601 strings. */
  timestamp: Float64Array | ReadonlyArray<number | Date> | ReadonlyArray<string>;
  /** Amounts; negative amounts are refunds, netted within their period. */
  amount: Float64Array | ReadonlyArray<number>;
  orderId?: Uint32Array | ReadonlyArray<string | number>;
  channel?: ReadonlyArray<string | null>;
  /** Cost per transaction (finite, same currency as amount); margin = amount − cost. */
  cost?: Float64Array | ReadonlyArray<number>;
}

/** Columns for `CustomerSummary.fromColumns`. */
export interface SummaryColumnsInput {
  customerId: Uint32Array | ReadonlyArray<string | number>;
  frequency: Float64Array | ReadonlyArray<number>;
  recency: Float64Array | ReadonlyArray<number>;
  T: Float64Array | ReadonlyArray<number>;
  monetaryValue: Float64Array | ReadonlyArray<number>;
}

/** All columns of a customer summary. */
export interface SummaryColumns {
  customerId: Uint32Array | string[];
  frequency: Float64Array;
  recency: Float64Array;
  T: Float64Array;
  monetaryValue: Float64Array;
  firstPurchase?: Float64Array;
  lastPurchase?: Float64Array;
  orders?: Float64Array;
  revenue?: Float64Array;
  acquisitionChannel?: (string | null)[];
}

/** Customer-base KPIs of a transaction table. */
export interface Kpis {
  customers: KpiValue;
  orders: KpiValue;
  revenue: KpiValue;
  averageOrderValue: KpiValue;
  repeatPurchaseRate: KpiValue;
  purchaseFrequency: KpiValue;
  revenuePerCustomer: KpiValue;
  observationEnd: number;
}

/** Stable error codes. */
export type ErrorCode =
  | "E_EMPTY" | "E_LENGTH_MISMATCH" | "E_NON_FINITE" | "E_NEGATIVE" | "E_MISSING_VALUE"
  | "E_MISSING_COLUMN" | "E_BAD_DATE" | "E_BAD_TYPE" | "E_OUT_OF_RANGE" | "E_CSV"
  | "E_UNKNOWN_OPTION" | "E_BAD_OPTION" | "E_TOO_LARGE" | "E_INSUFFICIENT_DATA"
  | "E_NOT_CONVERGED" | "E_UNDEFINED" | "E_CANCELLED" | "E_ARROW";

"#;
