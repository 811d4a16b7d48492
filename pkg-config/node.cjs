// CommonJS entry for Node (`require("unimetric")`): the glue converted to CommonJS at build time,
// with the WebAssembly module instantiated synchronously from disk, so no init call is needed.
"use strict";
const { readFileSync } = require("node:fs");
const path = require("node:path");
const unimetric = require("./unimetric.cjs");

unimetric.initSync({ module: readFileSync(path.join(__dirname, "unimetric_bg.wasm")) });

module.exports = unimetric;
