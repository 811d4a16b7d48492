// The client side of the Worker API, shared by `unimetric/worker` (worker.js) and
// `unimetric/arrow/worker` (arrow-worker.js): each of them subclasses `WorkerClient` with the
// worker script it starts, so a bundler that follows one entry bundles only that entry's worker
// and WebAssembly module. See worker-serve.js for what runs inside the worker.
//
// Cancelling (an aborted `signal`, `cancel()`) terminates the worker: every call in flight
// rejects with an UnimetricError of code E_CANCELLED, objects it held are gone, and the next call
// starts a fresh worker. A worker that dies (a trap, a failed start) rejects the same way.
// Errors of the library inside the worker reach the page as UnimetricErrors too (error.js, the
// class every entry exports), with their code, column and row.

import { UnimetricError } from "./error.js";

/** How a handle is marked in messages (the same constant as in worker-serve.js). */
const HANDLE = "__unimetricHandle";

/** An UnimetricError with code E_CANCELLED; `reason` is "cancelled", "terminated" or "failed". */
function cancelledError(message, reason) {
  return Object.assign(new UnimetricError(message, { code: "E_CANCELLED" }), { reason });
}

/**
 * The page's copy of an error posted by the worker (worker-serve.js sends its name, message and
 * plain own properties): an UnimetricError again when it was one, else an `Error` with them.
 */
function rebuildError({ name, message, ...props }) {
  const err = name === "UnimetricError" ? new UnimetricError(message, props) : Object.assign(new Error(message), { name });
  return Object.assign(err, props);
}

const isPlain = (v) => v !== null && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype;

/**
 * A library object that lives in the worker (a `Transactions`, `CustomerSummary`, a fitted
 * model…). Call its methods with `call`, read its getters with `get`, release it with `free`.
 */
export class RemoteObject {
  /** @internal */
  constructor(worker, generation, id, type) {
    this.worker = worker;
    this.generation = generation;
    this.id = id;
    /** The library class name, e.g. "Transactions". */
    this.type = type;
  }

  /** Calls method `name` with `args` in the worker; resolves to its result. */
  call(name, args = [], options = {}) {
    return this.worker.request({ op: "method", handle: this.id, name, args }, options, this);
  }

  /** Reads getter `name` (e.g. "length", "timeRange"). */
  get(name) {
    return this.worker.request({ op: "get", handle: this.id, name }, {}, this);
  }

  /** Frees the object in the worker (a no-op once the worker that held it is gone). */
  async free() {
    if (this.generation !== this.worker.generation) return;
    await this.worker.request({ op: "free", handle: this.id }, {}, this);
  }
}

/**
 * The unimetric library running in a dedicated module Web Worker.
 *
 * Requests run in the worker one after another, in call order. Arguments are structured-cloned
 * (so the caller's arrays are never modified) unless listed in `transfer`, which moves them
 * without a copy; the only copy left is the one into WebAssembly memory. Typed arrays in results
 * are transferred back, not copied.
 */
export class WorkerClient {
  /**
   * @param {{ url?: string | URL, name?: string }} [options] `url`: the worker script, by
   *   default the entry's own (give your own script that imports the entry's worker-thread
   *   and calls `expose` to add tasks); `name`: the worker's name in developer tools.
   */
  constructor({ url = null, name = "unimetric" } = {}) {
    this.url = url;
    this.name = name;
    this.worker = null;
    this.generation = 0;
    this.nextId = 1;
    this.pending = new Map();
    this.closed = false;
  }

  /** Calls a library function (`"segmentCustomers"`), static method (`"Transactions.fromCsv"`) or task. */
  call(target, args = [], options = {}) {
    return this.request({ op: "call", target, args }, options, null);
  }

  /** The library version, once the worker has started and instantiated the module. */
  version() {
    return this.call("version");
  }

  /** Calls in flight (sent and not yet answered). */
  get busy() {
    return this.pending.size;
  }

  /**
   * Stops every call in flight by terminating the worker; each rejects with E_CANCELLED. Objects
   * held by the worker are lost. The next call starts a new worker. Returns the number stopped.
   */
  cancel(message = "cancelled by the caller") {
    return this.restart(message, "cancelled");
  }

  /** Terminates the worker for good; calls in flight and later calls reject with E_CANCELLED. */
  terminate() {
    this.restart("the worker was terminated", "terminated");
    this.closed = true;
  }

