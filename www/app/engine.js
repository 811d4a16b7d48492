// The worker client: the package's Worker API (unimetric/worker) with the dashboard's tasks added
// in www/worker.js. A cancelled or failed worker is replaced on the next request, which first
// reloads the data set it lost.

import { UnimetricWorker } from "/pkg/worker.js";
import { $ } from "./format.js";
import { state } from "./state.js";

export const engine = new UnimetricWorker({ url: new URL("../worker.js", import.meta.url), name: "unimetric-dashboard" });

/** Progress of the running fits, by task, for the progress bar. */
const running = new Map();

/**
 * Runs a dashboard task in the worker with `args`; shows its progress while it runs and lets
 * Cancel stop it. After a cancel or a failure the data set is loaded again first.
 */
export async function runTask(type, args = {}) {
  if (type !== "load" && state.loadRequest && state.loadedGeneration !== engine.generation) await reload();
  const entry = { type, done: 0, total: 0 };
  running.set(entry, true);
  showWork();
  try {
    return await engine.call(type, [args], {
      onProgress: (p) => {
        entry.done = p.done;
        entry.total = p.total;
        entry.stage = p.stage;
        showWork();
      },
    });
  } catch (err) {
    if (err?.code === "E_CANCELLED") showHalted(err);
    throw err;
  } finally {
    running.delete(entry);
    showWork();
  }
}

/** The definitions of these ids, from the library in the worker (no data set needed). */
export const fetchDefinitions = (ids) => engine.call("definitions", [{ ids }]);
/** An experiment from arm counts, computed in the worker; needs no data set. */
export const runExperiment = (input, options) => engine.call("experiment", [{ input, options }]);
/** An experiment measured on the loaded transactions: `{ url | file, mapping, options }` → `{ result, data }`. */
export const runExperimentOnTransactions = (args) => runTask("experimentOnTransactions", args);
/** A planned experiment's size and duration, computed in the worker. */
export const runPlan = (input) => engine.call("planExperiment", [{ input }]);
/** The library's reading of a column's date values: `{ format, ambiguous, candidates, values }`. */
export const inferDates = (values, column) => engine.call("dateFormat", [{ values, column }]);

let reloading = null;

/** Loads the current data set into a fresh worker (after a cancel or a failure). */
function reload() {
  reloading ??= engine
    .call("load", [state.loadRequest])
    .then(() => {
      state.loadedGeneration = engine.generation;
    })
    .finally(() => {
      reloading = null;
    });
  return reloading;
}

const STAGE_LABEL = {
  kmeans: "k-means runs",
  chooseK: "choosing k",
  bgnbd: "BG/NBD fit",
  gammaGamma: "Gamma-Gamma fit",
};

/** The progress bar and Cancel button: visible while the worker has work. */
function showWork() {
  const box = $("work");
  const busy = running.size > 0;
  box.hidden = !busy;
  $("cancel").disabled = !busy;
  if (!busy) return;
  const withSteps = [...running.keys()].filter((e) => e.total > 0);
  const bar = $("work-progress");
  if (withSteps.length) {
    const e = withSteps.at(-1);
    bar.max = e.total;
    bar.value = e.done;
    $("work-label").textContent = `Computing in the worker: ${STAGE_LABEL[e.stage] ?? e.stage} ${e.done} of ${e.total}…`;
  } else {
    bar.removeAttribute("value");
    $("work-label").textContent = `Computing in the worker (${running.size} task${running.size === 1 ? "" : "s"})…`;
  }
}

/** Cancel: stops every computation by replacing the worker; the sections say so. */
export function cancelWork() {
  engine.cancel("cancelled from the dashboard");
}

/** Says that the computations stopped (cancelled, or the worker failed) and how to go on. */
export function showHalted(err) {
  const failed = err.reason === "failed";
  $("halted-message").textContent = failed
    ? `The computation worker stopped (${err.message}). The results shown may be incomplete; Recompute starts a new worker and loads the data again.`
    : "Computation cancelled. The results shown may be incomplete; Recompute runs the computations again with the current settings.";
  $("halted").hidden = false;
}
