// The metric spec section: a team's metric definitions in one versioned file (docs/SPEC.md),
// loaded from `?spec=<same-origin URL>`, a file picker or the bundled specs/demo.json. The worker
// parses it (MetricSpec.parse), evaluates it on the data loaded (the tiles), and diffs an edited
// copy against it (the drift notice); the glossary is the spec's own toMarkdown().

import { runTask } from "./engine.js";
import { $, formatValue, h, interleave, saveFile, shownUnit } from "./format.js";
import { renderMarkdown } from "./markdown.js";
import { publish, state } from "./state.js";
import { formatParams, renderError, showDefinition } from "./ui.js";

/** The spec shown when the URL names none. */
export const DEFAULT_SPEC = "specs/demo.json";

/** Characters of the definition hash's hex digits shown (the whole hash is in the title). */
const HASH_SHOWN = 12;

const setSpecState = (value) => {
  document.body.dataset.specState = value;
};

/** The number format of a value in `unit` (the catalog's units: currency, counts, fractions…). */
function formatOf(unit) {
  if (/^(fraction|probability) \(0–1\)/.test(unit)) return "percent";
  if (/^(customers|orders|new customers)$/.test(unit)) return "count";
  if (unit === "ratio") return "score";
  return "currency";
}

/** `xxh3-128:bd69f7e978d9…`, the hash shortened for display. */
export const shortHash = (hash) => {
  const [algorithm, hex = ""] = String(hash).split(":");
  return hex ? `${algorithm}:${hex.slice(0, HASH_SHOWN)}…` : String(hash);
};

/**
 * Reads `?spec=` into the state; true when it names another spec than the URL's last one (a spec
 * picked from a file stays until the URL names another).
 */
export function readSpecSettings(params) {
  const source = params.get("spec") || DEFAULT_SPEC;
  const changed = state.specSource !== source;
  state.specSource = source;
  return changed;
}

/**
 * Loads the spec text: from the file picked (`file`), else from `state.specSource`, which must
 * be on this page's origin. Clears the edits; the worker parses it in computeSpec.
 */
export async function loadSpec(file = null) {
  const generation = ++state.specGeneration;
  setSpecState("loading");
  $("spec-error").hidden = true;
  let text;
  let label;
  try {
    if (file) {
      label = file.name;
      text = await file.text();
    } else {
      label = state.specSource;
      const url = new URL(state.specSource, location.href);
      if (url.origin !== location.origin) {
        throw new Error(`a spec is read from this site only; ${url.origin} is another origin`);
      }
      const response = await fetch(url);
      if (!response.ok) throw new Error(`could not fetch ${state.specSource}: HTTP ${response.status}`);
      text = await response.text();
    }
  } catch (err) {
    if (generation !== state.specGeneration) return;
    state.specText = null;
    failLoad(`Could not load the spec ${label}`, err);
    return;
  }
  if (generation !== state.specGeneration) return;
  state.specText = text;
  state.specLabel = label;
  state.specFile = file ? file.name : null;
  state.specEdits = new Map();
  state.specResult = null;
  state.specFormFor = null;
  // At start-up the data set is still loading; computeAll runs the spec once it is there.
  if (state.data) await computeSpec();
}

/** A spec that could not be read or parsed: its error in the page, nothing else of it. */
function failLoad(title, err) {
  state.specResult = null;
  state.specError = plainCopy(err);
  renderSpecError($("spec-error"), title, err);
  $("spec-name").textContent = "No spec loaded";
  $("spec-hash").textContent = "";
  $("spec-hash").removeAttribute("title");
  $("spec-hash-line").hidden = true;
  $("spec-source").textContent = "";
  $("spec-tiles").replaceChildren();
  $("spec-fields").replaceChildren();
  $("spec-drift").hidden = true;
  $("spec-edit-error").hidden = true;
  $("spec-glossary-body").replaceChildren();
  $("spec-body").hidden = true;
  setSpecState("error");
  publish("spec");
}

const plainCopy = (err) => ({
  name: err?.name ?? "Error",
  message: err?.message ?? String(err),
  code: err?.code,
  path: err?.path,
  line: err?.line,
  col: err?.col,
});

