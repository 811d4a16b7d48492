// The dashboard's metric spec task, run in the worker of www/worker.js: parse, edit, evaluate on
// the data set held there, diff and prepare a download.

import { MetricSpec, diffSpecs, getDefinition, specCatalog } from "/pkg/unimetric.js";
import { isoDay, plainError } from "./worker-common.js";

/**
 * The metric spec section: parses the spec `text` (MetricSpec.parse) and, with `edits`
 * (`[{ path, value }]`, e.g. `metrics.churn90.params.horizonDays`), the edited document
 * (`spec.toJSON()` with the edits applied), evaluates the spec in effect on `current` (the
 * worker's data set, so uploaded data too; null when none is loaded) and diffs the edited spec
 * against the loaded one. A spec that does not parse throws with `source: "spec"`, an edit that
 * does not with `source: "edit"`.
 */
export function specTask(current, { text, edits = [] }) {
  const loaded = parseSpec(text, "spec");
  let edited = null;
  let download = null;
  try {
    const document = loaded.toJSON();
    if (edits.length) {
      for (const { path, value } of edits) setPath(document, path, value);
      edited = parseSpec(document, "edit");
    }
    const active = edited ?? loaded;
    const metrics = document.metrics;
    const definitions = {};
    for (const { metric } of Object.values(metrics)) definitions[metric] ??= getDefinition(metric);
    const evaluation = current ? evaluateSpec(current, active) : { values: null, errors: {} };
    let diff = null;
    if (edited) {
      diff = diffWithData(current, loaded, edited);
      download = downloadOf(edited, diff);
    }
    return {
      loaded: describeSpec(loaded),
      edited: edited ? describeSpec(edited) : null,
      form: specForm(document, definitions),
      markdown: active.toMarkdown(),
      values: evaluation.values,
      errors: evaluation.errors,
      diff,
      download,
      definitions,
    };
  } finally {
    edited?.free();
    loaded.free();
  }
}

/** Definitions whose parameters a spec metric can take besides its own (summary, fits). */
const SPEC_RELATED = ["customer.summary", "ltv.bgnbd"];

/** The metric ids a spec can name, with the inputs each needs (specCatalog). */
let catalog = null;
const catalogEntry = (metric) => {
  catalog ??= new Map(specCatalog().map((entry) => [entry.metric, entry]));
  return catalog.get(metric);
};

/** MetricSpec.parse, its error marked with what was parsed ("spec" or "edit"). */
function parseSpec(input, source) {
  try {
    return MetricSpec.parse(input);
  } catch (err) {
    if (err && typeof err === "object") err.source = source;
    throw err;
  }
}

/** Sets `document[a][b]…` for the dotted `path` of a spec parameter (`shared.margin`). */
function setPath(document, path, value) {
  const keys = path.split(".");
  let node = document;
  for (const key of keys.slice(0, -1)) {
    if (!Object.hasOwn(node, key) || typeof node[key] !== "object" || node[key] === null) {
      throw new Error(`the spec has no ${path}`);
    }
    node = node[key];
  }
  const last = keys.at(-1);
  if (last === "__proto__" || last === "constructor" || last === "prototype") throw new Error(`bad path ${path}`);
  node[last] = value;
}

function describeSpec(spec) {
  return {
    name: spec.name,
    version: spec.version,
    owner: spec.owner ?? null,
    definitionHash: spec.definitionHash,
    hash: spec.hash,
    metrics: spec.metrics,
    document: spec.toJSON(),
  };
}

/**
 * Evaluates every metric of `spec` on the current data. Metrics that need spend are left out
 * when none is loaded (their reason in `errors`); if the evaluation fails, each metric is
 * evaluated alone so one metric's error does not hide the others.
 */
