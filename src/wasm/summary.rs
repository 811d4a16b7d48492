//! `CustomerSummary` for JS.

use super::convert::{
    bad_option, check_keys, f64_column, get, id_column, object_keys, type_name, JsResult,
};
use super::interop::{read, to_js};
use crate::data::CustomerKeys;
use crate::error::{join_names, Error};
use crate::summary::{SummaryColumns, SummaryOptions};
use js_sys::{Array, Float64Array, Object, Reflect, Uint32Array};
use wasm_bindgen::prelude::*;

const COLUMN_KEYS: &[&str] = &["customerId", "frequency", "recency", "T", "monetaryValue"];

/// The per-customer summary table (`customer.summary`), held in WebAssembly memory.
#[wasm_bindgen]
pub struct CustomerSummary {
    inner: crate::CustomerSummary,
}

impl CustomerSummary {
    pub(crate) fn wrap(inner: crate::CustomerSummary) -> Self {
        CustomerSummary { inner }
    }

    pub(crate) fn core(&self) -> &crate::CustomerSummary {
        &self.inner
    }
}

fn f64s(v: &[f64]) -> Float64Array {
    Float64Array::from(v)
}

fn keys_js(k: &CustomerKeys) -> JsValue {
    match k {
        CustomerKeys::Numeric(v) => Uint32Array::from(&v[..]).into(),
        CustomerKeys::Text(v) => v
            .iter()
            .map(|s| JsValue::from_str(s))
            .collect::<Array>()
            .into(),
    }
}

#[wasm_bindgen]
impl CustomerSummary {
    /// A summary from columns computed elsewhere (e.g. in a warehouse).
    #[wasm_bindgen(js_name = fromColumns)]
    pub fn from_columns(
        #[wasm_bindgen(unchecked_param_type = "SummaryColumnsInput")] columns: &JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "SummaryOptions")] options: &JsValue,
    ) -> JsResult<CustomerSummary> {
        Ok(CustomerSummary::wrap(from_columns(columns, options)?))
    }

    /// Number of customers.
    #[wasm_bindgen(getter)]
    pub fn length(&self) -> u32 {
        self.inner.len() as u32
    }

    /// Period unit of recency and T.
    #[wasm_bindgen(getter, unchecked_return_type = "Period")]
    pub fn period(&self) -> String {
        self.inner.period.as_str().into()
    }

    /// Observation end (epoch ms), if known.
    #[wasm_bindgen(getter, js_name = observationEnd)]
    pub fn observation_end(&self) -> Option<f64> {
        self.inner.observation_end.map(|v| v as f64)
    }

    /// Customer ids (`Uint32Array` when built from numeric ids, else `string[]`).
    #[wasm_bindgen(getter, js_name = customerId, unchecked_return_type = "Uint32Array | string[]")]
    pub fn customer_id(&self) -> JsValue {
        keys_js(&self.inner.customer_id)
    }

    /// Repeat purchase periods.
    #[wasm_bindgen(getter)]
    pub fn frequency(&self) -> Float64Array {
        f64s(&self.inner.frequency)
    }

    /// Periods between first and last purchase.
    #[wasm_bindgen(getter)]
    pub fn recency(&self) -> Float64Array {
        f64s(&self.inner.recency)
    }

    /// Periods between first purchase and observation end.
    #[wasm_bindgen(getter, js_name = T)]
    pub fn t(&self) -> Float64Array {
        f64s(&self.inner.t)
    }

    /// Mean net amount of repeat purchase periods (0 without repeats).
    #[wasm_bindgen(getter, js_name = monetaryValue)]
    pub fn monetary_value(&self) -> Float64Array {
        f64s(&self.inner.monetary_value)
    }

    /// Time of the first purchase (epoch ms); undefined for summaries built from columns.
    #[wasm_bindgen(getter, js_name = firstPurchase)]
    pub fn first_purchase(&self) -> Option<Float64Array> {
        self.inner.details.as_ref().map(|d| f64s(&d.first_purchase))
    }

    /// Time of the last purchase (epoch ms); undefined for summaries built from columns.
    #[wasm_bindgen(getter, js_name = lastPurchase)]
    pub fn last_purchase(&self) -> Option<Float64Array> {
        self.inner.details.as_ref().map(|d| f64s(&d.last_purchase))
    }

