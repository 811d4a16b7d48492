// Types of `unimetric/arrow/worker` (arrow-worker.js): the same client as `unimetric/worker`,
// whose worker serves the `unimetric/arrow` entry (with `fromArrow`).
export * from "./worker.js";
