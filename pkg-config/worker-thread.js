// `unimetric/worker-thread`: the script `UnimetricWorker` (worker.js) runs in its Web Worker by
// default. It serves the `unimetric` entry (unimetric.js); worker-serve.js does the messaging.
// A custom worker script imports it and adds its own tasks with `expose`:
//
//   import { expose } from "unimetric/worker-thread";
//   expose({ revenueByMonth([tx, year], { lib, progress }) { … } });
//
// For the `unimetric/arrow` entry (with `fromArrow`), see arrow-worker-thread.js.

import init, * as lib from "./unimetric.js";
import { HANDLE, serve } from "./worker-serve.js";

export { HANDLE };

/**
 * Adds tasks a client can call by name (`worker.call(name, args)`), in front of the library's
 * functions; `context.lib` of a task is the `unimetric` module. See worker-serve.js.
 */
export const { expose } = serve(lib, init);
