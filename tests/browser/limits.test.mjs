// The dashboard's settings follow the library's parameter definitions in a real headless Chromium.
//
//   node --test tests/browser/limits.test.mjs
//
// The page reads getDefinition(id).parameters through its worker at start-up and takes each
// setting's default (`value`), bounds (`min`, `max`) and allowed values (`values`) from them. The
// bounds asserted here are the ones the library documents and enforces in its options: CLV
// horizonMonths 1–1200 (ltv.clv), attributionLag 0–1000 periods (cac.*), churn horizonDays 1–3650.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";

import { getDefinition } from "../../pkg/node.js";
import { openDashboard } from "./harness.mjs";

const SETTLED = () =>
  document.body.dataset.state === "ready" &&
  ["cacState", "churnState", "ltvState", "cohortsState", "segmentsState"].every((k) => ["ready", "unavailable", "empty"].includes(document.body.dataset[k]));

/** The library's bounds of the whole-number settings: field id, definition, parameter, min, max. */
const BOUNDS = [
  ["clv-horizon", "ltv.clv", "horizonMonths", 1, 1200],
  ["cac-lag", "cac.blended", "attributionLag", 0, 1000],
  ["churn-horizon", "churn.rate", "horizonDays", 1, 3650],
];

describe("dashboard settings from the library's parameter definitions", { timeout: 180_000 }, () => {
  const consoleErrors = [];
  const badRequests = [];
  let base;
  let page;
  let close;

  before(async () => {
    ({ base, page, close } = await openDashboard({ consoleErrors, badRequests }));
  });

  after(async () => {
    await close?.();
  });

  /** Types `value` into a field as a keyboard user would. */
  async function type(selector, value) {
    await page.locator(selector).fill(value);
    await page.locator(selector).press("Tab");
  }

  it("the definitions carry the bounds the page uses", () => {
    for (const [, id, name, min, max] of BOUNDS) {
      const p = getDefinition(id).parameters.find((entry) => entry.name === name);
      assert.equal(p.min, min, `${id} ${name} min`);
      assert.equal(p.max, max, `${id} ${name} max`);
    }
    const convention = getDefinition("ltv.clv").parameters.find((p) => p.name === "discountConvention");
    assert.deepEqual(convention.values, ["monthlyDiscrete", "continuous"]);
  });

  it("starts from the library's defaults, with its bounds on the fields", async () => {
    await page.goto(`${base}/`);
    await page.waitForFunction(SETTLED, null, { timeout: 60_000 });
    const values = {
      period: "day",
      "cac-period": "month",
      "cac-lag": "0",
      "cac-margin": "100",
      "churn-horizon": "90",
      "churn-alpha": "1",
      "clv-horizon": "12",
      "clv-convention": "monthlyDiscrete",
      "clv-rate": "1",
      // The dashboard's own margin for CLV, not the library's 1.
      "clv-margin": "30",
      "seg-k": "4",
      "seg-seed": "0",
    };
    for (const [id, value] of Object.entries(values)) assert.equal(await page.locator(`#${id}`).inputValue(), value, id);
    assert.match(await page.locator("#clv-convention-help").innerText(), /the library's default d is 1% a month\.$/);
    for (const [field, , , min, max] of BOUNDS) {
      assert.equal(await page.locator(`#${field}`).getAttribute("min"), String(min), `${field} min`);
      assert.equal(await page.locator(`#${field}`).getAttribute("max"), String(max), `${field} max`);
    }
  });

  it("accepts each setting up to the library's bound and refuses one past it inline", async () => {
    const messages = {
      "clv-horizon": "Enter a whole number of months from 1 to 1200.",
      "cac-lag": "Enter a whole number from 0 to 1000.",
      "churn-horizon": "Enter a whole number of days from 1 to 3650.",
    };
    for (const [field, , , , max] of BOUNDS) {
      const url = page.url();
      await type(`#${field}`, String(max + 1));
      await page.locator(`#${field}-error`).waitFor({ state: "visible" });
      assert.equal(await page.locator(`#${field}-error`).innerText(), messages[field]);
      assert.equal(await page.locator(`#${field}`).getAttribute("aria-invalid"), "true");
      assert.equal(page.url(), url, `${field}: nothing recorded`);
    }
    // 700 months lies past the 600 the page once allowed and within the library's 1200.
    await type("#clv-horizon", "700");
    await page.waitForURL(/[?&]clvHorizon=700(&|$)/);
    await page.locator("#clv-horizon-error").waitFor({ state: "hidden" });
    await page.waitForFunction(
      () => document.body.dataset.ltvState === "ready" && window.__unimetricLtv?.clvOptions.horizonMonths === 700,
      null,
      { timeout: 60_000 },
    );
    assert.equal((await page.evaluate(() => window.__unimetricLtv.clv.definition.params)).horizonMonths, 700);
    await type("#cac-lag", "1000");
    await page.waitForURL(/[?&]lag=1000(&|$)/);
    await page.waitForFunction(() => window.__unimetricCac?.options.attributionLag === 1000, null, { timeout: 60_000 });
  });

  it("replaces settings of a link outside the library's bounds or values by its defaults", async () => {
    await page.goto(`${base}/?clvHorizon=1201&lag=1001&horizon=3651&cacPeriod=year&clvConvention=yearly&period=decade`);
    await page.waitForFunction(SETTLED, null, { timeout: 60_000 });
    const values = {
      "clv-horizon": "12",
      "cac-lag": "0",
      "churn-horizon": "90",
      "cac-period": "month",
      "clv-convention": "monthlyDiscrete",
      period: "day",
    };
    for (const [id, value] of Object.entries(values)) assert.equal(await page.locator(`#${id}`).inputValue(), value, id);
    await page.goto(`${base}/?clvHorizon=1200&lag=1000&horizon=3650`);
    await page.waitForFunction(SETTLED, null, { timeout: 120_000 });
    const kept = { "clv-horizon": "1200", "cac-lag": "1000", "churn-horizon": "3650" };
    for (const [id, value] of Object.entries(kept)) assert.equal(await page.locator(`#${id}`).inputValue(), value, id);
  });

  it("made no failed or off-origin requests and logged no errors", () => {
    assert.deepEqual(badRequests, []);
    assert.deepEqual(consoleErrors, []);
  });
});
