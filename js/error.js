// The error class of unimetric, shipped once in the package as error.js. Every error the library
// throws is an instance of it: the WebAssembly binding constructs it (src/wasm/error.rs imports
// this file; pkg-config/typed-glue-errors.mjs points both glue files, unimetric.js and
// unimetric_arrow.js, at the package's single copy), the glue's own argument checks throw it, and
// the worker clients (worker-client.js) reject with it. Every entry exports it.
//
// CommonJS (`require("unimetric")`, `require("unimetric/arrow")`) gets error.cjs, a CommonJS copy
// of this file made at build time and shared by both CommonJS glue files. A Node process that
// loads the package both through `import` and through `require` therefore holds two classes
// (as it holds two WebAssembly instances): an error thrown through one is not `instanceof` the
// class exported by the other. `name` and `code` identify it either way.

/**
 * An error of unimetric: a JS `Error` named "UnimetricError" with a stable `code` (one of
 * `errorCodes()`), and, when the error is about one field, the `column` and the 1-based `row`.
 *
 *   new UnimetricError(message, { code, column, row, cause })
 *
 * `code` is required; `column` (a string) and `row` (a number) are set only when given, as are
 * `path`, `line` and `col` (where in a metric spec the error is); `cause` is passed to `Error`.
 */
export class UnimetricError extends Error {
  constructor(message, details) {
    const { code, column, row, path, line, col, cause } = details ?? {};
    super(message, cause === undefined ? undefined : { cause });
    this.name = "UnimetricError";
    this.code = code;
    if (column !== undefined) this.column = column;
    if (row !== undefined) this.row = row;
    if (path !== undefined) this.path = path;
    if (line !== undefined) this.line = line;
    if (col !== undefined) this.col = col;
  }
}
