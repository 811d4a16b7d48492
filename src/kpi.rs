//! Customer-base KPIs: customers, orders, revenue, average order value, repeat-purchase rate,
//! purchase frequency and revenue per customer — each its own glossary metric.
//!
//! All KPIs are computed over the observation window of a [`SummaryOptions`]: transactions in
//! periods after the observation-end period are ignored, exactly as in the customer summary.

use crate::data::Transactions;
use crate::error::Result;
use crate::glossary::{Definition, DefinitionRef, ParamValue, ParameterDef};
use crate::summary::{CustomerSummary, SummaryOptions};
use serde::Serialize;

const WINDOW_PARAMS: &[ParameterDef] = &[
    ParameterDef::new("period", "\"day\"", "Calendar period used to merge same-period transactions into one purchase (day, week, month, quarter; local to the timezone).").text("day").one_of(crate::data::Period::NAMES),
    crate::data::dates::OBSERVATION_END,
    crate::data::dates::TIMEZONE,
    crate::data::dates::WEEK_START,
];

const TX_INPUT: &str = "Transactions (customer id, timestamp, amount; optional order id).";

/// `customers.count`.
pub const CUSTOMERS: Definition = Definition {
    id: "customers.count",
    version: "2.1.0",
    name: "Customers",
    description:
        "Number of distinct customers with at least one purchase in the observation window.",
    formula:
        "count of customers with ≥ 1 purchase period (a period with a transaction of amount ≥ 0) on or before observationEnd",
    unit: "customers",
    parameters: WINDOW_PARAMS,
    inputs: TX_INPUT,
    depends_on: &["customer.summary"],
};

/// `orders.count`.
pub const ORDERS: Definition = Definition {
    id: "orders.count",
    version: "2.1.0",
    name: "Orders",
    description: "Number of orders in the observation window. With an order id column, rows sharing an order id are one order; without it, every row with amount ≥ 0 is an order ($0.00 orders count). Refund rows (negative amounts) are not orders.",
    formula: "Σ over customers of distinct order ids (or rows) with amount ≥ 0, on or before observationEnd",
    unit: "orders",
    parameters: WINDOW_PARAMS,
    inputs: TX_INPUT,
    depends_on: &["customer.summary"],
};

/// `revenue.net`.
pub const REVENUE: Definition = Definition {
    id: "revenue.net",
    version: "1.1.0",
    name: "Net revenue",
    description: "Sum of all transaction amounts in the observation window, refunds subtracted.",
    formula: "Σ amount over transactions on or before observationEnd",
    unit: "currency",
    parameters: WINDOW_PARAMS,
    inputs: TX_INPUT,
    depends_on: &[],
};

/// `orders.aov`.
pub const AOV: Definition = Definition {
    id: "orders.aov",
    version: "2.1.0",
    name: "Average order value",
    description: "Net revenue per order.",
    formula: "revenue.net ÷ orders.count",
    unit: "currency per order",
    parameters: WINDOW_PARAMS,
    inputs: TX_INPUT,
    depends_on: &["revenue.net", "orders.count"],
};

/// `customers.repeat_rate`.
pub const REPEAT_RATE: Definition = Definition {
    id: "customers.repeat_rate",
    version: "2.1.0",
    name: "Repeat-purchase rate",
    description: "Share of customers who bought in at least two different periods. Depends on the period: with period = day, two orders on the same day are one purchase.",
    formula: "customers with frequency ≥ 1 ÷ customers.count",
    unit: "fraction (0–1)",
    parameters: WINDOW_PARAMS,
    inputs: TX_INPUT,
    depends_on: &["customer.summary", "customers.count"],
};

/// `customers.purchase_frequency`.
pub const PURCHASE_FREQUENCY: Definition = Definition {
    id: "customers.purchase_frequency",
    version: "2.1.0",
    name: "Purchase frequency",
    description: "Average number of orders per customer in the observation window.",
    formula: "orders.count ÷ customers.count",
    unit: "orders per customer",
    parameters: WINDOW_PARAMS,
    inputs: TX_INPUT,
    depends_on: &["orders.count", "customers.count"],
};

/// `revenue.per_customer`.
pub const REVENUE_PER_CUSTOMER: Definition = Definition {
    id: "revenue.per_customer",
    version: "2.1.0",
    name: "Average revenue per customer",
    description: "Net revenue in the observation window divided by the number of customers.",
    formula: "revenue.net ÷ customers.count",
    unit: "currency per customer",
    parameters: WINDOW_PARAMS,
    inputs: TX_INPUT,
    depends_on: &["revenue.net", "customers.count"],
};

/// All KPI definitions, in display order.
pub const DEFINITIONS: &[Definition] = &[
    CUSTOMERS,
    ORDERS,
    REVENUE,
    AOV,
    REPEAT_RATE,
    PURCHASE_FREQUENCY,
    REVENUE_PER_CUSTOMER,
];

