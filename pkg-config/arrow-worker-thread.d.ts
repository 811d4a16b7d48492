// Types of `unimetric/arrow/worker-thread` (arrow-worker-thread.js), for custom worker scripts
// that serve the `unimetric/arrow` entry.
import type * as arrow from "./unimetric_arrow.js";
import type { Task as AnyTask, TaskContext as AnyTaskContext } from "./worker-thread.js";

/** What a task receives besides its arguments: `lib` is the `unimetric/arrow` module. */
export type TaskContext = AnyTaskContext<typeof arrow>;

/** A task: arguments with handles resolved to the library's objects. */
export type Task = AnyTask<typeof arrow>;

/** The property that marks a handle in messages. */
export const HANDLE: "__unimetricHandle";

/** Adds tasks the `UnimetricWorker` of `unimetric/arrow/worker` can call by name; they take precedence over the library's functions. */
export function expose(tasks: Record<string, Task>): void;
