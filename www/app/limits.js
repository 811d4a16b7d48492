// The library's own parameter definitions, which the settings follow: defaults, allowed values
// and bounds come from getDefinition(id).parameters, read once through the worker at start-up,
// so the page accepts exactly what the library accepts.

/** The definitions whose parameters the dashboard's settings use. */
const DEFINITION_IDS = [
  "customer.summary",
  "cac.blended",
  "cac.payback",
  "churn.rate",
  "churn.propensity",
  "ltv.clv",
  "segment.kmeans",
  "experiment.conversion",
  "attribution.markov",
];

let definitions = null;

/** Reads the definitions; `fetchDefinitions(ids)` resolves to an object of id → definition. */
export async function loadLimits(fetchDefinitions) {
  definitions = await fetchDefinitions(DEFINITION_IDS);
}

/**
 * Parameter `name` of definition `id`: `{ name, description, default, value, rule, required, min,
 * max, values }`. `value` is the literal default (null when there is none or it depends on the
 * data, `rule` then names it), `min` and `max` the bounds and `values` the allowed strings of an
 * enumeration (each null when the library sets none).
 */
export function param(id, name) {
  const p = definitions?.[id]?.parameters.find((entry) => entry.name === name);
  if (!p) throw new Error(`the library defines no parameter ${name} of ${id}`);
  return p;
}

/** The literal default of a parameter. */
export const defaultOf = (id, name) => param(id, name).value;

/**
 * The allowed values of an enumeration parameter; where the library lists none, the options of
 * the page's `select` for it.
 */
export function choices(id, name, select) {
  return param(id, name).values ?? [...select.options].map((option) => option.value);
}
