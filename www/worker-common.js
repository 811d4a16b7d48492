// Helpers shared by the dashboard's worker modules.

export const DAY_MS = 86_400_000;
export const isoDay = (ms) => new Date(ms).toISOString().slice(0, 10);

/**
 * `{ value }` from `fn`, or `{ error }` (a plain copy) when it throws a library error; anything
 * else (a bug) propagates.
 */
export function attempt(fn) {
  try {
    return { value: fn(), error: null };
  } catch (err) {
    if (!err?.code) throw err;
    return { value: null, error: plainError(err) };
  }
}

export function plainError(err) {
  if (!(err instanceof Error)) return { name: "Error", message: String(err) };
  const { name, message, code, column, row, source, cutoffs, path, line, col } = err;
  return { name, message, code, column, row, source, cutoffs, path, line, col };
}
