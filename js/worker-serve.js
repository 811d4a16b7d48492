// What runs inside the worker of `UnimetricWorker` (worker.js, arrow-worker.js), for either entry:
// worker-thread.js serves `unimetric` (unimetric.js), arrow-worker-thread.js serves
// `unimetric/arrow` (unimetric_arrow.js); both call `serve` with their module and its init.
//
// It answers requests with every exported function and static method by name, and the methods
// and getters of the objects they return, which stay here and travel as handles. A custom worker
// script imports `expose` from one of the two scripts and adds its own tasks:
//
//   import { expose } from "unimetric/worker-thread";   // or "unimetric/arrow/worker-thread"
//   expose({ revenueByMonth([tx, year], { lib, progress }) { … } });
//
// Protocol (one message per request, answered in order):
//   → { id, op: "call", target, args }        target: "fn", "Class.static" or a task name
//   → { id, op: "method", handle, name, args } → { id, op: "get", handle, name } → { id, op: "free", handle }
//   ← { id, progress }  (any number)   then   ← { id, ok: true, value } | { id, ok: false, error, fatal }
// Handles are `{ [HANDLE]: n, type }`; an options object whose `onProgress` is `true` gets a
// function that posts `{ id, progress }`. Typed arrays in results are transferred, not copied.

import { UnimetricError } from "./error.js";

/** Marks a handle in messages (a plain property, so it survives structured cloning). */
export const HANDLE = "__unimetricHandle";

const isPlain = (v) => v !== null && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype;

/** A request the worker cannot answer (an unknown function, method or handle): E_BAD_OPTION. */
function codedError(message) {
  return new UnimetricError(message, { code: "E_BAD_OPTION" });
}

/** A plain copy of a thrown value that survives postMessage. */
function plainError(err) {
  if (!(err instanceof Error)) return { name: "Error", message: String(err) };
  const copy = { name: err.name, message: err.message };
  for (const key of Object.keys(err)) {
    const v = err[key];
    if (v === null || ["string", "number", "boolean"].includes(typeof v) || isPlain(v)) copy[key] = v;
  }
  return copy;
}

let serving = false;

/**
 * Starts answering the worker's messages with `lib`, a wasm-bindgen module of this package
 * (`import init, * as lib from "./unimetric.js"` or `"./unimetric_arrow.js"`); `init` is its
 * default export, called once here to instantiate the WebAssembly module. Requests wait for it.
 * Returns `{ expose }` (see below). A worker serves one library: a second call throws.
 */
