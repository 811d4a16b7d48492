// Node entry: instantiates the WebAssembly module synchronously at import, so
// `import { Transactions } from "unimetric"` works with no init call. Calling the default
// export (`await init()`) afterwards is harmless, so isomorphic code runs unchanged.
import { readFileSync } from "node:fs";
import init, { initSync } from "./unimetric.js";

initSync({ module: readFileSync(new URL("./unimetric_bg.wasm", import.meta.url)) });

export * from "./unimetric.js";
export default init;
