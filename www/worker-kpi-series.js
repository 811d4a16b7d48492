// The KPI tiles' monthly series (issue #20, part 4): the library's kpiSeries for the metrics the
// tiles show, cut to the last buckets the page draws, with each series' definition.

import { getDefinition, kpiSeries } from "/pkg/unimetric.js";

/**
 * Tile key (a field of kpis()) → the series metric its sparkline and changes show. Tiles without
 * an entry get no series. The repeat tile's series is the share of each month's active customers
 * who had bought before (customers.repeat_share), not the KPI's repeat rate over the period.
 */
export const TILE_SERIES = {
  revenue: "revenue.net",
  orders: "orders.count",
  averageOrderValue: "orders.aov",
  customers: "customers.active",
  repeatPurchaseRate: "customers.repeat_share",
};

/** Buckets sent to the page: 12 complete months for the sparkline, the partial one, and spare. */
export const SERIES_BUCKETS = 24;

/**
 * Monthly series of the tiles' metrics up to `observationEnd` (date text or epoch ms; the last
 * transaction when absent), the last SERIES_BUCKETS buckets of each: `{ time, series: { [id]:
 * { value, previous, lastYear, definition } }, definitions, tiles }` (typed arrays).
 */
export function tileSeries(tx, observationEnd) {
  const metrics = [...new Set(Object.values(TILE_SERIES))];
  const options = { bucket: "month", metrics };
  if (observationEnd !== undefined) options.end = observationEnd;
  const result = kpiSeries(tx, options);
  const from = Math.max(0, result.time.length - SERIES_BUCKETS);
  const series = {};
  const definitions = {};
  for (const id of metrics) {
    const s = result.series[id];
    series[id] = {
      value: s.value.slice(from),
      previous: s.previous.slice(from),
      lastYear: s.lastYear.slice(from),
      definition: s.definition,
    };
    definitions[id] = getDefinition(id);
  }
  return { time: result.time.slice(from), series, definitions, tiles: TILE_SERIES };
}
