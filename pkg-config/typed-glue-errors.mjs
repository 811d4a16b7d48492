// Makes the errors that wasm-bindgen's generated glue throws by itself typed like every other
// error of the package: an argument of the wrong class (`_assertClass`) and a call on an object
// whose memory was already released (`free()`, or an object not made by unimetric) become
// `UnimetricError`s with code `E_BAD_TYPE`. Fails the build when the glue no longer has the
// expected shape, so a wasm-bindgen upgrade cannot silently bring back untyped errors.
// Usage: node pkg-config/typed-glue-errors.mjs pkg/unimetric.js
import { readFileSync, writeFileSync } from "node:fs";

const file = process.argv[2];
let src = readFileSync(file, "utf8");

const replacements = [
  [
    "throw new Error(`expected instance of ${klass.name}`);",
    "throw unimetricTypeError(`expected an instance of ${klass.name}, found ${instance === null ? \"null\" : instance === undefined ? \"undefined\" : (instance.constructor && instance.constructor.name) || typeof instance}`);",
  ],
  [
    "throw new Error(getStringFromWasm0(arg0, arg1));",
    "throw unimetricTypeError(getStringFromWasm0(arg0, arg1));",
  ],
];
for (const [from, to] of replacements) {
  const n = src.split(from).length - 1;
  if (n !== 1) {
    console.error(`typed-glue-errors: expected exactly one occurrence of ${JSON.stringify(from)} in ${file}, found ${n}`);
    process.exit(1);
  }
  src = src.replace(from, () => to);
}

src += `
function unimetricTypeError(message) {
    const e = new Error(message === "null pointer passed to rust"
        ? "the object has been freed (free() was called on it, or it was not made by unimetric)"
        : message);
    e.name = "UnimetricError";
    e.code = "E_BAD_TYPE";
    return e;
}
`;
writeFileSync(file, src);
