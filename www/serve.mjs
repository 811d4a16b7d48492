#!/usr/bin/env node
// Dependency-free static server for the unimetric demo dashboard.
//
//   node www/serve.mjs [--port 8080] [--host 127.0.0.1]      (env PORT is honoured too)
//
// URL layout:
//   /                 → www/            (index.html, app, worker, sample data)
//   /pkg/…            → pkg/            (the built npm package: JS glue + .wasm)
//   /vendor/echarts/… → node_modules/echarts/dist/
//
// Every response carries a strict Content-Security-Policy. Browsers only enforce it for
// documents and workers, which is exactly what the demo needs to prove: the whole app,
// WebAssembly included, runs without inline code, eval or third-party origins.

import { createServer } from "node:http";
import { createReadStream } from "node:fs";
import { realpath, stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "..");

/** URL prefix → directory on disk. Longest prefixes first; "/" must stay last. */
const MOUNTS = [
  ["/vendor/echarts/", path.join(repo, "node_modules", "echarts", "dist")],
  ["/pkg/", path.join(repo, "pkg")],
  ["/", here],
];

export const CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
].join("; ");

const MIME = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  // wasm-bindgen's loader compares this header to exactly "application/wasm" before it uses
  // streaming compilation, so no charset parameter here.
  ".wasm": "application/wasm",
  ".csv": "text/csv; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
  ".md": "text/markdown; charset=utf-8",
  ".ts": "text/plain; charset=utf-8",
};

const BASE_HEADERS = {
  "Content-Security-Policy": CSP,
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "Cross-Origin-Resource-Policy": "same-origin",
  // A development server: always revalidate so a rebuilt pkg/ is picked up on reload.
  "Cache-Control": "no-cache",
};

/** True when `child` is `root` itself or lies inside it. */
function isInside(root, child) {
  const rel = path.relative(root, child);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

/**
 * Maps a URL path to a file inside one of the mounted roots, or returns null.
 * Refuses anything that resolves (lexically or through symlinks) outside its root.
 */
async function resolveFile(urlPath) {
  let decoded;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes("\0") || decoded.includes("\\")) return null;

  const mount = MOUNTS.find(([prefix]) => decoded.startsWith(prefix));
  if (!mount) return null;
  const [prefix, root] = mount;
  const candidate = path.resolve(root, "." + path.posix.sep + decoded.slice(prefix.length));
  if (!isInside(root, candidate)) return null;

  let real;
  let info;
  try {
    real = await realpath(candidate);
    const realRoot = await realpath(root);
    if (!isInside(realRoot, real)) return null;
    info = await stat(real);
    if (info.isDirectory()) {
      real = path.join(real, "index.html");
      info = await stat(real);
    }
  } catch {
    return null;
  }
  return info.isFile() ? { file: real, size: info.size } : null;
}

function sendText(res, status, text, extra = {}) {
  res.writeHead(status, {
    ...BASE_HEADERS,
    "Content-Type": "text/plain; charset=utf-8",
    "Content-Length": Buffer.byteLength(text),
    ...extra,
  });
  res.end(text);
}

async function handle(req, res) {
  if (req.method !== "GET" && req.method !== "HEAD") {
    sendText(res, 405, "Method not allowed\n", { Allow: "GET, HEAD" });
    return;
  }
  // Only the path matters; the host part of the base is a placeholder.
  let pathname;
  try {
    pathname = new URL(req.url ?? "/", "http://localhost").pathname;
  } catch {
    sendText(res, 400, "Bad request\n");
    return;
  }
  const found = await resolveFile(pathname);
  if (!found) {
    sendText(res, 404, "Not found\n");
    return;
  }
  const type = MIME[path.extname(found.file).toLowerCase()] ?? "application/octet-stream";
  res.writeHead(200, { ...BASE_HEADERS, "Content-Type": type, "Content-Length": found.size });
  if (req.method === "HEAD") {
    res.end();
    return;
  }
  const stream = createReadStream(found.file);
  stream.on("error", () => res.destroy());
  stream.pipe(res);
}

/**
 * Starts the demo server and returns the `http.Server` (already listening, or about to:
 * wait for its "listening" event; with `port: 0` read the port from `server.address()`).
 */
export function startServer({ port = 8080, host = "127.0.0.1" } = {}) {
  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) sendText(res, 500, "Internal error\n");
      else res.destroy();
    });
  });
  server.listen(port, host);
  return server;
}

function parseArgs(argv) {
  const opts = { port: Number(process.env.PORT ?? 8080), host: "127.0.0.1" };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.split("=", 2);
    const value = () => inline ?? argv[++i];
    if (flag === "--port") opts.port = Number(value());
    else if (flag === "--host") opts.host = value();
    else if (flag === "--help" || flag === "-h") {
      console.log("usage: node www/serve.mjs [--port 8080] [--host 127.0.0.1]");
      process.exit(0);
    } else {
      console.error(`unknown argument: ${arg}`);
      process.exit(2);
    }
  }
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) {
    console.error(`invalid port: ${opts.port}`);
    process.exit(2);
  }
  return opts;
}

const isMain = process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href;
if (isMain) {
  const { port, host } = parseArgs(process.argv.slice(2));
  const server = startServer({ port, host });
  server.on("listening", () => {
    const addr = server.address();
    const shown = host.includes(":") ? `[${host}]` : host;
    console.log(`unimetric demo: http://${shown}:${addr.port}/`);
  });
  server.on("error", (err) => {
    console.error(`unimetric demo: ${err.message}`);
    process.exit(1);
  });
}
