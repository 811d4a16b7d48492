// The dashboard's attribution task, run in the worker of www/worker.js: journeys from the loaded
// touchpoints and transactions, every attribution model side by side, last touch compared with
// the chosen model, and CAC by channel under the chosen model next to first-purchase CAC.

import { Journeys, attribution, cac, compareAttribution, getDefinition } from "/pkg/unimetric.js";

/** Definition ids of the section besides the models' own (read from their results). */
const CAC_DEFINITIONS = ["cac.channel", "cac.attributed"];

/**
 * Touchpoint columns `{ journeyId, timestamp, channel }` (plain arrays of text; the library parses
 * the times) from a CSV text with a header row, under `mapping` (`{ journeyId, timestamp,
 * channel }` → header names). The delimiter is whichever of `,` `;` and tab the header holds most
 * often (`,` on a tie), as for the transactions. Fields may be quoted ("…", "" for a quote); a
 * line break inside quotes is not supported. Blank lines are skipped.
 */
export function touchpointColumns(text, mapping) {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  const delimiter = [",", ";", "\t"].reduce((best, d) => (count(lines[0], d) > count(lines[0], best) ? d : best), ",");
  const header = splitCsvLine(lines[0] ?? "", delimiter).map((name) => name.trim());
  const index = {};
  for (const [key, name] of Object.entries(mapping)) {
    index[key] = header.indexOf(name);
    if (index[key] < 0) throw new Error(`the touchpoints file has no column "${name}"`);
  }
  const columns = { journeyId: [], timestamp: [], channel: [] };
  for (let i = 1; i < lines.length; i++) {
    if (lines[i].trim() === "") continue;
    const fields = splitCsvLine(lines[i], delimiter);
    for (const key of Object.keys(columns)) columns[key].push(fields[index[key]] ?? "");
  }
  return columns;
}

const count = (text = "", c) => text.split(c).length - 1;

function splitCsvLine(line, delimiter) {
  if (!line.includes('"')) return line.split(delimiter);
  const fields = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === delimiter) {
      fields.push(field);
      field = "";
    } else field += c;
  }
  fields.push(field);
  return fields;
}

/**
 * The attribution section's numbers for `touchpoints` (columns, or null when the data set has
 * none) and the current transactions and spend. Returns `{ touchpoints: false }` without
 * touchpoints. The models' per-conversion credits stay here (CAC uses them); the page gets each
 * model's conversions, value and share, the Markov chain, the comparison and the CAC tables.
 */
export function attributionTask({ tx, spend, touchpoints }, { models, lookbackDays = 30, order = 1, model = "markov" }) {
  if (!touchpoints) return { touchpoints: false };
  const journeys = Journeys.fromTransactions(touchpoints, tx, { lookbackDays });
  let result;
  try {
    // Without `models`, every model the journeys allow.
    result = attribution(journeys, { ...(models ? { models } : {}), order, credits: true });
  } finally {
    journeys.free();
  }
  if (!result.models[model]) throw new Error(`the model "${model}" was not computed on these journeys`);
  const shown = {};
  const definitions = {};
  for (const [name, credit] of Object.entries(result.models)) {
    const { channels, conversions, value, share, definition } = credit;
    shown[name] = { channels, conversions, value, share, definition };
    definitions[definition.metric] ??= getDefinition(definition.metric) ?? null;
  }
  for (const id of CAC_DEFINITIONS) definitions[id] = getDefinition(id) ?? null;
  return {
    touchpoints: true,
    options: { models: Object.keys(shown), lookbackDays, order, model },
    channels: result.channels,
    models: shown,
    markov: result.markov,
    totals: result.totals,
    unattributed: result.unattributed,
    comparison: compareAttribution(result, "lastTouch", model),
    cac: spend
      ? { attributed: cac(spend, tx, { attribution: result, model }), firstPurchase: cac(spend, tx) }
      : null,
    definitions,
  };
}
