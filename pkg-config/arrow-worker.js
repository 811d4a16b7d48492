// `unimetric/arrow/worker`: the `unimetric/arrow` entry (the whole API plus
// `Transactions.fromArrow`, `Spend.fromArrow`, `CustomerSummary.fromArrow`,
// `FeatureMatrix.fromArrow` and `customerAttributesFromArrow`) in a Web Worker behind promises,
// the same client as `unimetric/worker` (worker-client.js). The worker runs
// arrow-worker-thread.js. Arrow IPC bytes passed with `{ transfer: [bytes.buffer] }` move into
// the worker without a copy:
//
//   import { UnimetricWorker } from "unimetric/arrow/worker";
//   const um = new UnimetricWorker();
//   const tx = await um.call("Transactions.fromArrow", [ipc, mapping], { transfer: [ipc.buffer] });

import { RemoteObject, WorkerClient } from "./worker-client.js";

export { RemoteObject };

/** The `unimetric/arrow` entry running in a dedicated module Web Worker; see worker.js. */
export class UnimetricWorker extends WorkerClient {
  /** @internal The package's Arrow worker script; the literal form lets bundlers find it. */
  createWorker() {
    return new Worker(new URL("./arrow-worker-thread.js", import.meta.url), { type: "module", name: this.name });
  }
}
