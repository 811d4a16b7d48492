//! KPI series for JS: `kpiSeries(transactions, options)`, with optional traffic
//! (`{ date, visits, channel? }` as columns, rows or CSV) for `traffic.conversion_rate`.

use super::convert::{
    bad_option, bad_type, check_keys, csv_bytes, ensure_fits, f64_column, for_each_row, get,
    given_column, required_column, time_column, type_name, JsResult, OwnedCell, TEXT_ENTRY_BYTES,
};
use super::interop::{read, read_with, to_js};
use super::transactions::Transactions;
use crate::data::traffic::{Traffic, TrafficMapping};
use crate::data::{TimeColumn, Zone};
use crate::kpi_series::KpiSeriesOptions;
use js_sys::Array;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_KPI_SERIES: &'static str = r#"
/** Visits per date (and channel), the base of `traffic.conversion_rate`: columns of one length. */
export interface TrafficColumns {
  /** Epoch ms, `Date`s or ISO 8601 text (bare dates in the transactions' zone). */
  date: Float64Array | ReadonlyArray<number | string | Date>;
  visits: Float64Array | ReadonlyArray<number>;
  channel?: ReadonlyArray<string | null>;
}
/** One row of traffic. */
export interface TrafficRow {
  date: number | string | Date;
  visits: number;
  channel?: string | null;
}
/** Which CSV columns hold the traffic fields (default `date` and `visits`, no channel). */
export interface TrafficMapping {
  date: string;
  visits: string;
  channel?: string;
  /** IANA zone of naive dates (default: the transactions' zone). */
  timezone?: string;
}
export interface KpiSeriesOptions {
  /** Visits, for `traffic.conversion_rate`: columns, rows, or CSV text or bytes. */
  traffic?: TrafficColumns | ReadonlyArray<TrafficRow> | string | Uint8Array;
  /** The columns of traffic given as CSV. */
  trafficMapping?: TrafficMapping;
}
"#;

/// The KPIs bucket by bucket (`revenue.net`, `orders.count`, `orders.aov`, `customers.active`,
/// `customers.new`, `customers.repeat_share`, and `traffic.conversion_rate` with `traffic`),
/// each with `previous` and `lastYear`, optionally split `by` channel or a dimension.
#[wasm_bindgen(js_name = kpiSeries, unchecked_return_type = "KpiSeries")]
pub fn kpi_series(
    transactions: &Transactions,
    #[wasm_bindgen(unchecked_optional_param_type = "KpiSeriesOptions")] options: &JsValue,
) -> JsResult<JsValue> {
    Ok(to_js(&series(transactions, options)?))
}

fn series(
    transactions: &Transactions,
    options: &JsValue,
) -> crate::Result<crate::kpi_series::KpiSeries> {
    let opts: KpiSeriesOptions = read_with(options, "kpiSeries", &["traffic", "trafficMapping"])?;
    let tx = transactions.core();
    let traffic = if options.is_object() {
        read_traffic(options, tx.timezone())?
    } else {
        None
    };
    crate::kpi_series::kpi_series_with_traffic(tx, traffic.as_ref(), &opts)
}

/// The option `traffic` (none when absent): columns, rows, or CSV under `trafficMapping`.
pub(super) fn read_traffic(options: &JsValue, zone: &Zone) -> crate::Result<Option<Traffic>> {
    let value = get(options, "traffic");
    let mapping = given_column(options, "trafficMapping");
    if value.is_undefined() || value.is_null() {
        if mapping.is_some() {
            return Err(bad_option(
                "trafficMapping",
                "names the columns of traffic given as CSV; give the traffic too",
            ));
        }
        return Ok(None);
    }
    if value.is_string() || value.dyn_ref::<js_sys::Uint8Array>().is_some() {
        let m = match mapping {
            Some(mv) => {
                let mut m: TrafficMapping = read(&mv, "kpiSeries (trafficMapping)")?;
                if get(&mv, "timezone").is_undefined() {
                    m.timezone = zone.clone();
                }
                m
            }
            None => TrafficMapping {
                timezone: zone.clone(),
                ..TrafficMapping::new("date", "visits")
            },
        };
        return Traffic::from_csv(&csv_bytes(&value)?, &m).map(Some);
    }
    if mapping.is_some() {
        return Err(bad_option(
            "trafficMapping",
            "names the columns of traffic given as CSV; columns and rows use date, visits and channel",
        ));
    }
    read_traffic_value(&value, zone).map(Some)
}