/** An error of the spec: its code, the spec path, line and column, then the library's message. */
function renderSpecError(box, title, err) {
  renderError(box, title, err);
  const facts = [];
  if (err.code) facts.push(h("span", { className: "error-code" }, err.code));
  if (err.path) facts.push(h("span", {}, "at ", h("code", {}, err.path)));
  if (err.line !== undefined) facts.push(h("span", {}, `line ${err.line}${err.col !== undefined ? `, column ${err.col}` : ""}`));
  const old = box.querySelector(".error-facts");
  const line = facts.length ? h("p", { className: "error-facts" }, ...interleave(facts, " · ")) : null;
  if (old) old.replaceWith(line ?? "");
  else if (line) box.querySelector(".error-title").after(line);
}

/** The edits as the worker takes them: `[{ path, value }]`. */
const editList = () => [...state.specEdits].map(([path, value]) => ({ path, value }));

/**
 * Parses the loaded spec (and the edited document, when there are edits), evaluates it on the
 * current data and renders the section. An invalid edit keeps the last valid view and shows the
 * library's coded error under the settings.
 */
export async function computeSpec() {
  if (state.specText === null || state.specText === undefined) return;
  const generation = ++state.specGeneration;
  setSpecState("computing");
  $("spec-tiles").setAttribute("aria-busy", "true");
  try {
    const result = await runTask("spec", { text: state.specText, edits: editList() });
    if (generation !== state.specGeneration) return;
    state.specResult = result;
    state.specError = null;
    state.specEditError = null;
    $("spec-error").hidden = true;
    $("spec-edit-error").hidden = true;
    render(result);
    setSpecState("ready");
  } catch (err) {
    if (generation !== state.specGeneration) return;
    if (err.source === "edit") {
      state.specEditError = plainCopy(err);
      renderSpecError($("spec-edit-error"), "This setting makes the spec invalid", err);
      $("spec-download").disabled = true;
      markInvalid(err.path);
      setSpecState("invalid");
    } else if (err.source === "spec") {
      failLoad(`The spec ${state.specLabel} is not valid`, err);
      return;
    } else {
      renderSpecError($("spec-error"), "Could not compute the spec's metrics", err);
      setSpecState("error");
    }
  } finally {
    if (generation === state.specGeneration) $("spec-tiles").removeAttribute("aria-busy");
  }
  publish("spec");
}

function render(result) {
  const { loaded, edited } = result;
  $("spec-body").hidden = false;
  $("spec-name").textContent = `${loaded.name}@${loaded.version}`;
  $("spec-hash").textContent = shortHash(loaded.definitionHash);
  $("spec-hash").title = loaded.definitionHash;
  $("spec-hash-line").hidden = false;
  $("spec-source").textContent = `from ${state.specLabel}${loaded.owner ? ` · owner: ${loaded.owner}` : ""}`;
  renderTiles(result);
  // The form is built once per loaded spec; the edits live in its inputs.
  if (state.specFormFor !== loaded.hash) {
    renderForm(result.form);
    state.specFormFor = loaded.hash;
  }
  markInvalid(null);
  renderDrift(result);
  $("spec-download").disabled = !edited;
  $("spec-reset").disabled = !edited;
  $("spec-glossary-body").replaceChildren(...renderMarkdown(result.markdown, { headingOffset: 3 }));
}

function renderTiles({ values, errors, edited, loaded, definitions }) {
  const doc = (edited ?? loaded).document;
  const tiles = Object.entries(doc.metrics).map(([key, m]) => {
    const nameId = `spec-tile-${key}-name`;
    const v = values?.[key];
    const error = errors?.[key];
    const label = v?.label ?? m.label ?? key;
    let valueText = "—";
    let unit = v?.unit ?? "";
    let note = null;
    if (v && v.value !== null) {
      const kind = formatOf(v.unit);
      valueText = formatValue(v.value, kind);
      unit = shownUnit(v.unit, kind);
    } else if (v) {
      note = v.headline.startsWith("none") ? `No single headline: ${v.headline.replace(/^none \(|\)$/g, "")}.` : "Undefined for this data.";
    } else if (error) {
      note = error.code ? `${error.code}: ${error.message}` : `Not computed: ${error.message}.`;
    } else if (!values) {
      note = "No data loaded.";
    }
    // Not evaluated: the library's version of the definition, which the spec's requirement accepted.
    const metricAt = v
      ? `${v.definition.metric}@${v.definition.version}`
      : `${m.metric}@${definitions?.[m.metric]?.version ?? m.version}`;
    const specAt = v ? `${v.definition.spec.name}@${v.definition.spec.version}` : `${doc.name}@${doc.version}`;
    return h(
      "li",
      { className: `tile spec-tile${v?.value === null || !v ? " tile-undefined" : ""}`, dataset: { spec: key, metric: m.metric }, "aria-labelledby": nameId },
      h("h3", { id: nameId, className: "tile-name" }, label),
      h("p", { className: "tile-value" }, valueText),
      unit ? h("p", { className: "tile-unit" }, unit) : null,
      note ? h("p", { className: "tile-note" }, note) : null,
      h("p", { className: "tile-def" }, h("code", {}, metricAt)),
      h("p", { className: "tile-spec" }, "spec ", h("code", {}, specAt), edited ? " (edited)" : null),
      v
        ? h(
            "button",
            { type: "button", className: "tile-button", dataset: { specDef: key }, "aria-haspopup": "dialog" },
            "Definition",
            // "in the spec": the dashboard's own sections have buttons for the same definitions.
            h("span", { className: "visually-hidden" }, `: ${label}, in the spec`),
          )
        : null,
    );
  });
  $("spec-tiles").replaceChildren(...tiles);
}

