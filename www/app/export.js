// Exports made in the page (no request leaves it): the <unimetric-metric> embed snippet for the
// current view, the churn scores and every customer's scores as CSV.

import { $, csvField, saveCsv } from "./format.js";
import { sampleRequest, state } from "./state.js";

/** Every scored customer, highest risk first, with the probability at full precision. */
function scoresCsv({ scores, order }) {
  const header = ["customer_id", "churn_probability", "days_since_last_purchase"];
  for (let k = 1; k <= 3; k++) header.push(`reason_${k}`, `reason_${k}_contribution`);
  const lines = [header.join(",")];
  for (const i of order) {
    const fields = [csvField(scores.customerId[i]), String(scores.probability[i]), String(scores.recencyDays[i])];
    for (let k = 0; k < 3; k++) {
      const reason = scores.reasons[i][k];
      fields.push(reason ? csvField(reason.feature) : "", reason ? String(reason.contribution) : "");
    }
    lines.push(fields.join(","));
  }
  return `${lines.join("\r\n")}\r\n`;
}

/** Saves the churn scores as a CSV file. */
export function downloadScores() {
  const result = state.churnResult;
  if (!result) return;
  saveCsv(scoresCsv(result), `churn-scores-${result.cutoffs.scoring}-h${result.options.horizonDays}.csv`);
}

/** Origin-relative URL of the page's directory, for the snippet's script and data paths. */
const here = () => new URL(".", location.href).href;

/**
 * The `<unimetric-metric>` markup for the current view: the element module, one element per
 * headline metric with the data, mapping and parameters in effect.
 */
function embedSnippet() {
  const request = state.loadRequest ?? sampleRequest();
  const fromFile = !request.url;
  const src = fromFile ? "YOUR-DATA.csv" : new URL(request.url, location.href).href;
  const attr = (value) => JSON.stringify(value).replaceAll("'", "&#39;");
  const kpiParams = { period: state.period, ...(state.end ? { observationEnd: state.end } : {}) };
  const lines = [`<script type="module" src="${here()}unimetric-metric.js"></script>`];
  const element = (metric, params, extra = "") =>
    `<unimetric-metric metric="${metric}" src="${src}" mapping='${attr(request.mapping)}' params='${attr(params)}'${extra}></unimetric-metric>`;
  lines.push(element("customers.repeat_rate", kpiParams));
  lines.push(element("orders.aov", kpiParams));
  if (request.spend?.url || (request.spend && fromFile)) {
    const spendSrc = request.spend.url ? new URL(request.spend.url, location.href).href : "YOUR-SPEND.csv";
    const spend = ` spend-src="${spendSrc}" spend-mapping='${attr(request.spend.mapping)}'`;
    lines.push(element("cac.blended", {}, spend));
    lines.push(element("cac.ltv_ratio", { margin: state.cac.margin, attributionLag: state.cac.lag }, spend));
  }
  lines.push(element("churn.rate", { horizonDays: state.churn.horizonDays }));
  return lines.join("\n");
}

async function copySnippet() {
  const text = embedSnippet();
  const box = $("snippet");
  box.value = text;
  $("snippet-field").hidden = false;
  try {
    await navigator.clipboard.writeText(text);
    $("snippet-status").textContent = "Copied to the clipboard. Paste it into any page served with the data.";
  } catch {
    box.focus();
    box.select();
    $("snippet-status").textContent = "Select the snippet below and copy it (the browser did not allow clipboard access).";
  }
}

/**
 * One row per customer with every score the page shows: churn probability (customers active at
 * the scoring day), predicted CLV and P(alive), k-means segment, RFM scores and segment.
 */
function customerScoresCsv() {
  const rows = new Map();
  const row = (id) => {
    const key = String(id);
    if (!rows.has(key)) rows.set(key, {});
    return rows.get(key);
  };
  const churn = state.churnResult;
  if (churn) {
    churn.scores.customerId.forEach((id, i) => {
      row(id).churn = churn.scores.probability[i];
    });
  }
  const clv = state.ltvResult?.models?.clv;
  if (clv) {
    clv.customerId.forEach((id, i) => {
      Object.assign(row(id), { clv: clv.clv[i], alive: clv.probabilityAlive[i] });
    });
  }
  const seg = state.segmentsResult;
  if (seg?.segmentation) {
    const names = seg.segmentation.profiles.map((p) => p.name);
    seg.columns.customerId.forEach((id, i) => {
      const c = seg.segmentation.labels[i];
      Object.assign(row(id), { cluster: c, clusterName: names[c] });
    });
  }
  if (seg?.rfm) {
    seg.columns.customerId.forEach((id, i) => {
      Object.assign(row(id), { r: seg.rfm.r[i], f: seg.rfm.f[i], m: seg.rfm.m[i], rfm: seg.rfm.segment[i] });
    });
  }
  const header = ["customer_id", "churn_probability", "clv", "probability_alive", "segment", "segment_name", "rfm_r", "rfm_f", "rfm_m", "rfm_segment"];
  const cell = (v) => (v === undefined || v === null ? "" : csvField(v));
  const lines = [header.join(",")];
  for (const [id, r] of rows) {
    lines.push([csvField(id), r.churn, r.clv, r.alive, r.cluster, r.clusterName, r.r, r.f, r.m, r.rfm].map((v, j) => (j === 0 ? v : cell(v))).join(","));
  }
  return `${lines.join("\r\n")}\r\n`;
}

function downloadCustomerScores() {
  saveCsv(customerScoresCsv(), "customer-scores.csv");
}

export function wireExport() {
  $("copy-snippet").addEventListener("click", copySnippet);
  $("download-scores").addEventListener("click", downloadCustomerScores);
}
