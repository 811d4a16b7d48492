// Charts (optional): ECharts is loaded on first use; the page works without it, since every chart
// has a table with the same numbers.

import { $ } from "./format.js";

// Series colours, each with at least 4.5:1 contrast on white.
export const PALETTE = ["#1d5fa8", "#b35c00", "#2e7d32", "#8e24aa", "#c62828", "#00838f", "#5d4037", "#455a64"];

let echartsLoad = null;
const charts = new Map(); // element id → ECharts instance

/** Resolves in a new task, so the work before and after it are separate main-thread tasks. */
const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * The chart instance drawing into the element with this id (created on first use). Each chart
 * is drawn in a task of its own, so that no single task blocks the page for long.
 */
export async function chartIn(id) {
  echartsLoad ??= import("/vendor/echarts/echarts.esm.min.mjs");
  const echarts = await echartsLoad;
  await nextTask();
  let instance = charts.get(id);
  if (!instance) {
    const el = $(id);
    instance = echarts.init(el, null, { renderer: "canvas" });
    new ResizeObserver(() => instance.resize()).observe(el);
    charts.set(id, instance);
  }
  return instance;
}
