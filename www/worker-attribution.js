// The dashboard's attribution task, run in the worker of www/worker.js: journeys from the loaded
// touchpoints and transactions, every attribution model side by side, last touch compared with
// the chosen model, and CAC by channel under the chosen model next to first-purchase CAC.

import { Journeys, attribution, cac, cacPayback, compareAttribution, getDefinition, ltvToCac } from "/pkg/unimetric.js";

/** Definition ids of the section besides the models' own (read from their results). */
const CAC_DEFINITIONS = ["cac.channel", "cac.attributed", "cac.payback_simple", "cac.ltv_ratio"];

/**
 * Payback (textbook) and LTV:CAC (historical) per channel over the whole window, with channels
 * by `options` (first purchase, or `{ attribution, model }`): `{ payback, ltv }`, the rows the
 * page shows (the per-cohort curves stay here).
 */
function unitEconomics(spend, tx, options) {
  const payback = cacPayback(spend, tx, options);
  const ltv = ltvToCac(spend, tx, { ...options, ltv: "historical" });
  return { payback: payback.simple, ltv: ltv.rows.filter((row) => row.cohort === null) };
}

/** The lookback of the journeys built when the data set loads (the library's default). */
const LOAD_LOOKBACK_DAYS = 30;

/**
 * The touchpoints of a data set: the CSV bytes, the library's mapping of their columns
 * (`{ customerId, timestamp, channel }` from the page's `{ journeyId, timestamp, channel }`) and
 * the journeys built from them and `tx` with a 30-day lookback (which also checks the file: coded
 * errors name its column and row). `touches` counts the touches in journeys (before a purchase,
 * within the lookback window, or of customers who never bought). Free with `freeTouchpoints`.
 */
export function readTouchpoints(bytes, pageMapping, tx) {
  const mapping = { customerId: pageMapping.journeyId, timestamp: pageMapping.timestamp, channel: pageMapping.channel };
  const journeys = Journeys.fromTransactions(bytes, tx, { mapping, lookbackDays: LOAD_LOOKBACK_DAYS });
  return { bytes, mapping, journeys, touches: journeys.touchCount };
}

/** Frees the journeys `readTouchpoints` built. */
export function freeTouchpoints(touchpoints) {
  touchpoints?.journeys.free();
}

/**
 * The attribution section's numbers for `touchpoints` (from `readTouchpoints`, or null when the
 * data set has none) and the current transactions and spend. Returns `{ touchpoints: false }` without
 * touchpoints. The models' per-conversion credits stay here (CAC uses them); the page gets each
 * model's conversions, value and share, the Markov chain, the comparison and the CAC tables.
 */
export function attributionTask(
  { tx, spend, touchpoints },
  { models, lookbackDays = 30, order = 1, model = "markov", period = "month", attributionLag = 0, margin = 1 },
) {
  if (!touchpoints) return { touchpoints: false };
  // The journeys of the load are reused; another lookback builds its own.
  const own = lookbackDays === LOAD_LOOKBACK_DAYS
    ? null
    : Journeys.fromTransactions(touchpoints.bytes, tx, { lookbackDays, mapping: touchpoints.mapping });
  let result;
  try {
    // Without `models`, every model the journeys allow.
    result = attribution(own ?? touchpoints.journeys, { ...(models ? { models } : {}), order, credits: true });
  } finally {
    own?.free();
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
    options: { models: Object.keys(shown), lookbackDays, order, model, period, attributionLag, margin },
    channels: result.channels,
    models: shown,
    markov: result.markov,
    totals: result.totals,
    unattributed: result.unattributed,
    comparison: compareAttribution(result, "lastTouch", model),
    cac: spend
      ? {
          attributed: cac(spend, tx, { attribution: result, model, period, attributionLag }),
          firstPurchase: cac(spend, tx, { period, attributionLag }),
        }
      : null,
    // Payback and LTV:CAC are monthly; they take the CAC section's lag and margin as its own tables do.
    economics: spend
      ? {
          attributed: unitEconomics(spend, tx, { attribution: result, model, margin, attributionLag }),
          firstPurchase: unitEconomics(spend, tx, { margin, attributionLag }),
        }
      : null,
    definitions,
  };
}