/** The field id of a spec path: `metrics.churn90.params.horizonDays` → `spec-p-metrics-churn90-params-horizonDays`. */
const fieldId = (path) => `spec-p-${path.replaceAll(".", "-")}`;

/** One input per parameter: a select for enumerations, a number input for numbers, else text. */
function fieldElement(f) {
  const id = fieldId(f.path);
  const current = state.specEdits.has(f.path) ? state.specEdits.get(f.path) : f.value;
  let input;
  if (f.values) {
    const options = f.values.includes(f.value) ? f.values : [f.value, ...f.values];
    input = h("select", { id, dataset: { path: f.path, kind: "choice" } }, ...options.map((v) => h("option", { value: v }, String(v))));
    input.value = String(current);
  } else if (typeof f.value === "number") {
    input = h("input", {
      id,
      type: "number",
      step: f.integer ? "1" : "any",
      min: f.min !== null && !f.minExclusive ? f.min : null,
      max: f.max,
      inputmode: f.integer ? "numeric" : "decimal",
      dataset: { path: f.path, kind: "number" },
    });
    input.value = String(current);
  } else {
    input = h("input", { id, type: "text", spellcheck: "false", dataset: { path: f.path, kind: "text" } });
    input.value = typeof current === "string" ? current : JSON.stringify(current);
  }
  const helpId = `${id}-help`;
  input.setAttribute("aria-describedby", helpId);
  return h(
    "div",
    { className: "field" },
    h("label", { for: id }, h("code", {}, f.name)),
    input,
    h("p", { id: helpId, className: "help" }, `${f.description} Default ${f.default ?? "—"}.`.trim()),
  );
}

function renderForm(form) {
  const groups = [];
  if (form.shared.length) {
    groups.push(
      h("fieldset", { className: "spec-group" }, h("legend", {}, "Shared by every metric"), ...form.shared.map(fieldElement)),
    );
  }
  for (const m of form.metrics) {
    if (!m.fields.length) continue;
    groups.push(
      h(
        "fieldset",
        { className: "spec-group", dataset: { metric: m.key } },
        h("legend", {}, m.label, " ", h("code", { className: "legend-id" }, m.metric)),
        ...m.fields.map(fieldElement),
      ),
    );
  }
  $("spec-fields").replaceChildren(...groups);
}

/** The value of a settings input, as it goes into the document. */
function inputValue(input) {
  const raw = input.value;
  if (input.dataset.kind === "number") {
    // An empty or unreadable number goes in as text: the library reports it with its path.
    return raw.trim() === "" ? raw : Number(raw);
  }
  return raw;
}

/** The original value of a path in the loaded document. */
function originalValue(path) {
  let node = state.specResult?.loaded.document;
  for (const key of path.split(".")) node = node?.[key];
  return node;
}

function onFieldChanged(event) {
  const input = event.target.closest("[data-path]");
  if (!input) return;
  readEdit(input);
  computeSpec();
}

function readEdit(input) {
  const { path } = input.dataset;
  const value = inputValue(input);
  if (JSON.stringify(value) === JSON.stringify(originalValue(path))) state.specEdits.delete(path);
  else state.specEdits.set(path, value);
}