/// Traffic given as columns `{ date, visits, channel? }` or rows (bare dates in `zone`).
pub(super) fn read_traffic_value(value: &JsValue, zone: &Zone) -> crate::Result<Traffic> {
    if Array::is_array(value) {
        return traffic_rows(value, zone);
    }
    if !value.is_object() || value.is_function() {
        return Err(bad_option(
            "traffic",
            format!(
                "expected columns {{ date, visits, channel? }}, an array of rows or CSV text, found {}",
                type_name(value)
            ),
        ));
    }
    check_keys(value, "kpiSeries (traffic)", &["date", "visits", "channel"])?;
    let time = |cell: crate::data::Cell<'_>, row: usize| {
        crate::data::time_value_in(cell, "date", row, zone, crate::data::dates::DateFormat::Iso)
            .map(|t| t as f64)
    };
    let dates = time_column(&required_column(value, "date")?, "date", time)?;
    let visits = f64_column(&required_column(value, "visits")?, "visits")?;
    let channel = given_column(value, "channel")
        .map(|c| channel_column(&c))
        .transpose()?;
    Traffic::from_columns(
        TimeColumn::EpochMs(&dates),
        &visits,
        channel.as_deref(),
        zone,
    )
}

/// A channel column: an array of names (null for none).
fn channel_column(value: &JsValue) -> crate::Result<Vec<Option<String>>> {
    let arr: &Array = value
        .dyn_ref()
        .ok_or_else(|| bad_type("channel", 0, "an array of channel names", value))?;
    ensure_fits("channel", arr.length() as usize, TEXT_ENTRY_BYTES)?;
    super::convert::each(arr, |row, x| match OwnedCell::from_js(&x) {
        OwnedCell::Text(s) => Ok(Some(s)),
        OwnedCell::Missing => Ok(None),
        _ => Err(bad_type("channel", row, "a channel name (a string)", &x)),
    })
}

/// Traffic rows `{ date, visits, channel? }` (channel read when the first row has one).
fn traffic_rows(rows: &JsValue, zone: &Zone) -> crate::Result<Traffic> {
    let first = Array::from(rows).get(0);
    let with_channel = first.is_object() && !get(&first, "channel").is_undefined();
    let mut fields = vec![("date", "date"), ("visits", "visits")];
    if with_channel {
        fields.push(("channel", "channel"));
    }
    let (mut dates, mut visits, mut channel) = (Vec::new(), Vec::new(), Vec::new());
    for_each_row(rows, &fields, |row, cells| {
        let t = crate::data::time_value_in(
            cells[0].cell(),
            "date",
            row,
            zone,
            crate::data::dates::DateFormat::Iso,
        )?;
        dates.push(t as f64);
        visits.push(match &cells[1] {
            OwnedCell::Number(v) => *v,
            OwnedCell::Missing => return Err(super::convert::missing("visits", row)),
            OwnedCell::Text(_) | OwnedCell::Other(_) => {
                return Err(crate::error::Error::BadType {
                    column: "visits".into(),
                    row,
                    expected: "a number".into(),
                    found: "another type".into(),
                })
            }
        });
        if with_channel {
            channel.push(match cells.get(2) {
                Some(OwnedCell::Text(s)) => Some(s.clone()),
                _ => None,
            });
        }
        Ok(())
    })?;
    Traffic::from_columns(
        TimeColumn::EpochMs(&dates),
        &visits,
        with_channel.then_some(channel.as_slice()),
        zone,
    )
}
