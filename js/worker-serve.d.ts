// Types of worker-serve.js, the messaging inside the worker that both worker scripts share:
// worker-thread.d.ts and arrow-worker-thread.d.ts narrow `TaskContext` and `Task` to their
// entry's module.
import type { Progress } from "./unimetric.js";

/** What a task receives besides its arguments; `Lib` is the library module the worker serves. */
export interface TaskContext<Lib> {
  /** The library module (already instantiated). */
  lib: Lib;
  /** Sends a progress report to the caller's `onProgress` (a no-op without one). */
  progress(report: Progress | { stage: string; done: number; total: number }): void;
  /** Stores a library object in the worker and returns its handle, which the page receives as a `RemoteObject`. */
  keep(object: { free(): void }): unknown;
}

/** A task: arguments with handles resolved to the library's objects. */
export type Task<Lib> = (args: unknown[], context: TaskContext<Lib>) => unknown;

/** The property that marks a handle in messages. */
export const HANDLE: "__unimetricHandle";

/**
 * Starts answering the worker's messages with `lib` (a module of this package) after calling
 * `init`, its default export; returns the `expose` of that worker. A worker serves one library.
 */
export function serve<Lib>(lib: Lib, init: () => Promise<unknown>): { expose(tasks: Record<string, Task<Lib>>): void };
