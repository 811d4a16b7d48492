// The KPI tiles' trend (issue #20, part 4): a sparkline of the last 12 complete months and the
// last complete month's change against the month before and the same month a year earlier, from
// the library's kpiSeries (the worker's `compute` task returns it as `series`).

import { LOCALE, formatValue, h } from "./format.js";
import { formatParams } from "./ui.js";

const DAY_MS = 86_400_000;

/** Months the sparkline draws, ending with the last complete month. */
export const SPARK_MONTHS = 12;

const SVG = "http://www.w3.org/2000/svg";
const SPARK_WIDTH = 120;
const SPARK_HEIGHT = 32;

/** A relative change with its sign (never 0 with a sign), one decimal: "+4.2%", "−3.1%", "0.0%". */
const CHANGE = new Intl.NumberFormat(LOCALE, {
  style: "percent",
  minimumFractionDigits: 1,
  maximumFractionDigits: 1,
  signDisplay: "exceptZero",
});

const MONTH_YEAR = new Intl.DateTimeFormat(LOCALE, { month: "short", year: "numeric", timeZone: "UTC" });
const MONTH = new Intl.DateTimeFormat(LOCALE, { month: "short", timeZone: "UTC" });

/**
 * The calendar month of a month bucket starting at `start` (epoch ms of local midnight in the
 * series' zone): its UTC year and month, read mid-month so any zone offset lands in it, and the
 * zone's offset (start − the month's UTC midnight).
 */
function monthOf(start) {
  const mid = new Date(start + 15 * DAY_MS);
  const year = mid.getUTCFullYear();
  const month = mid.getUTCMonth();
  return { year, month, offset: start - Date.UTC(year, month, 1) };
}

/** "Nov 2025" for the bucket starting at `start`. */
export const monthLabel = (start) => {
  const { year, month } = monthOf(start);
  return MONTH_YEAR.format(Date.UTC(year, month, 15));
};

/**
 * Index of the last complete month in `time` (bucket starts) for the observation end: the month
 * containing the end counts as complete only when the end falls on its last day (local to the
 * series' zone); -1 when there is none.
 */
export function lastCompleteIndex(time, observationEnd) {
  let k = time.length - 1;
  while (k >= 0 && time[k] > observationEnd) k--;
  if (k < 0) return -1;
  const { month, offset } = monthOf(time[k]);
  // The end's local wall clock, read as UTC; the day after it is in the next month iff the end
  // is on the month's last day.
  const nextDay = new Date(observationEnd - offset + DAY_MS);
  return nextDay.getUTCMonth() !== month ? k : k - 1;
}

/** (value − base) / |base|; NaN when the base is NaN or 0 (no change can be stated). */
export function relativeChange(value, base) {
  if (!Number.isFinite(value) || !Number.isFinite(base) || base === 0) return NaN;
  return (value - base) / Math.abs(base);
}

/** The change as shown: "+4.2%", "−3.1%", or "—" when undefined. */
export function formatChange(change) {
  if (!Number.isFinite(change)) return "—";
  return CHANGE.format(change).replace("-", "−");
}

/**
 * What a tile shows of its series: the last complete month's label, value, both changes (raw and
 * as shown), the sparkline's months and values, and the full line of text. Null without a
 * complete month.
 */
export function tileTrend(series, id, observationEnd, format) {
  const { time } = series;
  const s = series.series[id];
  const k = lastCompleteIndex(time, observationEnd);
  if (!s || k < 0) return null;
  const value = s.value[k];
  const previous = s.previous[k];
  const lastYear = s.lastYear[k];
  const change = { previous: relativeChange(value, previous), lastYear: relativeChange(value, lastYear) };
  const from = Math.max(0, k - SPARK_MONTHS + 1);
  const month = monthLabel(time[k]);
  const at = monthOf(time[k]);
  const previousMonth = MONTH.format(Date.UTC(at.year, at.month - 1, 15));
  const lastYearMonth = MONTH_YEAR.format(Date.UTC(at.year - 1, at.month, 15));
  const shown = {
    value: formatValue(value, format),
    previous: formatChange(change.previous),
    lastYear: formatChange(change.lastYear),
  };
  return {
    metric: id,
    index: k,
    month,
    previousMonth,
    lastYearMonth,
    value,
    previous,
    lastYear,
    change,
    shown,
    spark: { months: Array.from(time.slice(from, k + 1), monthLabel), values: Array.from(s.value.slice(from, k + 1)) },
    text: `Last complete month (${month}): ${shown.value} · ${shown.previous} vs ${previousMonth} · ${shown.lastYear} vs ${lastYearMonth}`,
  };
}

