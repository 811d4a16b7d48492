// Shared set-up of the dashboard's browser tests: the static server on a free port, Debian's
// Chromium driven by playwright-core, and the recorders every test checks at the end.
import { once } from "node:events";
import { chromium } from "playwright-core";
import { startServer } from "../../www/serve.mjs";

const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
  "--disable-sync",
  "--disable-quic",
];

const origin = (url) => new URL(url).origin;

/**
 * Starts the server and a page. Console errors (including the page's workers' and CSP
 * violations) go to `consoleErrors`; failed, 4xx/5xx and off-origin requests (which are refused)
 * go to `badRequests`; with `seenPaths`, every same-origin path requested is added to it.
 * Returns { server, base, browser, page, close }.
 */
export async function openDashboard({ consoleErrors, badRequests, seenPaths, acceptDownloads = false }) {
  const server = startServer({ port: 0, host: "127.0.0.1" });
  await once(server, "listening");
  const base = `http://127.0.0.1:${server.address().port}`;
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads });
  // Anything leaving the server's origin is refused and recorded.
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith("data:") || origin(url) === base) return route.continue();
    badRequests.push(`off-origin: ${url}`);
    return route.abort();
  });
  const page = await context.newPage();
  page.on("console", (msg) => {
    if (msg.type() === "error") consoleErrors.push(`${msg.text()} (${msg.location().url})`);
  });
  page.on("pageerror", (err) => consoleErrors.push(`uncaught: ${err.message}`));
  page.on("requestfailed", (req) => badRequests.push(`failed: ${req.url()} ${req.failure()?.errorText}`));
  page.on("response", (res) => {
    if (res.status() >= 400) badRequests.push(`HTTP ${res.status()}: ${res.url()}`);
  });
  if (seenPaths) {
    page.on("request", (req) => {
      if (req.url().startsWith(base)) seenPaths.add(new URL(req.url()).pathname);
    });
  }
  const close = async () => {
    await browser.close();
    server.closeAllConnections();
    server.close();
  };
  return { server, base, browser, page, close };
}

/** The accessible name of a Definition button ("Definition: name", spacing aside). */
export const definitionOf = (name) => new RegExp(`^Definition\\s*: ${name.replace(/[()]/g, "\\$&")}$`);

/**
 * Waits until a dashboard section settles: `document.body.dataset[stateKey]` equals `state` and
 * the options it last computed with (`window[global].options`) hold every entry of `options`.
 */
export async function waitForSection(page, { stateKey, global }, options, state = "ready") {
  await page.waitForFunction(
    ({ want, state, stateKey, global }) => {
      if (document.body.dataset[stateKey] !== state) return false;
      const got = window[global]?.options;
      return got !== undefined && Object.entries(want).every(([key, value]) => got[key] === value);
    },
    { want: options, state, stateKey, global },
    { timeout: 30_000 },
  );
}
