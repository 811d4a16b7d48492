// Segments: k-means on the customer summary, the k chooser and RFM. Every number is a field of
// the library's results (segmentCustomers, chooseKCustomers, rfmScores) from the worker; the page
// only counts.

import { PALETTE, chartIn } from "./chart.js";
import { runTask } from "./engine.js";
import { $, compact, formatCount, formatValue, h } from "./format.js";
import { defaultOf, param } from "./limits.js";
import { parseWhole, parseWholeParam, publish, state, writeUrl } from "./state.js";
import { MODEL_SHORTAGE, formatParams, renderError, renderShortage, setFieldError, showDefinition } from "./ui.js";

/** Summary features the scatter can plot: label, and how to read a value from the columns. */
const SCATTER_FEATURES = {
  monetaryValue: { label: "Mean repeat spend (monetary value)", value: (c, i) => c.monetaryValue[i] },
  frequency: { label: "Repeat purchase days (frequency)", value: (c, i) => c.frequency[i] },
  periodsSinceLastPurchase: { label: "Days since last purchase", value: (c, i) => c.T[i] - c.recency[i] },
  recency: { label: "Days from first to last purchase (recency)", value: (c, i) => c.recency[i] },
  T: { label: "Days since first purchase (T)", value: (c, i) => c.T[i] },
  revenue: { label: "Net revenue", value: (c, i) => c.revenue?.[i] ?? Number.NaN },
};
/** The page's own settings of the scatter, and the largest k it offers. */
const SCATTER_DEFAULTS = { x: "frequency", y: "monetaryValue", log: true };
const MAX_K = 20;

/** The RFM segment names, in the order the glossary lists them. */
const RFM_SEGMENTS = ["Champions", "Loyal", "Potential loyalists", "New", "At risk", "Can't lose", "Hibernating", "Lost"];

const featureName = (key) => SCATTER_FEATURES[key]?.label ?? key;

const parseK = (text) => parseWhole(text, 2, MAX_K);
const parseSeed = (text) => parseWholeParam("segment.kmeans", "seed", text);

/** Reads the segment settings from the URL; k and seed default to the library's defaults. */
export function readSegmentSettings(params) {
  const axis = (name, fallback) => (Object.hasOwn(SCATTER_FEATURES, params.get(name)) ? params.get(name) : fallback);
  state.segments = {
    k: parseK(params.get("segK") ?? "") ?? defaultOf("segment.kmeans", "k"),
    seed: parseSeed(params.get("segSeed") ?? "") ?? defaultOf("segment.kmeans", "seed"),
    x: axis("segX", SCATTER_DEFAULTS.x),
    y: axis("segY", SCATTER_DEFAULTS.y),
    log: params.has("segLog") ? params.get("segLog") !== "0" : SCATTER_DEFAULTS.log,
  };
  $("seg-k").value = String(state.segments.k);
  $("seg-seed").value = String(state.segments.seed);
  $("seg-x").value = state.segments.x;
  $("seg-y").value = state.segments.y;
  $("seg-log").checked = state.segments.log;
  for (const id of ["seg-k", "seg-seed"]) setFieldError(id, false);
}

function writeSegmentSettings(params) {
  params.set("segK", String(state.segments.k));
  params.set("segSeed", String(state.segments.seed));
  params.set("segX", state.segments.x);
  params.set("segY", state.segments.y);
  params.set("segLog", state.segments.log ? "1" : "0");
}

/** log(1 + |x|) with the sign of x, and its inverse: a log scale that keeps zeros. */
const signedLog = (x) => Math.sign(x) * Math.log1p(Math.abs(x));
const signedExp = (y) => Math.sign(y) * Math.expm1(Math.abs(y));

function setSegmentsState(value) {
  document.body.dataset.segmentsState = value;
}

