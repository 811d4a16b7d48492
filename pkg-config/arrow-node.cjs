// CommonJS entry of `unimetric/arrow` for Node (`require("unimetric/arrow")`).
"use strict";
const { readFileSync } = require("node:fs");
const path = require("node:path");
const unimetric = require("./unimetric_arrow.cjs");

unimetric.initSync({ module: readFileSync(path.join(__dirname, "unimetric_arrow_bg.wasm")) });

module.exports = unimetric;
