// A real DuckDB-WASM in Node (its synchronous Node bundle), for the Arrow tests and the Arrow
// benchmark: run SQL, get the result as an apache-arrow Table, and as Arrow IPC bytes.
import path from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
// The Node bundle of DuckDB-WASM is CommonJS and builds its Tables with apache-arrow's CommonJS
// build; tableToIPC must come from that same module instance (an ESM import is a second copy
// whose instanceof checks fail, and it then writes zero bytes).
const { tableToIPC } = require("apache-arrow");
const DIST = path.dirname(require.resolve("@duckdb/duckdb-wasm/dist/duckdb-node-blocking.cjs"));
const duckdb = require("@duckdb/duckdb-wasm/dist/duckdb-node-blocking.cjs");

/** Opens an in-memory DuckDB-WASM database; `sql(q)` returns an apache-arrow Table. */
export async function openDuckDB() {
  const bundles = {
    mvp: { mainModule: path.join(DIST, "duckdb-mvp.wasm"), mainWorker: path.join(DIST, "duckdb-node-mvp.worker.cjs") },
    eh: { mainModule: path.join(DIST, "duckdb-eh.wasm"), mainWorker: path.join(DIST, "duckdb-node-eh.worker.cjs") },
  };
  const db = await duckdb.createDuckDB(bundles, new duckdb.VoidLogger(), duckdb.NODE_RUNTIME);
  await db.instantiate();
  const conn = db.connect();
  return {
    db,
    sql: (q) => conn.query(q),
    /** The result of `q` as the Arrow IPC stream DuckDB-WASM itself produces (no Table). */
    sqlIPC: (q) => conn.useUnsafe((bindings, id) => bindings.runQuery(id, q)),
    /** Registers text as a file DuckDB can read, e.g. with read_csv('name'). */
    file: (name, text) => db.registerFileText(name, text),
    close: () => { conn.close(); db.reset?.(); },
  };
}

/** Arrow IPC bytes of a table: "stream" (default) or "file" format. */
export const ipc = (table, format = "stream") => tableToIPC(table, format);