/** "up", "down" or "flat" for a change as shown (from its sign, so colour never disagrees with it). */
const direction = (text) => (text.startsWith("+") ? "up" : text.startsWith("−") ? "down" : "flat");

function changeElement(text, against) {
  const dir = direction(text);
  const arrow = dir === "up" ? "▲ " : dir === "down" ? "▼ " : "";
  return h(
    "span",
    { className: `tile-change change-${dir}` },
    arrow ? h("span", { "aria-hidden": "true" }, arrow) : null,
    `${text} vs ${against}`,
  );
}

/** An inline SVG line of `values` (no axes), scaled to its own range. */
function sparkline(values, label) {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("class", "tile-spark");
  svg.setAttribute("viewBox", `0 0 ${SPARK_WIDTH} ${SPARK_HEIGHT}`);
  svg.setAttribute("preserveAspectRatio", "none");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", label);
  const finite = values.filter(Number.isFinite);
  if (finite.length < 2) return svg;
  const min = Math.min(...finite);
  const max = Math.max(...finite);
  const span = max - min || 1;
  const step = SPARK_WIDTH / (values.length - 1);
  const pad = 2;
  const points = values
    .map((v, i) => (Number.isFinite(v) ? `${(i * step).toFixed(2)},${(pad + (1 - (v - min) / span) * (SPARK_HEIGHT - 2 * pad)).toFixed(2)}` : null))
    .filter(Boolean)
    .join(" ");
  const line = document.createElementNS(SVG, "polyline");
  line.setAttribute("points", points);
  line.setAttribute("class", "tile-spark-line");
  line.setAttribute("vector-effect", "non-scaling-stroke");
  svg.append(line);
  return svg;
}

/**
 * The trend block of a tile: sparkline, the last complete month's line, and a button opening the
 * series metric's definition (`data-series`).
 */
export function trendElement(trend, name, format) {
  const { spark } = trend;
  const first = spark.values[0];
  const last = spark.values.at(-1);
  const label = `${name} per month, ${spark.months[0]} to ${spark.months.at(-1)}: from ${formatValue(first, format)} to ${formatValue(last, format)}`;
  return h(
    "div",
    { className: "tile-trend", dataset: { series: trend.metric } },
    sparkline(spark.values, label),
    h(
      "p",
      { className: "tile-month" },
      `Last complete month (${trend.month}): `,
      h("span", { className: "tile-month-value" }, trend.shown.value),
      " · ",
      changeElement(trend.shown.previous, trend.previousMonth),
      " · ",
      changeElement(trend.shown.lastYear, trend.lastYearMonth),
    ),
  );
}

/** The button opening the series metric's definition. */
export function seriesButton(id, name) {
  return h(
    "button",
    { type: "button", className: "tile-button tile-series-button", dataset: { series: id }, "aria-haspopup": "dialog" },
    "Series: ",
    h("code", {}, id),
    h("span", { className: "visually-hidden" }, ` (monthly, ${name})`),
  );
}

/** The series' parameters as the definition dialog's "In effect" column (start and end as dates). */
export function seriesParams(params = {}) {
  const shown = formatParams(params);
  for (const name of ["start", "end"]) {
    if (typeof params[name] === "number") shown[name] = `${new Date(params[name]).toISOString().replace(".000Z", "Z")} (${params[name]})`;
  }
  return shown;
}
