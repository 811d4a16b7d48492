// Shared set-up of the dashboard's browser tests: the static server on a free port, Debian's
// Chromium driven by playwright-core, and the recorders every test checks at the end.
import assert from "node:assert/strict";
import { once } from "node:events";
import { chromium } from "playwright-core";
import { startServer } from "../../www/serve.mjs";
import { CHROMIUM_ARGS } from "../js/helpers.mjs";

const origin = (url) => new URL(url).origin;

/**
 * Starts the server and a page (`viewport` defaults to 1280 × 900). Console errors (including the page's workers' and CSP
 * violations) go to `consoleErrors`; failed, 4xx/5xx and off-origin requests (which are refused)
 * go to `badRequests`; with `seenPaths`, every same-origin path requested is added to it.
 * Returns { server, base, browser, page, close }.
 */
export async function openDashboard({
  consoleErrors,
  badRequests,
  seenPaths,
  acceptDownloads = false,
  viewport = { width: 1280, height: 900 },
}) {
  const server = startServer({ port: 0, host: "127.0.0.1" });
  await once(server, "listening");
  const base = `http://127.0.0.1:${server.address().port}`;
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
  const context = await browser.newContext({ viewport, acceptDownloads });
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
  // A request the page itself cancels (a navigation under way drops the favicon, a worker being
  // replaced drops its fetch) fails with net::ERR_ABORTED; it is not a failure of the server. A
  // missing file still shows as HTTP 404 below, and an off-origin request is recorded by the route.
  page.on("requestfailed", (req) => {
    const reason = req.failure()?.errorText;
    if (reason !== "net::ERR_ABORTED") badRequests.push(`failed: ${req.url()} ${reason}`);
  });
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

/** "1,234.56" → 1234.56, "30%" → 0.3; ">99.9%" / "<0.1%" → the bound and its direction. */
export function parseShown(text) {
  const bound = text.startsWith(">") ? ">" : text.startsWith("<") ? "<" : null;
  const clean = text.replace(/[<>,%\s]/g, "");
  const number = Number(clean);
  assert.ok(clean !== "" && Number.isFinite(number), `${JSON.stringify(text)} is not a number`);
  return { value: text.includes("%") ? number / 100 : number, bound };
}

/** The page's `text` shows `want` (within `tolerance`, or as the bound it prints). */
export function assertShown(text, want, tolerance, what) {
  const { value, bound } = parseShown(text);
  if (bound === ">") assert.ok(want >= value, `${what}: page shows ${text}, Node computes ${want}`);
  else if (bound === "<") assert.ok(want < value, `${what}: page shows ${text}, Node computes ${want}`);
  else assert.ok(Math.abs(value - want) <= tolerance, `${what}: page shows ${text}, Node computes ${want}`);
}

/**
 * Opens the definition behind `button` with the keyboard, checks the dialog against `def` (from
 * `getDefinition`) and that each text of `inEffect` is among its parameters, runs `whileOpen`
 * (e.g. a screenshot), closes it with Escape and checks that focus returned to the button.
 */
export async function assertDefinitionDialog(page, button, def, inEffect = [], whileOpen = async () => {}) {
  await button.focus();
  await page.keyboard.press("Enter");
  const dialog = page.locator("dialog#definition");
  await dialog.waitFor({ state: "visible" });
  assert.equal(await dialog.locator("#def-title").innerText(), def.name);
  assert.equal(await dialog.locator("#def-id").innerText(), def.id);
  assert.equal(await dialog.locator("#def-version").innerText(), `v${def.version}`);
  assert.equal(await dialog.locator("#def-formula").innerText(), def.formula);
  const params = await dialog.locator("#def-params").innerText();
  for (const text of inEffect) assert.ok(params.includes(text), `${def.id}: ${text} in effect, got ${params}`);
  await whileOpen();
  await page.keyboard.press("Escape");
  await dialog.waitFor({ state: "hidden" });
  assert.equal(await page.evaluate(() => document.activeElement), await button.evaluate((el) => el));
}
