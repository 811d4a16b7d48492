// Types of worker-client.js, the client both Worker entries share: `unimetric/worker`
// (worker.d.ts) and `unimetric/arrow/worker` (arrow-worker.d.ts) declare their `UnimetricWorker`
// as a subclass of `WorkerClient` and re-export the rest.
import type { Progress, ProgressCallback, UnimetricError } from "./unimetric.js";

export type { Progress, ProgressCallback };

/** Options of one request to the worker. */
export interface CallOptions {
  /** Called with each progress report of a long fit (also taken from an `onProgress` in an options argument). Return values are ignored: cancel with `signal`. */
  onProgress?: ProgressCallback;
  /** Aborting it terminates the worker: this call and every other one in flight reject with `E_CANCELLED`. */
  signal?: AbortSignal;
  /** Buffers moved to the worker without a copy (they become detached for the caller). */
  transfer?: Transferable[];
}

/** Replaces the library's objects in `T` by `RemoteObject`s (what a result looks like on the page). */
export type Remote<T> = T extends { free(): void }
  ? RemoteObject
  : T extends ArrayBufferView
    ? T
    : T extends Array<infer U>
      ? Remote<U>[]
      : T extends object
        ? { [K in keyof T]: Remote<T[K]> }
        : T;

/** The error a call rejects with when its worker was cancelled, terminated or failed. */
export interface WorkerCancelledError extends UnimetricError {
  readonly code: "E_CANCELLED";
  readonly reason: "cancelled" | "terminated" | "failed";
}

/** A library object that lives in the worker. */
export class RemoteObject {
  /** The library class, e.g. "Transactions". */
  readonly type: string;
  /** Calls a method of the object in the worker. */
  call<R = unknown>(name: string, args?: readonly unknown[], options?: CallOptions): Promise<R>;
  /** Reads a getter of the object. */
  get<R = unknown>(name: string): Promise<R>;
  /** Frees the object in the worker (a no-op once its worker is gone). */
  free(): Promise<void>;
}

/**
 * The unimetric library in a dedicated module Web Worker, behind promises: the class the
 * `UnimetricWorker` of each Worker entry extends with its own worker script.
 */
export class WorkerClient {
  /**
   * `url`: the worker script (default: the entry's own, worker-thread.js for `unimetric/worker`,
   * arrow-worker-thread.js for `unimetric/arrow/worker`; give your own script that imports it
   * and calls `expose` to add tasks); `name`: the worker's name in developer tools.
   */
  constructor(options?: { url?: string | URL; name?: string });
  /** Calls an exported function (`"segmentCustomers"`), a static method (`"Transactions.fromCsv"`) or a task added with `expose`. Library objects in `args` are `RemoteObject`s. */
  call<R = unknown>(target: string, args?: readonly unknown[], options?: CallOptions): Promise<R>;
  /** The library version. */
  version(): Promise<string>;
  /** Calls in flight. */
  readonly busy: number;
  /** Terminates the worker; every call in flight rejects with `E_CANCELLED`. The next call starts a new worker. Returns how many were stopped. */
  cancel(message?: string): number;
  /** Terminates the worker for good. */
  terminate(): void;
}
