// Rendering shared by the sections: status line, errors, tiles, the definition dialog and
// settings fields.

import { $, formatCount, formatValue, h, interleave, isoDay } from "./format.js";
import { state } from "./state.js";

export function setState(value) {
  document.body.dataset.state = value;
}

export function setStatus(text) {
  $("status").textContent = text;
}

export function describeData(data, kpis) {
  const parts = [
    `${formatCount(data.transactions)} transactions`,
    `${formatCount(data.customers)} customers`,
    data.name,
  ];
  if (kpis) parts.push(`observation end ${isoDay(kpis.observationEnd)}${state.end ? "" : " (last transaction)"}`);
  return parts.join(" · ");
}

export function clearError() {
  const box = $("error");
  box.hidden = true;
  box.replaceChildren();
}

/** Shows a library (or other) error inline, with its code, column and row when known. */
export function showError(title, err) {
  renderError($("error"), title, err);
  setState("error");
}

export function renderError(box, title, err) {
  const facts = [];
  if (err.code) facts.push(h("span", { className: "error-code" }, err.code));
  if (err.column != null) facts.push(h("span", {}, `column ${err.column}`));
  if (err.row != null) facts.push(h("span", {}, `row ${err.row}`));
  box.replaceChildren(
    h("p", { className: "error-title" }, title),
    // (replaceChildren would write a null as the text "null")
    ...(facts.length ? [h("p", { className: "error-facts" }, ...interleave(facts, " · "))] : []),
    h("p", { className: "error-message" }, err.message || String(err)),
  );
  box.hidden = false;
}

/** Library errors that mean the data cannot support a model, rather than a fault. */
export const MODEL_SHORTAGE = new Set(["E_EMPTY", "E_INSUFFICIENT_DATA", "E_NOT_CONVERGED"]);

/** Shows a "not enough data" message: what is missing, then the library's code and message. */
export function renderShortage(box, title, explanation, err) {
  renderError(box, title, err);
  box.querySelector(".error-title").after(h("p", {}, explanation));
}

/**
 * One KPI tile. `value` is the formatted number ("—" when undefined), `note` an optional line
 * under the unit (e.g. why the value is undefined), `open` the key its Definition button opens.
 */
export function tileElement({ key, name, value, unit, metric, version, note, open }) {
  const nameId = `tile-${key}-name`;
  return h(
    "li",
    { className: "tile", dataset: { kpi: key, metric }, "aria-labelledby": nameId },
    h("h3", { id: nameId, className: "tile-name" }, name),
    h("p", { className: "tile-value" }, value),
    h("p", { className: "tile-unit" }, unit),
    note ? h("p", { className: "tile-note" }, note) : null,
    h("p", { className: "tile-def" }, h("code", {}, metric), ` v${version}`),
    h(
      "button",
      { type: "button", className: "tile-button", dataset: open, "aria-haspopup": "dialog" },
      "Definition",
      h("span", { className: "visually-hidden" }, `: ${name}`),
    ),
  );
}

export function placeholderTiles(keys) {
  return keys.map((key) =>
    h("li", { className: "tile tile-empty", dataset: { kpi: key } }, h("p", { className: "tile-value" }, "—")),
  );
}

/** A table cell with a formatted value, or "—" followed by the library's reason. */
export function valueCell(value, reason, format) {
  if (value !== null && value !== undefined) return h("td", {}, formatValue(value, format));
  return h("td", { className: "undefined-value" }, "—", reason ? h("span", { className: "reason" }, ` ${reason}`) : null);
}

/** Parameters holding an instant (epoch ms), shown as a date. */
const INSTANT_PARAMS = new Set(["observationEnd", "cutoff", "trainCutoff", "testCutoff"]);

function formatParam(name, value) {
  if (INSTANT_PARAMS.has(name) && typeof value === "number") {
    return `${new Date(value).toISOString().replace(".000Z", "Z")} (${value})`;
  }
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

/** Parameter name → displayed value, for the "In effect" column. */
export function formatParams(params = {}) {
  return Object.fromEntries(Object.entries(params).map(([name, value]) => [name, formatParam(name, value)]));
}

/**
 * Opens the definition dialog. `inEffect` maps parameter names to the text shown as in
 * effect (missing parameters show "default"); `note` says how the number shown relates to it.
 */
export function showDefinition(def, inEffect, note = "") {
  $("def-title").textContent = def.name;
  $("def-id").textContent = def.id;
  $("def-version").textContent = `v${def.version}`;
  $("def-description").textContent = def.description;
  $("def-formula").textContent = def.formula;
  $("def-unit").textContent = def.unit;
  $("def-inputs").textContent = def.inputs;
  $("def-note").textContent = note;
  $("def-note").hidden = !note;

  const listed = new Set(def.parameters.map((p) => p.name));
  const rows = def.parameters.map((p) =>
    h(
      "tr",
      {},
      h("th", { scope: "row" }, h("code", {}, p.name)),
      h("td", {}, p.description),
      h("td", {}, h("code", {}, p.default)),
      h("td", {}, h("code", {}, p.name in inEffect ? inEffect[p.name] : "default")),
    ),
  );
  // Parameters recorded in the result but not documented as tunable still deserve a row.
  for (const [name, value] of Object.entries(inEffect)) {
    if (listed.has(name)) continue;
    rows.push(
      h("tr", {}, h("th", { scope: "row" }, h("code", {}, name)), h("td", {}, "—"), h("td", {}, "—"),
        h("td", {}, h("code", {}, value))),
    );
  }
  $("def-params").replaceChildren(...rows);
  $("definition").showModal();
}

/** Marks a settings field as invalid (or not), showing its inline message. */
export function setFieldError(id, invalid) {
  const input = $(id);
  if (invalid) input.setAttribute("aria-invalid", "true");
  else input.removeAttribute("aria-invalid");
  $(`${id}-error`).hidden = !invalid;
}

/**
 * Gives a whole-number field the bounds `min`..`max` (no upper bound when `max` is null) and the
 * inline message that states them; `what` names the unit ("days", or "" for a bare number).
 */
export function setWholeRange(id, min, max, what = "") {
  const input = $(id);
  input.min = String(min);
  if (max === null) input.removeAttribute("max");
  else input.max = String(max);
  const number = what ? `a whole number of ${what}` : "a whole number";
  $(`${id}-error`).textContent =
    max === null ? `Enter ${number}, at least ${min}.` : `Enter ${number} from ${min} to ${max}.`;
}
