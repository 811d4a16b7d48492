// Node entry of `unimetric/arrow`: the full API plus `fromArrow`, instantiated synchronously at
// import like the main Node entry.
import { readFileSync } from "node:fs";
import init, { initSync } from "./unimetric_arrow.js";

initSync({ module: readFileSync(new URL("./unimetric_arrow_bg.wasm", import.meta.url)) });

export * from "./unimetric_arrow.js";
export default init;
