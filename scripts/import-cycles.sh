#!/usr/bin/env bash
# Finds import cycles between the modules of src/: each top-level module of the core (`data`,
# `summary`, `cac`, `ltv`, `churn`, …) and each binding file of `src/wasm/` (`wasm::cac`,
# `wasm::summary`, …) is one node; a file's `crate::…` paths (and, in `src/wasm/`, its
# `super::…` paths) are its edges, with the root re-exports of src/lib.rs (`crate::Transactions`
# …) followed to their module. Comments and a trailing `#[cfg(test)]` module are left out.
# Prints every cycle found and exits 1 when there is one, 0 otherwise.
#
#   bash scripts/import-cycles.sh          # the whole crate
#   bash scripts/import-cycles.sh --graph  # also print the edges
set -euo pipefail
cd "$(dirname "$0")/.."
exec node --input-type=module - "$@" <<'EOF'
import { readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";

const showGraph = process.argv.includes("--graph");
const files = [];
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (p.endsWith(".rs")) files.push(p);
  }
};
walk("src");

// The node a file belongs to: `src/x.rs` and `src/x/**` are `x`; `src/wasm/y.rs` and
// `src/wasm/y/**` are `wasm::y`; src/lib.rs and src/wasm/mod.rs (module roots) are none.
const nodeOf = (file) => {
  const parts = path.relative("src", file).replace(/\.rs$/, "").split(path.sep);
  if (parts.length === 1 && parts[0] === "lib") return null;
  if (parts[0] === "wasm") return parts.length === 1 || parts[1] === "mod" ? null : `wasm::${parts[1]}`;
  return parts[0];
};

// Root re-exports: `pub use data::{Transactions, …};` makes `crate::Transactions` mean `data`.
const reexport = new Map();
const lib = readFileSync("src/lib.rs", "utf8");
for (const m of lib.matchAll(/pub use (\w+)::([^;]+);/g)) {
  for (const name of m[2].replace(/[{}]/g, "").split(",")) {
    const last = name.trim().split("::").pop();
    if (last) reexport.set(last, m[1]);
  }
}

// The code of a file without comments, string literals and a trailing test module.
const code = (file) => {
  let text = readFileSync(file, "utf8");
  const test = text.search(/^#\[cfg\(test\)\]\s*\n\s*mod \w+/m);
  if (test >= 0) text = text.slice(0, test);
  return text
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/r#+"[\s\S]*?"#+/g, '""')
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\/\/.*$/gm, "");
};

// Paths inside `use` groups (`use crate::{a::b, c}`) are expanded to `crate::a::b`, `crate::c`.
const paths = (src, prefix) => {
  const out = [];
  const re = new RegExp(`\\b${prefix}::(\\{[^;]*?\\}|\\w+(?:::\\w+)?)`, "g");
  for (const m of src.matchAll(re)) {
    if (m[1].startsWith("{")) {
      for (const item of m[1].slice(1, -1).split(",")) {
        const first = item.trim().split("::").slice(0, 2);
        if (first[0]) out.push(first);
      }
    } else {
      out.push(m[1].split("::"));
    }
  }
  return out;
};

const edges = new Map();
const add = (from, to) => {
  if (!to || from === to) return;
  if (!edges.has(from)) edges.set(from, new Set());
  edges.get(from).add(to);
};
for (const file of files) {
  const from = nodeOf(file);
  if (!from) continue;
  const src = code(file);
  for (const [first, second] of paths(src, "crate")) {
    if (first === "wasm") add(from, second ? `wasm::${second}` : null);
    else if (/^[A-Z]/.test(first)) add(from, reexport.get(first) ?? null);
    else add(from, first);
  }
  // `super::x` from a file directly in src/wasm/ names the binding file `x`.
  if (path.dirname(file) === path.join("src", "wasm")) {
    for (const [first] of paths(src, "super")) {
      if (/^[a-z_]+$/.test(first) && files.includes(path.join("src", "wasm", `${first}.rs`))) {
        add(from, `wasm::${first}`);
      }
    }
  }
}

if (showGraph) {
  for (const [from, to] of [...edges].sort()) console.log(`${from} -> ${[...to].sort().join(", ")}`);
}

// Every elementary cycle through the strongly connected components would be too many to list;
// one cycle per back edge of a depth-first search is enough to locate each problem.
const cycles = [];
const state = new Map();
const stack = [];
const visit = (n) => {
  state.set(n, "open");
  stack.push(n);
  for (const m of [...(edges.get(n) ?? [])].sort()) {
    if (state.get(m) === "open") cycles.push([...stack.slice(stack.indexOf(m)), m]);
    else if (!state.has(m)) visit(m);
  }
  stack.pop();
  state.set(n, "done");
};
for (const n of [...edges.keys()].sort()) if (!state.has(n)) visit(n);

if (cycles.length === 0) {
  console.log(`no import cycles among ${new Set([...edges.keys(), ...[...edges.values()].flatMap((s) => [...s])]).size} modules`);
  process.exit(0);
}
for (const c of cycles) console.log(`cycle: ${c.join(" -> ")}`);
process.exit(1);
EOF
