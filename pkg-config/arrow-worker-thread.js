// `unimetric/arrow/worker-thread`: the script the `UnimetricWorker` of `unimetric/arrow/worker`
// (arrow-worker.js) runs in its Web Worker. It serves the `unimetric/arrow` entry (unimetric_arrow.js: the whole
// API plus `Transactions.fromArrow`, `Spend.fromArrow`, `CustomerSummary.fromArrow`,
// `FeatureMatrix.fromArrow` and `customerAttributesFromArrow`); worker-serve.js does the
// messaging, the same as for worker-thread.js. A custom worker script adds tasks with `expose`:
//
//   import { expose } from "unimetric/arrow/worker-thread";
//   expose({ summarise([ipc, mapping], { lib }) { return lib.Transactions.fromArrow(ipc, mapping).summary({}); } });

import init, * as lib from "./unimetric_arrow.js";
import { HANDLE, serve } from "./worker-serve.js";

export { HANDLE };

/**
 * Adds tasks a client can call by name (`worker.call(name, args)`), in front of the library's
 * functions; `context.lib` of a task is the `unimetric/arrow` module. See worker-serve.js.
 */
export const { expose } = serve(lib, init);