function evaluateSpec(current, spec) {
  const { tx, spend } = current;
  const document = spec.toJSON();
  const errors = {};
  const only = [];
  for (const [name, { metric }] of Object.entries(document.metrics)) {
    const inputs = catalogEntry(metric)?.inputs ?? [];
    if (!spend && inputs.includes("spend")) {
      errors[name] = { name: "Error", message: "needs marketing spend; none is loaded for this data" };
    } else if (inputs.includes("assignments")) {
      errors[name] = { name: "Error", message: "needs an experiment's assignments (unit id, arm, assignment time), which this section does not read: the Experiments section measures an assignments file on this data; a spec evaluates them with MetricSpec.evaluate or `unimetric evaluate --assignments`" };
    } else if (inputs.includes("touchpoints") && !(current.touchpoints && document.data?.touchpoints)) {
      const message = current.touchpoints
        ? "needs the spec's data.touchpoints mapping { customerId, timestamp, channel } to read this data's touchpoints file"
        : "needs marketing touchpoints (customer id, time, channel): load a touchpoints file with the data";
      errors[name] = { name: "Error", message };
    } else only.push(name);
  }
  const inputs = spend ? { transactions: tx, spend } : { transactions: tx };
  if (current.touchpoints && document.data?.touchpoints) inputs.touchpoints = current.touchpoints.bytes;
  const values = {};
  const keep = (result) => {
    for (const [name, { value, unit, label, definition }] of Object.entries(result)) {
      // `detail` (whole summaries, per-customer columns) stays here: the tiles show the headline.
      values[name] = { value, unit, label, definition, headline: catalogEntry(definition.metric)?.headline ?? "" };
    }
  };
  try {
    keep(spec.evaluate(inputs, { only }));
  } catch (err) {
    if (!err?.code) throw err;
    for (const name of only) {
      try {
        keep(spec.evaluate(inputs, { only: [name] }));
      } catch (one) {
        if (!one?.code) throw one;
        errors[name] = plainError(one);
      }
    }
  }
  return { values, errors };
}

/**
 * diffSpecs with the current data, so each changed metric's headline comes before and after;
 * when the data cannot give them (no spend for a changed CAC metric), the diff without values
 * and the reason in `valuesError`.
 */
function diffWithData(current, a, b) {
  if (!current) return { ...diffSpecs(a, b), valuesError: { name: "Error", message: "no data loaded" } };
  const { tx, spend } = current;
  const data = spend ? { transactions: tx, spend } : { transactions: tx };
  try {
    return { ...diffSpecs(a, b, { data }), valuesError: null };
  } catch (err) {
    if (!err?.code) throw err;
    return { ...diffSpecs(a, b), valuesError: plainError(err) };
  }
}

/**
 * The edited spec as a file to download: its `version` the suggested one and a changelog entry
 * whose "why" lists the changes. Parsed once more, so the page offers only a valid file.
 */
function downloadOf(edited, diff) {
  const document = edited.toJSON();
  const version = diff.suggestedVersion;
  const why = diff.changes.length
    ? diff.changes.map((c) => `${c.path}: ${c.explanation}`).join("; ")
    : "No change in the definitions.";
  document.version = version;
  document.changelog = [
    ...(document.changelog ?? []),
    { version, date: isoDay(Date.now()), by: "unimetric dashboard", why },
  ];
  const check = parseSpec(document, "edit");
  try {
    return {
      document,
      definitionHash: check.definitionHash,
      filename: `${String(edited.name).replace(/[^A-Za-z0-9._-]/g, "_")}-${version}.json`,
    };
  } finally {
    check.free();
  }
}

/**
 * The settings the page offers: each shared parameter and each metric's own parameters, as
 * set in the document, with the bounds and allowed values of the definition they belong to.
 */
function specForm(document, definitions) {
  // A metric built on a summary or fits takes their parameters too (docs/SPEC.md): their bounds
  // are those of the summary's and the fit's definitions.
  const related = SPEC_RELATED.map((id) => getDefinition(id));
  const find = (def, name) => def?.parameters.find((p) => p.name === name);
  const paramOf = (metric, name) =>
    find(definitions[metric], name) ?? (catalogEntry(metric)?.params.includes(name) ? related.map((def) => find(def, name)).find(Boolean) : null) ?? null;
  const field = (path, name, value, p, scope) => ({
    path,
    name,
    value,
    scope,
    description: p?.description ?? "",
    default: p?.default ?? null,
    min: p?.min ?? null,
    max: p?.max ?? null,
    minExclusive: p?.minExclusive ?? false,
    integer: p?.integer ?? false,
    values: p?.values ?? null,
  });
  const shared = Object.entries(document.shared ?? {}).map(([name, value]) => {
    // The bounds of the first metric that takes this parameter (they agree across metrics).
    const owner = Object.values(document.metrics).find(({ metric }) => paramOf(metric, name));
    return field(`shared.${name}`, name, value, owner ? paramOf(owner.metric, name) : null, "shared");
  });
  const metrics = Object.entries(document.metrics).map(([key, m]) => ({
    key,
    label: m.label ?? key,
    metric: m.metric,
    fields: Object.entries(m.params ?? {}).map(([name, value]) =>
      field(`metrics.${key}.params.${name}`, name, value, paramOf(m.metric, name), key),
    ),
  }));
  return { shared, metrics };
}