/// One KPI value with its definition reference; JS `KpiValue`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
pub struct KpiValue {
    /// Short key (`customers`, `orders`, `revenue`, `averageOrderValue`, `repeatPurchaseRate`,
    /// `purchaseFrequency`, `revenuePerCustomer`): the key of the value in the serialised
    /// [`Kpis`].
    #[serde(skip)]
    pub key: &'static str,
    /// The value.
    pub value: f64,
    /// Unit (from the definition).
    pub unit: &'static str,
    /// Name (from the definition).
    pub name: &'static str,
    /// Definition reference with the window parameters.
    pub definition: DefinitionRef,
}

/// The customer-base KPIs of a transaction table. Serialised as JS `Kpis`: an object with one
/// [`KpiValue`] under each key, in display order, and `observationEnd`.
#[derive(Debug, Clone, PartialEq)]
pub struct Kpis {
    /// The KPIs in display order.
    pub values: Vec<KpiValue>,
    /// Observation end used (epoch ms).
    pub observation_end: i64,
}

impl Serialize for Kpis {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.values.len() + 1))?;
        for v in &self.values {
            m.serialize_entry(v.key, v)?;
        }
        m.serialize_entry("observationEnd", &self.observation_end)?;
        m.end()
    }
}

impl Kpis {
    /// Computes every KPI of `tx` over the window in `opts`.
    ///
    /// ```
    /// use unimetric::{Transactions, TransactionColumns, IdColumn, TimeColumn, kpi::Kpis};
    /// const DAY: f64 = 86_400_000.0;
    /// let tx = Transactions::from_columns(TransactionColumns {
    ///     customer_id: IdColumn::Numeric(&[1, 1, 2]),
    ///     timestamp: TimeColumn::EpochMs(&[0.0, 2.0 * DAY, DAY]),
    ///     amount: &[30.0, 10.0, 20.0], order_id: None, channel: None, cost: None,
    /// }).unwrap();
    /// let k = Kpis::compute(&tx, &Default::default()).unwrap();
    /// assert_eq!(k.get("revenue"), Some(60.0));
    /// assert_eq!(k.get("averageOrderValue"), Some(20.0));
    /// assert_eq!(k.get("repeatPurchaseRate"), Some(0.5));
    /// ```
    pub fn compute(tx: &Transactions, opts: &SummaryOptions) -> Result<Kpis> {
        let summary = CustomerSummary::from_transactions(tx, opts)?;
        Ok(Self::from_summary(tx, &summary))
    }

    /// Computes the KPIs given the summary of `tx` (computed with the same options).
    pub fn from_summary(tx: &Transactions, summary: &CustomerSummary) -> Kpis {
        let observation_end = summary.observation_end.unwrap_or_else(|| tx.time_range().1);
        let utc = crate::data::Calendar::utc();
        let cal = summary.calendar.as_ref().unwrap_or(&utc);
        let end_period = cal.index(summary.period, observation_end);
        let mut revenue = 0.0;
        for (&t, &a) in tx.timestamp.iter().zip(&tx.amount) {
            if cal.index(summary.period, t) <= end_period {
                revenue += a;
            }
        }
        let customers = summary.len() as f64;
        let orders: f64 = summary
            .details
            .as_ref()
            .map(|d| d.orders.iter().sum())
            .unwrap_or(0.0);
        let repeaters = summary.frequency.iter().filter(|&&f| f >= 1.0).count() as f64;
        let def = |d: &'static Definition| {
            DefinitionRef::new(d)
                .with("period", ParamValue::Text(summary.period.as_str().into()))
                .with("observationEnd", ParamValue::Number(observation_end as f64))
                .with("timezone", ParamValue::Text(cal.zone().name().into()))
                .with("weekStart", ParamValue::Number(f64::from(cal.week_start())))
        };
        let kv = |key, value, d: &'static Definition| KpiValue {
            key,
            value,
            unit: d.unit,
            name: d.name,
            definition: def(d),
        };
        Kpis {
            values: vec![
                kv("customers", customers, &CUSTOMERS),
                kv("orders", orders, &ORDERS),
                kv("revenue", revenue, &REVENUE),
                kv("averageOrderValue", revenue / orders, &AOV),
                kv("repeatPurchaseRate", repeaters / customers, &REPEAT_RATE),
                kv("purchaseFrequency", orders / customers, &PURCHASE_FREQUENCY),
                kv(
                    "revenuePerCustomer",
                    revenue / customers,
                    &REVENUE_PER_CUSTOMER,
                ),
            ],
            observation_end,
        }
    }

    /// The value of the KPI with short key `key`.
    pub fn get(&self, key: &str) -> Option<f64> {
        self.values.iter().find(|v| v.key == key).map(|v| v.value)
    }
}