function markInvalid(path) {
  for (const input of $("spec-fields").querySelectorAll("[data-path]")) {
    if (path && input.dataset.path === path) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }
}

/** The shown form of a parameter or headline value in the drift list. */
const shownValue = (v) => (typeof v === "string" ? v : JSON.stringify(v));

function renderDrift({ loaded, edited, diff }) {
  const box = $("spec-drift");
  if (!edited || !diff) {
    box.hidden = true;
    box.replaceChildren();
    return;
  }
  const breaking = diff.changes.filter((c) => c.kind === "breaking" || c.kind === "removed").length;
  const other = diff.changes.length - breaking;
  const summary = diff.changes.length
    ? `differs from ${loaded.name} ${loaded.version}: ${breaking} breaking change${breaking === 1 ? "" : "s"}` +
      (other ? `, ${other} other change${other === 1 ? "" : "s"}` : "")
    : `matches ${loaded.name} ${loaded.version}: no change in the definitions`;
  const labels = Object.fromEntries(Object.entries(edited.document.metrics).map(([k, m]) => [k, m.label ?? k]));
  const units = Object.fromEntries(Object.entries(state.specResult?.values ?? {}).map(([k, v]) => [k, v.unit]));
  const headline = (name, v) => {
    if (v === null || v === undefined) return "—";
    const kind = formatOf(units[name] ?? "");
    return formatValue(v, kind);
  };
  box.replaceChildren(
    ...[
    h("p", { className: "drift-summary" }, h("strong", {}, "Edited spec "), summary, "."),
    diff.changes.length
      ? h(
          "ul",
          { className: "drift-changes", "aria-label": "Changes from the loaded spec" },
          ...diff.changes.map((c) =>
            h(
              "li",
              { dataset: { path: c.path, kind: c.kind } },
              h("code", {}, c.path),
              ` (${c.kind}): ${shownValue(c.before)} → ${shownValue(c.after)}. `,
              c.explanation,
            ),
          ),
        )
      : null,
    diff.values?.length
      ? h(
          "ul",
          { className: "drift-values", "aria-label": "Values before and after" },
          ...diff.values.map((v) =>
            h("li", { dataset: { name: v.name } }, `${labels[v.name] ?? v.name}: ${headline(v.name, v.before)} → ${headline(v.name, v.after)}`),
          ),
        )
      : null,
    diff.valuesError ? h("p", { className: "help" }, `Values before and after not computed: ${diff.valuesError.message}`) : null,
    h(
      "p",
      {},
      "Suggested version: ",
      h("strong", { className: "drift-version" }, diff.suggestedVersion),
      ` (${diff.breaking ? "major: a breaking change" : diff.changes.some((c) => c.kind === "added") ? "minor" : "patch"}). New definition hash `,
      h("code", { title: diff.definitionHash[1] }, shortHash(diff.definitionHash[1])),
      ".",
    ),
    ].filter(Boolean),
  );
  box.hidden = false;
}

function downloadSpec() {
  const download = state.specResult?.download;
  if (!download || state.specEditError) return;
  saveFile(`${JSON.stringify(download.document, null, 2)}\n`, download.filename, "application/json");
}

function reset() {
  state.specEdits = new Map();
  state.specEditError = null;
  state.specFormFor = null;
  computeSpec();
}

function openDefinition(key) {
  const v = state.specResult?.values?.[key];
  const def = v && state.specResult.definitions[v.definition.metric];
  if (!def) return;
  const { spec } = v.definition;
  showDefinition(
    def,
    formatParams(v.definition.params),
    `From the spec ${spec.name}@${spec.version} (definition hash ${spec.definitionHash}), metric ${key}.`,
  );
}

export function wireSpec() {
  $("spec-file").addEventListener("change", () => {
    const file = $("spec-file").files[0];
    if (file) loadSpec(file);
  });
  $("spec-fields").addEventListener("change", onFieldChanged);
  $("spec-settings").addEventListener("submit", (event) => {
    event.preventDefault();
    for (const input of $("spec-fields").querySelectorAll("[data-path]")) readEdit(input);
    computeSpec();
  });
  $("spec-download").addEventListener("click", downloadSpec);
  $("spec-reset").addEventListener("click", reset);
  $("spec-tiles").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-spec-def]");
    if (button) openDefinition(button.dataset.specDef);
  });
}
