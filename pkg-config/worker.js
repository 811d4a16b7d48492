// `unimetric/worker`: the library in a Web Worker behind promises, so long fits never block the
// page. The worker runs worker-thread.js (the `unimetric` entry); for `fromArrow`, use
// `unimetric/arrow/worker` (arrow-worker.js) instead. The client is worker-client.js.
//
//   import { UnimetricWorker } from "unimetric/worker";
//   const um = new UnimetricWorker();
//   const tx = await um.call("Transactions.fromCsv", [bytes, mapping], { transfer: [bytes.buffer] });
//   const summary = await tx.call("summary", [{ period: "day" }]);
//   const seg = await um.call("segmentCustomers", [summary, { k: 4, onProgress: (p) => show(p) }],
//     { signal: controller.signal });
//
// Cancelling (an aborted `signal`, `cancel()`) terminates the worker: every call in flight
// rejects with an UnimetricError of code E_CANCELLED, objects it held are gone, and the next call
// starts a fresh worker. A worker that dies (a trap, a failed start) rejects the same way.

import { RemoteObject, WorkerClient } from "./worker-client.js";

export { RemoteObject };

/**
 * The unimetric library (`unimetric`) running in a dedicated module Web Worker.
 *
 * Requests run in the worker one after another, in call order. Arguments are structured-cloned
 * (so the caller's arrays are never modified) unless listed in `transfer`, which moves them
 * without a copy; the only copy left is the one into WebAssembly memory. Typed arrays in results
 * are transferred back, not copied. Options: `{ url, name }` (see worker-client.js).
 */
export class UnimetricWorker extends WorkerClient {
  /** @internal The package's worker script; the literal form lets bundlers find and bundle it. */
  createWorker() {
    return new Worker(new URL("./worker-thread.js", import.meta.url), { type: "module", name: this.name });
  }
}