export function serve(lib, init) {
  if (serving) throw new Error("this worker already serves a unimetric library");
  serving = true;

  // The module's memory: views of it are never transferred (it cannot be detached).
  let memory = null;
  const ready = init().then((exports) => {
    memory = exports.memory;
  });
  const classes = Object.values(lib).filter((v) => typeof v === "function" && typeof v.prototype?.free === "function");
  const handles = new Map();
  let nextHandle = 1;
  const tasks = new Map();

  /**
   * Adds tasks a client can call by name (`worker.call(name, args)`), in front of the library's
   * functions. A task is `(args, context) => result` (may be async) with the handles in `args`
   * already resolved; `context` is `{ lib, progress, keep }`: the library module, a function that
   * sends a progress report to the caller's `onProgress` (a no-op without one), and `keep(object)`
   * which stores a library object and returns its handle for the result.
   */
  function expose(extra) {
    for (const [name, fn] of Object.entries(extra)) {
      if (typeof fn !== "function") throw new TypeError(`task ${name} is not a function`);
      tasks.set(name, fn);
    }
  }

  /** A library object → its handle, stored until freed. */
  function keep(object) {
    const id = nextHandle++;
    handles.set(id, object);
    const type = classes.find((c) => object instanceof c)?.name ?? "object";
    return { [HANDLE]: id, type };
  }

  const isLibraryObject = (v) => v !== null && typeof v === "object" && classes.some((c) => v instanceof c);

  /** A handle → the object it stands for (E_BAD_OPTION for a freed or unknown one). */
  function resolve(value) {
    if (value && typeof value === "object" && HANDLE in value) {
      const object = handles.get(value[HANDLE]);
      if (!object) throw codedError(`the ${value.type ?? "object"} this handle refers to was freed`);
      return object;
    }
    return value;
  }

  /** Arguments as the library takes them: handles resolved, `onProgress: true` made a function. */
  function prepareArgs(args, progress) {
    return (args ?? []).map((arg) => {
      let value = resolve(arg);
      if (isPlain(value)) {
        // Handles inside a plain-object argument, one level deep (e.g. evaluate({ transactions })).
        value = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v)]));
        if (value.onProgress === true) return { ...value, onProgress: progress };
      }
      return value;
    });
  }

  /**
   * A result ready to post: library objects become handles (at any depth of plain objects and
   * arrays); the buffers of typed arrays are collected for transfer.
   */
  function outgoing(value, transfer, depth = 0) {
    if (isLibraryObject(value)) return keep(value);
    if (ArrayBuffer.isView(value)) {
      const { buffer } = value;
      if (buffer instanceof ArrayBuffer && buffer !== memory?.buffer && !transfer.includes(buffer)) transfer.push(buffer);
      return value;
    }
    if (depth > 8) return value;
    if (Array.isArray(value)) return value.map((v) => outgoing(v, transfer, depth + 1));
    if (isPlain(value)) {
      const out = {};
      for (const [k, v] of Object.entries(value)) out[k] = outgoing(v, transfer, depth + 1);
      return out;
    }
    return value;
  }

  /** The function `target` names: a task, an export, or `Class.staticMethod`. */
  function lookup(target) {
    if (tasks.has(target)) return { fn: tasks.get(target), task: true };
    const [name, member] = String(target).split(".", 2);
    const owner = lib[name];
    const fn = member === undefined ? owner : owner?.[member];
    const ok = typeof fn === "function" && name !== "default" && !name.startsWith("init") && (member === undefined ? !classes.includes(owner) : classes.includes(owner));
    if (!ok) throw codedError(`unimetric has no function or task named ${target}`);
    return { fn: member === undefined ? fn : fn.bind(owner), task: false };
  }

  async function run(message, progress) {
    await ready;
    const { op } = message;
    if (op === "call") {
      const { fn, task } = lookup(message.target);
      const args = prepareArgs(message.args, progress);
      return task ? fn(args, { lib, progress, keep }) : fn(...args);
    }
    if (op === "free") {
      const object = handles.get(message.handle);
      handles.delete(message.handle);
      object?.free();
      return undefined;
    }
    const object = resolve({ [HANDLE]: message.handle });
    if (op === "get") {
      if (typeof object[message.name] === "function") throw codedError(`${message.name} is a method; use call`);
      return object[message.name];
    }
    if (op === "method") {
      const method = object[message.name];
      if (typeof method !== "function" || message.name === "free" || message.name.startsWith("__")) {
        throw codedError(`${object.constructor.name} has no method ${message.name}`);
      }
      return method.apply(object, prepareArgs(message.args, progress));
    }
    throw codedError(`unknown request ${op}`);
  }

  // Requests run one after another, in the order they arrive.
  let queue = Promise.resolve();
  self.addEventListener("message", (event) => {
    const message = event.data;
    const { id } = message;
    const progress = (report) => {
      self.postMessage({ id, progress: { ...report } });
    };
    queue = queue
      .then(() => run(message, progress))
      .then(
        (value) => {
          const transfer = [];
          const out = outgoing(value, transfer);
          try {
            self.postMessage({ id, ok: true, value: out }, transfer);
          } catch {
            try {
              // A buffer that cannot be transferred (e.g. already detached) is copied instead.
              self.postMessage({ id, ok: true, value: out });
            } catch (err) {
              self.postMessage({ id, ok: false, error: { name: "DataCloneError", message: `the result cannot be sent to the page: ${err.message}` } });
            }
          }
        },
        (err) => {
          // A trap leaves the WebAssembly instance unusable: the client replaces this worker.
          const fatal = err instanceof WebAssembly.RuntimeError;
          self.postMessage({ id, ok: false, error: plainError(err), fatal });
        },
      );
  });

  return { expose };
}