  /** @internal Sends one request; see `call`. */
  request(message, { onProgress, signal, transfer = [] } = {}, owner) {
    return new Promise((resolve, reject) => {
      if (this.closed) {
        reject(cancelledError("the worker was terminated", "terminated"));
        return;
      }
      if (owner && owner.generation !== this.generation) {
        reject(cancelledError(`this ${owner.type} was lost when its worker was cancelled or failed`, "cancelled"));
        return;
      }
      if (signal?.aborted) {
        reject(cancelledError("cancelled before it started", "cancelled"));
        return;
      }
      const worker = this.spawn();
      const id = this.nextId++;
      const progressFns = [];
      const args = message.args?.map((arg) => this.outgoing(arg, progressFns));
      const entry = { resolve, reject, onProgress: onProgress ?? progressFns[0] ?? null };
      if (signal) {
        entry.signal = signal;
        entry.abort = () => this.restart("cancelled by its signal", "cancelled", id);
        signal.addEventListener("abort", entry.abort, { once: true });
      }
      this.pending.set(id, entry);
      worker.postMessage({ ...message, ...(args ? { args } : {}), id }, transfer);
    });
  }

  /** @internal Arguments as the worker expects them: handles and progress markers. */
  outgoing(arg, progressFns) {
    if (arg instanceof RemoteObject) {
      if (arg.generation !== this.generation) {
        throw cancelledError(`this ${arg.type} was lost when its worker was cancelled or failed`, "cancelled");
      }
      return { [HANDLE]: arg.id, type: arg.type };
    }
    if (isPlain(arg)) {
      // Objects of the worker inside a plain-object argument (one level deep), such as
      // `spec.call("evaluate", [{ transactions: tx }])`, travel as handles too.
      let out = arg;
      for (const [k, v] of Object.entries(arg)) {
        if (v instanceof RemoteObject) {
          if (out === arg) out = { ...arg };
          out[k] = this.outgoing(v, progressFns);
        }
      }
      if (typeof arg.onProgress === "function") {
        progressFns.push(arg.onProgress);
        return { ...out, onProgress: true };
      }
      return out;
    }
    return arg;
  }

  /** @internal The entry's own worker script, started (each entry's subclass defines it). */
  createWorker() {
    throw new TypeError("WorkerClient is subclassed by UnimetricWorker of unimetric/worker or unimetric/arrow/worker");
  }

  /** @internal The worker, started on first use and after a cancel. */
  spawn() {
    if (this.worker) return this.worker;
    const worker = this.url ? new Worker(this.url, { type: "module", name: this.name }) : this.createWorker();
    worker.addEventListener("message", ({ data }) => this.receive(data));
    worker.addEventListener("error", (event) => {
      event.preventDefault();
      this.restart(`the worker failed: ${event.message || "it could not start"}`, "failed");
    });
    worker.addEventListener("messageerror", () => this.restart("the worker sent a message that could not be read", "failed"));
    this.worker = worker;
    return worker;
  }

  /** @internal One answer (or progress report) from the worker. */
  receive(data) {
    const entry = this.pending.get(data.id);
    if (!entry) return;
    if (data.progress) {
      try {
        entry.onProgress?.(data.progress);
      } catch (err) {
        queueMicrotask(() => {
          throw err;
        });
      }
      return;
    }
    this.settle(data.id);
    if (data.ok) {
      entry.resolve(this.incoming(data.value));
    } else {
      entry.reject(rebuildError(data.error));
      // A trap leaves the module unusable; the next call gets a fresh worker.
      if (data.fatal) this.restart("the worker failed: the WebAssembly module trapped", "failed");
    }
  }

  /** @internal Handles in a result → RemoteObjects of the current worker. */
  incoming(value, depth = 0) {
    if (value === null || typeof value !== "object" || ArrayBuffer.isView(value) || depth > 8) return value;
    if (HANDLE in value) return new RemoteObject(this, this.generation, value[HANDLE], value.type);
    if (Array.isArray(value)) return value.map((v) => this.incoming(v, depth + 1));
    if (isPlain(value)) {
      for (const key of Object.keys(value)) value[key] = this.incoming(value[key], depth + 1);
    }
    return value;
  }

  /** @internal Forgets a request (and its abort listener). */
  settle(id) {
    const entry = this.pending.get(id);
    this.pending.delete(id);
    entry?.signal?.removeEventListener("abort", entry.abort);
    return entry;
  }

  /**
   * @internal Terminates the worker and rejects everything in flight (`cause` is the id of the
   * call whose signal aborted; the others are told they were stopped with it).
   */
  restart(message, reason, cause = null) {
    const stopped = [...this.pending.keys()];
    this.worker?.terminate();
    this.worker = null;
    this.generation++;
    for (const id of stopped) {
      const entry = this.settle(id);
      const text = cause === null || cause === id ? message : `stopped with the call that was cancelled (${message})`;
      entry.reject(cancelledError(text, reason));
    }
    return stopped.length;
  }
}
