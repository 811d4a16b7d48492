// Makes every error of a generated glue file (pkg/unimetric.js, pkg/unimetric_arrow.js) an
// instance of the package's one `UnimetricError` class (js/error.js, shipped as pkg/error.js):
//   1. the glue imports the class from wasm-bindgen's copy of js/error.js under snippets/; the
//      import is pointed at ./error.js, so both glue files share the class (build.sh copies the
//      file and drops snippets/);
//   2. the errors the glue throws by itself — an argument of the wrong class (`_assertClass`) and
//      a call on an object whose memory was already released (`free()`, or an object not made by
//      unimetric) — become `UnimetricError`s with code `E_BAD_TYPE`;
//   3. the glue exports the class, so every entry built on it does too.
// Fails the build when the glue no longer has the expected shape, so a wasm-bindgen upgrade
// cannot silently bring back untyped errors or a second copy of the class.
// Usage: node pkg-config/typed-glue-errors.mjs pkg/unimetric.js
import { readFileSync, writeFileSync } from "node:fs";

const file = process.argv[2];
let src = readFileSync(file, "utf8");

function fail(message) {
  console.error(`typed-glue-errors: ${file}: ${message}`);
  process.exit(1);
}

const imports = [...src.matchAll(/^import \{ ([^}]*) \} from '\.\/snippets\/[^']*\/js\/error\.js';$/gm)];
if (imports.length !== 1) fail(`expected one import of the js/error.js snippet, found ${imports.length}`);
if (/\.\/snippets\//.test(src.replace(imports[0][0], ""))) fail("imports another snippet; only js/error.js is expected");
const names = imports[0][1].split(",").map((s) => s.trim());
const binding = names.map((n) => n.match(/^UnimetricError(?: as (\w+))?$/)).find(Boolean);
if (!binding || names.length !== 1) fail(`expected the snippet import to be UnimetricError alone, found ${imports[0][1]}`);
const local = binding[1] ?? "UnimetricError";
src = src.replace(imports[0][0], () => `import { ${imports[0][1]} } from "./error.js";`);

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
  if (n !== 1) fail(`expected exactly one occurrence of ${JSON.stringify(from)}, found ${n}`);
  src = src.replace(from, () => to);
}

src += `
function unimetricTypeError(message) {
    return new ${local}(message === "null pointer passed to rust"
        ? "the object has been freed (free() was called on it, or it was not made by unimetric)"
        : message, { code: "E_BAD_TYPE" });
}

export { ${local === "UnimetricError" ? local : `${local} as UnimetricError`} };
`;
writeFileSync(file, src);
