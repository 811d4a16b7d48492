// The demo dashboard: UI only. Every number comes from the unimetric WebAssembly module, which
// runs in a module worker (the package's unimetric/worker with the tasks of www/worker.js); the
// modules of this directory send requests and render results. This one wires them together.

import { computeAnomalies, readAnomalySettings, wireAnomalies } from "./anomalies.js";
import { computeAttribution, readAttributionSettings, wireAttribution } from "./attribution.js";
import { computeCac, readCacSettings, wireCac } from "./cac.js";
import { computeChurn, readChurnSettings, wireChurn } from "./churn.js";
import { computeCohorts, computeRetention, readCohortSettings, wireCohorts } from "./cohorts.js";
import { cancelWork, engine, fetchDefinitions, runTask, showHalted } from "./engine.js";
import { refreshExperimentOnData, wireExperiments } from "./experiments.js";
import { wireExport } from "./export.js";
import { $ } from "./format.js";
import { installHooks } from "./hooks.js";
import { compute, readKpiSettings, renderPlaceholders, updateEndBounds, wireKpis } from "./kpis.js";
import { loadLimits } from "./limits.js";
import { computeLtv, readLtvSettings, wireLtv } from "./ltv.js";
import { computeSegments, readSegmentSettings, wireSegments } from "./segments.js";
import { computeSpec, loadSpec, readSpecSettings, wireSpec } from "./spec.js";
import { SAMPLE, sampleRequest, state } from "./state.js";
import { clearError, describeData, renderError, setState, setStatus, showError } from "./ui.js";
import { renderRejected, wireUpload } from "./upload.js";

/**
 * Every section's settings from the URL, into the state and the forms. True when the URL names
 * another metric spec than the one loaded.
 */
function readUrl() {
  const params = new URLSearchParams(location.search);
  readKpiSettings(params);
  readAnomalySettings(params);
  readCacSettings(params);
  readAttributionSettings(params);
  readChurnSettings(params);
  readLtvSettings(params);
  readCohortSettings(params);
  readSegmentSettings(params);
  return readSpecSettings(params);
}

function computeAll() {
  return Promise.all([compute(), computeAnomalies(), computeCac(), computeAttribution(), computeChurn(), computeLtv(), computeCohorts(), computeSegments(), computeSpec(), refreshExperimentOnData()]);
}

/** Loads a data set in the worker; on failure the previous data set stays in use. */
async function loadData(loadRequest, label) {
  $("halted").hidden = true;
  setState("loading");
  setStatus(`Loading ${label}…`);
  try {
    state.data = await runTask("load", loadRequest);
    state.loadRequest = loadRequest;
    state.loadedGeneration = engine.generation;
    renderRejected(state.data);
  } catch (err) {
    if (state.data) setStatus(`Still showing: ${describeData(state.data, state.result?.kpis)}`);
    else setStatus("No data loaded.");
    const source = ["spend", "touchpoints", "traffic", "actions"].includes(err.source) ? loadRequest[err.source].name : label;
    showError(`Could not load ${source}`, err);
    if (err.code === "E_CANCELLED") showHalted(err);
    return false;
  }
  updateEndBounds();
  await computeAll();
  return true;
}

/** Recompute: every section again, in a fresh worker if the last one was stopped. */
function recomputeAll() {
  $("halted").hidden = true;
  if (!state.data) {
    loadData(state.loadRequest ?? sampleRequest(), state.loadRequest?.name ?? SAMPLE.name);
    return;
  }
  computeAll();
}

/** Reads the library's definitions, then wires the page and loads the sample data. */
async function start() {
  try {
    // The settings' defaults and bounds are the library's, so they are read before anything else.
    await loadLimits(fetchDefinitions);
  } catch (err) {
    setStatus("No data loaded.");
    showError("Could not read the library's definitions", err);
    return;
  }
  wireKpis();
  wireAnomalies();
  wireCac();
  wireAttribution();
  wireChurn();
  wireLtv();
  wireCohorts();
  wireSegments();
  wireSpec();
  wireUpload(loadData);
  wireExport();
  // Close the dialog when its backdrop is clicked (a click whose target is the dialog itself).
  $("definition").addEventListener("click", (event) => {
    if (event.target === event.currentTarget) event.currentTarget.close();
  });
  $("cancel").addEventListener("click", cancelWork);
  $("recompute").addEventListener("click", recomputeAll);
  $("load-sample").addEventListener("click", () => {
    clearError();
    loadData(sampleRequest(), SAMPLE.name);
  });
  window.addEventListener("popstate", () => {
    if (readUrl()) loadSpec();
    if (state.data) computeAll();
  });
  renderPlaceholders();
  readUrl();
  // The spec's text is fetched while the data loads; it is evaluated once the data is there.
  loadSpec();
  await loadData(sampleRequest(), SAMPLE.name);
  // The retention panel needs no data set: it fits the survivor counts of its own form.
  await computeRetention();
  // The experiments section needs no data set: its sample arms load after the dashboard's data.
  await wireExperiments().catch((err) => renderError($("exp-error"), "Could not load the sample experiment", err));
}

installHooks(engine);
start();