    /// Orders per customer; undefined for summaries built from columns.
    #[wasm_bindgen(getter)]
    pub fn orders(&self) -> Option<Float64Array> {
        self.inner.details.as_ref().map(|d| f64s(&d.orders))
    }

    /// Net revenue per customer; undefined for summaries built from columns.
    #[wasm_bindgen(getter)]
    pub fn revenue(&self) -> Option<Float64Array> {
        self.inner.details.as_ref().map(|d| f64s(&d.revenue))
    }

    /// Acquisition channel per customer; undefined without a channel column.
    #[wasm_bindgen(getter, js_name = acquisitionChannel, unchecked_return_type = "(string | null)[] | undefined")]
    pub fn acquisition_channel(&self) -> JsValue {
        match self
            .inner
            .details
            .as_ref()
            .and_then(|d| d.acquisition_channel.as_ref())
        {
            Some(v) => v
                .iter()
                .map(|c| c.as_deref().map_or(JsValue::NULL, JsValue::from_str))
                .collect::<Array>()
                .into(),
            None => JsValue::UNDEFINED,
        }
    }

    /// Dimension `name` of the transactions at each customer's first purchase: `{ name, codes,
    /// values }`, one code per row of the summary (4294967295 = missing). `E_BAD_OPTION` for a
    /// dimension the transactions lack.
    #[wasm_bindgen(unchecked_return_type = "Dimension")]
    pub fn dimension(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] name: &JsValue,
    ) -> JsResult<JsValue> {
        let name = super::convert::dimension_name(name)?;
        Ok(to_js(self.inner.require_dimension(&name)?))
    }

    /// Customers left out for having no purchase period (only refunds).
    #[wasm_bindgen(getter, js_name = excludedCustomers)]
    pub fn excluded_customers(&self) -> u32 {
        self.inner.excluded_customers as u32
    }

    /// The definition reference: `{ metric: "customer.summary", version, params }`.
    #[wasm_bindgen(getter, unchecked_return_type = "DefinitionRef")]
    pub fn definition(&self) -> JsValue {
        to_js(&self.inner.definition())
    }

    /// All columns at once as a plain object.
    #[wasm_bindgen(js_name = toColumns, unchecked_return_type = "SummaryColumns")]
    pub fn to_columns(&self) -> JsValue {
        let o = Object::new();
        let set = |k: &str, v: JsValue| {
            let _ = Reflect::set(&o, &JsValue::from_str(k), &v);
        };
        set("customerId", self.customer_id());
        set("frequency", self.frequency().into());
        set("recency", self.recency().into());
        set("T", self.t().into());
        set("monetaryValue", self.monetary_value().into());
        if let Some(d) = &self.inner.details {
            set("firstPurchase", f64s(&d.first_purchase).into());
            set("lastPurchase", f64s(&d.last_purchase).into());
            set("orders", f64s(&d.orders).into());
            set("revenue", f64s(&d.revenue).into());
            if d.acquisition_channel.is_some() {
                set("acquisitionChannel", self.acquisition_channel());
            }
        }
        o.into()
    }
}

fn from_columns(columns: &JsValue, options: &JsValue) -> crate::Result<crate::CustomerSummary> {
    if !columns.is_object() || Array::is_array(columns) {
        let found = type_name(columns);
        return Err(bad_option(
            "columns",
            format!("expected an object of columns, found {found}"),
        ));
    }
    check_keys(columns, "CustomerSummary.fromColumns", COLUMN_KEYS)?;
    let opts: SummaryOptions = read(options, "CustomerSummary.fromColumns")?;
    let col = |key: &str| {
        let v = Some(get(columns, key)).filter(|v| !v.is_undefined() && !v.is_null());
        v.ok_or_else(|| Error::MissingColumn {
            column: key.into(),
            field: key.into(),
            available: join_names(object_keys(columns)),
        })
    };
    let number = |key: &str| f64_column(&col(key)?, key);
    let ids = id_column(&col("customerId")?, "customerId")?;
    let (frequency, recency) = (number("frequency")?, number("recency")?);
    let (t, monetary_value) = (number("T")?, number("monetaryValue")?);
    let columns = SummaryColumns {
        customer_id: ids.as_column(),
        frequency: &frequency,
        recency: &recency,
        t: &t,
        monetary_value: &monetary_value,
    };
    crate::CustomerSummary::from_columns(columns, opts.period, opts.fixed_observation_end())
}
