// Types of `unimetric/worker-thread` (worker-thread.js), for custom worker scripts.
import type * as lib from "./unimetric.js";
import type { Progress } from "./unimetric.js";

/** What a task receives besides its arguments; `Lib` is the library module the worker serves. */
export interface TaskContext<Lib = typeof lib> {
  /** The library module (already instantiated). */
  lib: Lib;
  /** Sends a progress report to the caller's `onProgress` (a no-op without one). */
  progress(report: Progress | { stage: string; done: number; total: number }): void;
  /** Stores a library object in the worker and returns its handle, which the page receives as a `RemoteObject`. */
  keep(object: { free(): void }): unknown;
}

/** A task: arguments with handles resolved to the library's objects. */
export type Task<Lib = typeof lib> = (args: unknown[], context: TaskContext<Lib>) => unknown;

/** The property that marks a handle in messages. */
export const HANDLE: "__unimetricHandle";

/** Adds tasks a `UnimetricWorker` can call by name; they take precedence over the library's functions. */
export function expose(tasks: Record<string, Task>): void;