/** 0 and ±1, 2, 5 × powers of ten within the feature's range (only the powers of ten when those are many). */
function logTicks(columns, feature) {
  let min = 0;
  let max = 0;
  for (let i = 0; i < columns.customerId.length; i++) {
    const v = feature.value(columns, i);
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const ladder = (limit, steps) => {
    const out = [];
    for (let power = 1; power <= limit; power *= 10) {
      for (const m of steps) if (m * power <= limit) out.push(m * power);
    }
    return out;
  };
  const build = (steps) => [...ladder(-min, steps).map((v) => -v).reverse(), 0, ...ladder(max, steps)];
  const fine = build([1, 2, 5]);
  return fine.length <= 12 ? fine : build([1]);
}

const segmentLabel = (profile) => `${profile.cluster} · ${profile.name}`;

async function renderScatter(result) {
  const { segmentation, columns } = result;
  const { x, y, log } = state.segments;
  const fx = SCATTER_FEATURES[x];
  const fy = SCATTER_FEATURES[y];
  const scale = log ? signedLog : (v) => v;
  const unscale = log ? signedExp : (v) => v;
  const groups = segmentation.profiles.map(() => []);
  for (let i = 0; i < segmentation.labels.length; i++) {
    groups[segmentation.labels[i]].push([scale(fx.value(columns, i)), scale(fy.value(columns, i)), i]);
  }
  $("seg-scatter-help").textContent =
    `${formatCount(segmentation.labels.length)} customers, ${featureName(y).toLowerCase()} against ` +
    `${featureName(x).toLowerCase()}${log ? " on log(1 + x) scales" : ""}; colour = segment ` +
    `(k = ${segmentation.definition.params.k}, seed ${segmentation.definition.params.seed}).`;
  const el = $("seg-scatter");
  const axis = (name, gap, feature) => {
    const base = { type: "value", name, nameLocation: "middle", nameGap: gap, scale: true, nameTextStyle: { color: "#333" } };
    if (!log) return { ...base, axisLabel: { color: "#333", formatter: (v) => compact.format(v) } };
    // Ticks at round values in original units (0, 1, 2, 5, 10, …), placed on the log(1 + x) scale.
    const ticks = logTicks(columns, feature).map(signedLog);
    return {
      ...base,
      axisLabel: { color: "#333", customValues: ticks, formatter: (v) => compact.format(Math.round(signedExp(v) * 100) / 100) },
      axisTick: { customValues: ticks },
      splitLine: { show: false },
    };
  };
  try {
    const instance = await chartIn("seg-scatter");
    instance.setOption(
      {
        animation: false,
        color: PALETTE,
        grid: { left: 24, right: 24, top: 48, bottom: 40, containLabel: true },
        legend: { type: "scroll", top: 0, textStyle: { color: "#333" } },
        tooltip: {
          trigger: "item",
          renderMode: "richText",
          formatter: (item) => {
            const i = item.value[2];
            return `${item.marker}Customer ${columns.customerId[i]}\n${item.seriesName}\n` +
              `${fx.label}: ${formatValue(fx.value(columns, i), "decimal")}\n${fy.label}: ${formatValue(fy.value(columns, i), "decimal")}`;
          },
        },
        xAxis: axis(fx.label, 28, fx),
        yAxis: axis(fy.label, 48, fy),
        series: segmentation.profiles.map((profile, c) => ({
          type: "scatter", name: segmentLabel(profile), data: groups[c], symbolSize: 5, itemStyle: { opacity: 0.7 },
          // Many points are drawn as one path, which keeps the drawing task short.
          large: true, largeThreshold: 1000,
        })),
      },
      { notMerge: true },
    );
    el.setAttribute(
      "aria-label",
      `Scatter plot of ${formatCount(segmentation.labels.length)} customers, ${fy.label} against ${fx.label}, ` +
        `coloured by ${segmentation.profiles.length} segments: ` +
        segmentation.profiles.map((p) => `${segmentLabel(p)} (${formatCount(p.size)})`).join(", ") +
        ". The profile table below summarises them.",
    );
  } catch {
    el.hidden = true;
  }
}

function renderProfiles({ segmentation }) {
  const features = segmentation.featureNames;
  $("seg-profile-head").replaceChildren(
    h(
      "tr",
      {},
      h("th", { scope: "col", rowspan: 2 }, "Segment"),
      h("th", { scope: "col", rowspan: 2, className: "text-start" }, "Name"),
      h("th", { scope: "col", rowspan: 2 }, "Customers"),
      h("th", { scope: "col", rowspan: 2 }, "Share"),
      ...features.map((f) => h("th", { scope: "colgroup", colspan: 2, className: "feature-head" }, featureName(f))),
    ),
    h(
      "tr",
      {},
      ...features.flatMap(() => [
        h("th", { scope: "col" }, "centroid"),
        h("th", { scope: "col" }, "mean"),
      ]),
    ),
  );
  $("seg-profile-rows").replaceChildren(
    ...segmentation.profiles.map((p) =>
      h(
        "tr",
        { dataset: { cluster: p.cluster } },
        h("th", { scope: "row" }, String(p.cluster)),
        h("td", { className: "text-start" }, p.name),
        h("td", {}, formatCount(p.size)),
        h("td", {}, formatValue(p.share, "percent")),
        ...features.flatMap((_, j) => [h("td", {}, formatValue(p.centroid[j], "decimal")), h("td", {}, formatValue(p.mean[j], "decimal"))]),
      ),
    ),
  );
  $("seg-profile-caption").textContent =
    `Segment profiles in original units; numbered by descending centroid of ${featureName(features[0]).toLowerCase()}`;
}

async function renderChooser(result) {
  const { chooseK, chooseKError } = result;
  $("seg-choose-section").hidden = false;
  if (!chooseK) {
    $("seg-choose-body").hidden = true;
    renderError($("seg-choose-error"), "Could not score the numbers of segments", chooseKError);
    return;
  }
  $("seg-choose-error").hidden = true;
  $("seg-choose-body").hidden = false;
  $("seg-recommended").textContent = `Recommended: k = ${chooseK.recommended}.`;
  $("seg-reason").textContent = chooseK.reason;
  const button = $("seg-use-recommended");
  button.textContent = `Use k = ${chooseK.recommended}`;
  button.disabled = state.segments.k === chooseK.recommended;
  $("seg-choose-rows").replaceChildren(
    ...chooseK.scores.map((s) =>
      h(
        "tr",
        { dataset: s.k === chooseK.recommended ? { k: s.k, recommended: "true" } : { k: s.k } },
        h("th", { scope: "row" }, s.k === chooseK.recommended ? `${s.k} (recommended)` : String(s.k)),
        h("td", {}, formatValue(s.inertia, "decimal")),
        h("td", {}, formatValue(s.silhouette, "score")),
        h("td", {}, formatValue(s.calinskiHarabasz, "decimal")),
      ),
    ),
  );
  const el = $("seg-choose-chart");
  try {
    const instance = await chartIn("seg-choose-chart");
    instance.setOption(
      {
        animation: false,
        grid: { left: 16, right: 16, top: 48, bottom: 36, containLabel: true },
        legend: { top: 0, textStyle: { color: "#333" } },
        tooltip: {
          trigger: "axis",
          renderMode: "richText",
          formatter: (items) =>
            [`k = ${items[0]?.name ?? ""}`, ...items.map((item) => `${item.marker}${item.seriesName}: ${
              item.seriesIndex === 0 ? formatValue(item.value, "decimal") : formatValue(item.value, "score")}`)].join("\n"),
        },
        xAxis: {
          type: "category", data: chooseK.scores.map((s) => String(s.k)), name: "k", nameLocation: "middle", nameGap: 26,
          nameTextStyle: { color: "#333" }, axisLabel: { color: "#333" },
        },
        yAxis: [
          { type: "value", name: "Inertia (SSE)", nameTextStyle: { color: "#333", align: "left" }, axisLabel: { color: "#333", formatter: (v) => compact.format(v) } },
          { type: "value", name: "Silhouette", nameTextStyle: { color: "#333", align: "right" }, axisLabel: { color: "#333" }, splitLine: { show: false } },
        ],
        series: [
          {
            type: "bar", name: "Inertia (SSE)", color: "#8fb3dc", yAxisIndex: 0,
            data: chooseK.scores.map((s) =>
              s.k === chooseK.recommended ? { value: s.inertia, itemStyle: { color: PALETTE[0] } } : s.inertia),
          },
          {
            type: "line", name: "Mean silhouette", color: PALETTE[1], yAxisIndex: 1, symbolSize: 7,
            data: chooseK.scores.map((s) => s.silhouette),
            markPoint: {
              symbol: "pin", symbolSize: 44, label: { color: "#ffffff", formatter: "best" },
              data: [{ coord: [String(chooseK.recommended), chooseK.scores.find((s) => s.k === chooseK.recommended)?.silhouette] }],
            },
          },
        ],
      },
      { notMerge: true },
    );
    el.setAttribute(
      "aria-label",
      `Inertia (bars) and mean silhouette (line) for k = ${chooseK.scores[0].k} to ${chooseK.scores.at(-1).k}; ` +
        `recommended k = ${chooseK.recommended}. The table below holds the same numbers.`,
    );
  } catch {
    el.hidden = true;
  }
}

/** Customers per named RFM segment, in glossary order. */
export function rfmCounts(rfm) {
  const counts = Object.fromEntries(RFM_SEGMENTS.map((name) => [name, 0]));
  for (const name of rfm.segment) counts[name] = (counts[name] ?? 0) + 1;
  return counts;
}

/** 5 × 5 counts, grid[r − 1][f − 1], and the segment each R × F cell maps to (from the customers in it). */
export function rfmGrid(rfm) {
  const counts = Array.from({ length: 5 }, () => new Array(5).fill(0));
  const names = Array.from({ length: 5 }, () => new Array(5).fill(null));
  for (let i = 0; i < rfm.r.length; i++) {
    counts[rfm.r[i] - 1][rfm.f[i] - 1]++;
    names[rfm.r[i] - 1][rfm.f[i] - 1] = rfm.segment[i];
  }
  return { counts, names };
}

function renderRfm(result) {
  const { rfm, rfmError } = result;
  $("rfm-section").hidden = false;
  if (!rfm) {
    $("rfm-body").hidden = true;
    $("rfm-help").textContent = "";
    renderError($("rfm-error"), "Could not compute RFM scores", rfmError);
    return;
  }
  $("rfm-error").hidden = true;
  $("rfm-body").hidden = false;
  const n = rfm.segment.length;
  $("rfm-help").textContent =
    `Quintile scores 1–5 of recency, frequency and monetary value (${rfm.definition.params.monetary}) for ` +
    `${formatCount(n)} customers; the segment follows from R and F.`;
  const counts = rfmCounts(rfm);
  $("rfm-segment-rows").replaceChildren(
    ...Object.entries(counts).map(([name, count]) =>
      h(
        "tr",
        { dataset: { segment: name } },
        h("th", { scope: "row" }, name),
        h("td", {}, formatCount(count)),
        h("td", {}, formatValue(n ? count / n : 0, "percent")),
      ),
    ),
  );
  const grid = rfmGrid(rfm);
  const max = Math.max(1, ...grid.counts.flat());
  $("rfm-grid-head").replaceChildren(
    h("tr", {}, h("th", { scope: "col" }, "R \\ F"), ...[1, 2, 3, 4, 5].map((f) => h("th", { scope: "col" }, `F ${f}`))),
  );
  $("rfm-grid-rows").replaceChildren(
    ...[5, 4, 3, 2, 1].map((r) =>
      h(
        "tr",
        { dataset: { r } },
        h("th", { scope: "row" }, `R ${r}`),
        ...[1, 2, 3, 4, 5].map((f) => {
          const count = grid.counts[r - 1][f - 1];
          const name = grid.names[r - 1][f - 1];
          const shade = count === 0 ? 0 : 1 + Math.min(4, Math.floor((4 * count) / max));
          return h(
            "td",
            { className: `heat heat-${shade}`, dataset: { f, count } },
            h("span", { className: "heat-count" }, formatCount(count)),
            name ? h("span", { className: "heat-name" }, name) : null,
          );
        }),
      ),
    ),
  );
}

function renderSegments(result) {
  $("seg-error").hidden = true;
  renderRfm(result);
  const drawn = [renderChooser(result)];
  if (result.segmentation) {
    $("seg-unavailable").hidden = true;
    $("seg-body").hidden = false;
    renderProfiles(result);
    drawn.push(renderScatter(result));
  } else {
    $("seg-body").hidden = true;
    const err = result.segmentationError;
    renderShortage(
      MODEL_SHORTAGE.has(err.code) ? $("seg-unavailable") : $("seg-error"),
      `Could not form ${state.segments.k} segments`,
      "k-means needs at least k customers; a smaller k may work.",
      err,
    );
  }
  return Promise.all(drawn);
}

/** Opens a segment definition with the parameters its numbers used. */
function openSegmentDefinition(key) {
  const result = state.segmentsResult;
  if (!result) return;
  const { definitions, segmentation, chooseK, rfm } = result;
  const open = {
    kmeans: () =>
      showDefinition(
        definitions["segment.kmeans"],
        formatParams(segmentation?.definition.params ?? result.options),
        "Customers are described by monetaryValue, frequency and periodsSinceLastPurchase (T − recency) of the daily summary.",
      ),
    chooseK: () => showDefinition(definitions["segment.choose_k"], formatParams(chooseK?.definition.params)),
    rfm: () => showDefinition(definitions["segment.rfm"], formatParams(rfm?.definition.params)),
  }[key];
  open?.();
}

/** Segments, the k chooser and RFM for the segment settings. */
export async function computeSegments() {
  const generation = ++state.segmentsGeneration;
  const options = { k: state.segments.k, seed: state.segments.seed };
  setSegmentsState("computing");
  $("segments").setAttribute("aria-busy", "true");
  try {
    const result = await runTask("segments", options);
    if (generation !== state.segmentsGeneration) return;
    state.segmentsResult = result;
    publish("segments");
    const drawn = renderSegments(result);
    const failed = result.segmentationError;
    setSegmentsState(!failed ? "ready" : MODEL_SHORTAGE.has(failed.code) ? "unavailable" : "error");
    await drawn;
  } catch (err) {
    if (generation !== state.segmentsGeneration) return;
    state.segmentsResult = null;
    publish("segments");
    for (const id of ["seg-body", "seg-choose-section", "rfm-section", "seg-unavailable"]) $(id).hidden = true;
    renderError($("seg-error"), "Could not compute segments", err);
    setSegmentsState("error");
  } finally {
    if (generation === state.segmentsGeneration) $("segments").removeAttribute("aria-busy");
  }
}

function onSegmentSettingsChanged() {
  const k = parseK($("seg-k").value);
  const seed = parseSeed($("seg-seed").value);
  setFieldError("seg-k", k === null);
  setFieldError("seg-seed", seed === null);
  if (k === null || seed === null) return;
  if (k === state.segments.k && seed === state.segments.seed) return;
  state.segments = { ...state.segments, k, seed };
  writeUrl(writeSegmentSettings);
  if (state.data) computeSegments();
}

/** The axes and scale only change the drawing: the last result has every column. */
function onScatterChanged() {
  state.segments = { ...state.segments, x: $("seg-x").value, y: $("seg-y").value, log: $("seg-log").checked };
  writeUrl(writeSegmentSettings);
  if (state.segmentsResult) {
    publish("segments");
    if (state.segmentsResult.segmentation) renderScatter(state.segmentsResult);
  }
}

/** The scatter's axis choices and the section's event handlers. */
export function wireSegments() {
  for (const id of ["seg-x", "seg-y"]) {
    $(id).replaceChildren(...Object.entries(SCATTER_FEATURES).map(([key, f]) => h("option", { value: key }, f.label)));
  }
  for (const id of ["seg-k", "seg-seed"]) $(id).addEventListener("change", onSegmentSettingsChanged);
  for (const id of ["seg-x", "seg-y", "seg-log"]) $(id).addEventListener("change", onScatterChanged);
  $("seg-settings").addEventListener("submit", (event) => {
    event.preventDefault();
    onSegmentSettingsChanged();
  });
  $("seg-use-recommended").addEventListener("click", () => {
    const recommended = state.segmentsResult?.chooseK?.recommended;
    if (!recommended) return;
    $("seg-k").value = String(recommended);
    onSegmentSettingsChanged();
  });
  $("segments").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-seg-def]");
    if (button) openSegmentDefinition(button.dataset.segDef);
  });
}
