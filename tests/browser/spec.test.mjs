// End-to-end test of the dashboard's metric spec section (www/app/spec.js) in a real headless
// Chromium.
//
//   node --test tests/browser/spec.test.mjs
//
// The page parses and evaluates the spec in its worker on the data it loaded; this test parses
// and evaluates the same spec in Node (pkg/node.js) on the same sample files and requires the
// tiles, the drift notice and the downloaded spec to agree. Screenshots go to /tmp/spec/.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { MetricSpec, diffSpecs, getDefinition } from "../../pkg/node.js";
import { assertDefinitionDialog, openDashboard } from "./harness.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));
const shots = "/tmp/spec";
const DEMO = readFileSync(`${root}www/specs/demo.json`, "utf8");
const TX = readFileSync(`${root}www/data/transactions.csv`, "utf8");
const SPEND = readFileSync(`${root}www/data/spend.csv`, "utf8");
const BAD = readFileSync(`${root}tests/fixtures/specs/bad-margin.json`, "utf8");

const HORIZON = '[data-path="metrics.churn90.params.horizonDays"]';
const MARGIN = '[data-path="shared.margin"]';

/** The page's formats (www/app/format.js): two decimals, and percentages with two decimals. */
const number2 = new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const percent2 = new Intl.NumberFormat("en-US", { style: "percent", minimumFractionDigits: 2, maximumFractionDigits: 2 });

const shown = (page) => page.evaluate(() => window.__unimetricSpec);

/**
 * Waits until the section settled in `state` and `window.__unimetricSpec` passes `check`:
 * "loaded" (values shown), "edited" (a diff shown), "invalid" (an edit error), "reset" (no edit
 * left), "named" (the loaded spec's name is `arg`) or "error" (the spec could not be loaded).
 */
async function settled(page, check, state = "ready", arg = null) {
  await page.waitForFunction(
    ({ check, state, arg }) => {
      const s = window.__unimetricSpec;
      if (document.body.dataset.specState !== state || !s) return false;
      switch (check) {
        case "loaded": return s.values !== null && s.loaded !== null;
        case "edited": return s.edited !== null && s.diff !== null;
        case "invalid": return s.editError !== null;
        case "reset": return s.edited === null && s.editError === null;
        case "named": return s.loaded?.name === arg;
        case "error": return s.error !== null;
        default: throw new Error(`unknown check ${check}`);
      }
    },
    { check, state, arg },
    { timeout: 120_000 },
  );
}

/** The values of a spec evaluation: name → headline. */
const headlines = (values) => Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v.value]));

/** Elements of `#spec` that reach past the viewport's right edge outside any scrolling box. */
function overflowingInSpec() {
  const width = document.documentElement.clientWidth;
  const clipped = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== "visible") return true;
    }
    return false;
  };
  return [...document.querySelectorAll("#spec *")]
    .filter((el) => el.getBoundingClientRect().right > width + 0.5 && !clipped(el))
    .map((el) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ""}`);
}

describe("dashboard metric spec section", { timeout: 300_000 }, () => {
  const consoleErrors = [];
  const badRequests = [];
  let base;
  let page;
  let close;
  const spec = MetricSpec.parse(DEMO);
  // What the page must show: the demo spec on the sample files, evaluated in Node.
  const want = spec.evaluate({ transactions: TX, spend: SPEND });
  const editedDoc = spec.toJSON();
  editedDoc.metrics.churn90.params.horizonDays = 60;
  const edited = MetricSpec.parse(editedDoc);
  const wantEdited = edited.evaluate({ transactions: TX, spend: SPEND }, { only: ["churn90"] });

  before(async () => {
    mkdirSync(shots, { recursive: true });
    ({ base, page, close } = await openDashboard({ consoleErrors, badRequests, acceptDownloads: true }));
    // The server serves www/ only: the invalid fixture is answered here, at a URL of the page's origin.
    await page.route(`${base}/specs/bad-margin.json`, (route) =>
      route.fulfill({ status: 200, contentType: "application/json", body: BAD }),
    );
    await page.goto(`${base}/?spec=specs/demo.json`);
    await settled(page, "loaded");
  });

  after(async () => {
    await close?.();
  });

  it("loads the spec named in the URL and shows its name@version and definition hash", async () => {
    const s = await shown(page);
    assert.equal(s.source, "specs/demo.json");
    assert.equal(s.loaded.definitionHash, spec.definitionHash);
    assert.equal(await page.locator("#spec-name").innerText(), "acme-growth@1.3.0");
    const hash = await page.locator("#spec-hash").innerText();
    assert.ok(hash.endsWith("…") && spec.definitionHash.startsWith(hash.slice(0, -1)), hash);
    assert.equal(await page.locator("#spec-hash").getAttribute("title"), spec.definitionHash);
  });

  it("shows each metric of the spec as MetricSpec.evaluate computes it in Node", async () => {
    const s = await shown(page);
    assert.deepEqual(headlines(s.values), headlines(want));
    // The page evaluated the instances it holds: same numbers, recorded as mapped by the caller.
    assert.equal(s.values.ltv12.definition.mappedByCaller, true);
    assert.equal(s.values.ltv12.definition.spec.definitionHash, spec.definitionHash);

    const clv = page.locator('#spec-tiles [data-spec="ltv12"]');
    assert.equal(await clv.locator(".tile-name").innerText(), "12-month CLV");
    assert.equal(await clv.locator(".tile-value").innerText(), number2.format(want.ltv12.value));
    assert.equal(await clv.locator(".tile-unit").innerText(), "EUR");
    assert.equal(await clv.locator(".tile-def").innerText(), `ltv.clv@${getDefinition("ltv.clv").version}`);
    assert.match(await clv.locator(".tile-spec").innerText(), /acme-growth@1\.3\.0/);

    const churn = page.locator('#spec-tiles [data-spec="churn90"]');
    assert.equal(await churn.locator(".tile-value").innerText(), percent2.format(want.churn90.value));
    assert.equal(await churn.locator(".tile-def").innerText(), `churn.rate@${want.churn90.definition.version}`);
    assert.equal(await page.locator("#spec-tiles .tile").count(), Object.keys(want).length);

    await page.locator("#spec").screenshot({ path: `${shots}/spec-1280.png` });

    // Definition opens the library's definition with the parameters in effect from the spec.
    await assertDefinitionDialog(
      page,
      clv.getByRole("button", { name: /Definition/ }),
      getDefinition("ltv.clv"),
      ['"week"', "0.3", "0.01"],
    );
  });

  it("offers the spec's own and shared parameters with the library's bounds", async () => {
    assert.equal(await page.locator(HORIZON).inputValue(), "90");
    assert.equal(await page.locator(HORIZON).getAttribute("max"), "3650");
    assert.equal(await page.locator(MARGIN).inputValue(), "0.3");
    assert.equal(await page.locator('[data-path="shared.observationEnd"]').inputValue(), "lastTransaction");
    // An enumeration is a select of the allowed values.
    const options = await page.locator('[data-path="metrics.ltv12.params.period"] option').allInnerTexts();
    assert.deepEqual(options, ["day", "week", "month", "quarter"]);
    assert.equal(await page.locator("#spec-download").isDisabled(), true);
    assert.equal(await page.locator("#spec-drift").isHidden(), true);
  });

  it("re-evaluates an edited horizon and shows the drift from the loaded spec", async () => {
    await page.locator(HORIZON).fill("60");
    await page.locator(HORIZON).press("Tab");
    await settled(page, "edited");
    const s = await shown(page);
    const diff = diffSpecs(spec, edited, { data: { transactions: TX, spend: SPEND } });
    assert.equal(s.edited.definitionHash, edited.definitionHash);
    assert.deepEqual(s.diff.changes, diff.changes);
    assert.equal(s.diff.suggestedVersion, "2.0.0");
    assert.equal(s.values.churn90.value, wantEdited.churn90.value);
    assert.equal(
      await page.locator('#spec-tiles [data-spec="churn90"] .tile-value').innerText(),
      percent2.format(wantEdited.churn90.value),
    );
    // The other metrics did not move.
    assert.equal(s.values.ltv12.value, want.ltv12.value);

    const drift = page.locator("#spec-drift");
    assert.match(await drift.locator(".drift-summary").innerText(), /differs from acme-growth 1\.3\.0: 1 breaking change\b/);
    const changes = await drift.locator(".drift-changes li").allInnerTexts();
    assert.equal(changes.length, 1);
    assert.match(changes[0], /^metrics\.churn90\.params\.horizonDays \(breaking\): 90 → 60\. /);
    assert.ok(changes[0].includes(diff.changes[0].explanation), changes[0]);
    assert.equal(
      await drift.locator(".drift-values li").innerText(),
      `90-day churn: ${percent2.format(diff.values[0].before)} → ${percent2.format(diff.values[0].after)}`,
    );
    assert.equal(await drift.locator(".drift-version").innerText(), "2.0.0");
    await page.locator("#spec").screenshot({ path: `${shots}/spec-edited-1280.png` });
  });

  it("downloads the edited spec with the suggested version and a changelog entry", async () => {
    const [download] = await Promise.all([page.waitForEvent("download"), page.locator("#spec-download").click()]);
    assert.equal(download.suggestedFilename(), "acme-growth-2.0.0.json");
    const text = readFileSync(await download.path(), "utf8");
    const document = JSON.parse(text);
    assert.equal(document.version, "2.0.0");
    assert.equal(document.metrics.churn90.params.horizonDays, 60);
    const entry = document.changelog.at(-1);
    assert.equal(entry.version, "2.0.0");
    assert.match(entry.date, /^\d{4}-\d{2}-\d{2}$/);
    assert.ok(entry.why.includes("metrics.churn90.params.horizonDays"), entry.why);
    const downloaded = MetricSpec.parse(text);
    assert.equal(downloaded.definitionHash, edited.definitionHash);
    assert.notEqual(downloaded.definitionHash, spec.definitionHash);
    assert.equal((await shown(page)).download.definitionHash, downloaded.definitionHash);
  });

  it("shows the coded error of an invalid edit, keeps the page working, and resets", async () => {
    await page.locator(MARGIN).fill("2");
    await page.locator(MARGIN).press("Tab");
    await settled(page, "invalid", "invalid");
    const box = page.locator("#spec-edit-error");
    await box.waitFor({ state: "visible" });
    const text = await box.innerText();
    assert.match(text, /E_OUT_OF_RANGE/);
    assert.match(text, /shared\.margin/);
    assert.equal(await page.locator(MARGIN).getAttribute("aria-invalid"), "true");
    assert.equal(await page.locator("#spec-download").isDisabled(), true);
    // The last valid view stays.
    assert.equal((await shown(page)).values.churn90.value, wantEdited.churn90.value);

    await page.locator("#spec-reset").click();
    await settled(page, "reset");
    assert.deepEqual(headlines((await shown(page)).values), headlines(want));
    assert.equal(await page.locator(MARGIN).inputValue(), "0.3");
    assert.equal(await page.locator(HORIZON).inputValue(), "90");
    assert.equal(await page.locator("#spec-drift").isHidden(), true);
    assert.equal(await box.isHidden(), true);
  });

  it("is usable at 390 px: no horizontal overflow from the section", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.locator(HORIZON).fill("60");
    await page.locator(HORIZON).press("Tab");
    await settled(page, "edited");
    // The glossary's tables too.
    await page.locator("#spec-glossary summary").click();
    assert.equal(await page.locator("#spec-glossary").evaluate((d) => d.open), true);
    assert.deepEqual(await page.evaluate(overflowingInSpec), []);
    const { scrollWidth, clientWidth } = await page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      clientWidth: document.documentElement.clientWidth,
    }));
    assert.ok(scrollWidth <= clientWidth, `page is ${scrollWidth} px wide at ${clientWidth} px`);
    for (const part of ["spec-tiles", "spec-settings", "spec-drift"]) {
      await page.locator(`#${part}`).screenshot({ path: `${shots}/${part}-390.png` });
    }
    await page.locator("#spec-glossary").screenshot({ path: `${shots}/spec-glossary-390.png` });
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.locator("#spec-reset").click();
    await settled(page, "reset");
  });

  it("evaluates the spec on the user's own data, without spend", async () => {
    // The first 3,000 sample rows as an upload without a spend file.
    const mine = `${TX.split("\n").slice(0, 3001).join("\n")}\n`;
    await page.locator("#upload").evaluate((details) => {
      details.open = true;
    });
    await page.setInputFiles("#file", { name: "mine.csv", mimeType: "text/csv", buffer: Buffer.from(mine) });
    await page.locator("#mapping").waitFor({ state: "visible" });
    await page.getByRole("button", { name: "Load file" }).click();
    await page.waitForFunction(() => document.body.dataset.state === "ready" && document.getElementById("status").textContent.includes("mine.csv"), null, {
      timeout: 60_000,
    });
    await settled(page, "loaded");
    await page.waitForFunction(() => window.__unimetricSpec.values.customers.value === window.__unimetric.customers.value);
    const s = await shown(page);
    const needSpend = ["blendedCac", "paidCac", "ltvToCac"];
    const only = Object.keys(want).filter((name) => !needSpend.includes(name));
    // Each metric alone in Node: its headline, or the library's error (on this cut of the data
    // a customer's repeat spend nets out negative, which the CLV's Gamma-Gamma fit refuses).
    let failed = 0;
    for (const name of only) {
      let expected;
      try {
        expected = { value: spec.evaluate({ transactions: mine }, { only: [name] })[name].value };
      } catch (err) {
        expected = { code: err.code, message: err.message };
      }
      if (expected.code) {
        failed++;
        assert.deepEqual({ code: s.errors[name]?.code, message: s.errors[name]?.message }, expected, name);
        const note = await page.locator(`#spec-tiles [data-spec="${name}"] .tile-note`).innerText();
        assert.ok(note.startsWith(`${expected.code}: `), note);
      } else {
        assert.equal(s.values[name]?.value, expected.value, name);
      }
    }
    assert.ok(failed < only.length / 2, `${failed} of ${only.length} metrics failed`);
    assert.notEqual(s.values.churn90.value, want.churn90.value);
    for (const name of needSpend) {
      assert.match(s.errors[name].message, /needs marketing spend/);
      const tile = page.locator(`#spec-tiles [data-spec="${name}"]`);
      assert.equal(await tile.locator(".tile-value").innerText(), "—");
      assert.match(await tile.locator(".tile-note").innerText(), /needs marketing spend/);
    }
    await page.locator("#load-sample").click();
    await page.waitForFunction((n) => window.__unimetricSpec?.values?.customers.value === n && document.body.dataset.specState === "ready", want.customers.value, {
      timeout: 60_000,
    });
  });

  it("renders the spec's glossary from toMarkdown as text, never as markup", async () => {
    // The glossary is the spec in effect's: after Reset, the loaded spec's.
    assert.equal(await page.locator("#spec-glossary").evaluate((d) => d.open), true);
    const body = page.locator("#spec-glossary-body");
    assert.equal(await body.locator("h4").first().innerText(), "acme-growth 1.3.0");
    assert.equal(await body.locator("h5", { hasText: "12-month CLV" }).count(), 1);
    assert.ok((await body.locator("table").count()) >= Object.keys(want).length);
    assert.equal(await body.locator("code", { hasText: spec.definitionHash }).count(), 1);

    // A spec from the file picker whose texts hold markup: shown as the literal text.
    const hostile = spec.toJSON();
    hostile.name = "hostile-spec";
    hostile.description = "<script>window.__specXss = 1</script> **bold** and `code`";
    hostile.metrics.churn90.label = '<img src="/x.png" onerror="window.__specXss = 2">';
    await page.locator("#spec-file").setInputFiles({
      name: "hostile.json",
      mimeType: "application/json",
      buffer: Buffer.from(JSON.stringify(hostile)),
    });
    await settled(page, "named", "ready", "hostile-spec");
    assert.equal(await page.locator('#spec-tiles [data-spec="churn90"] .tile-name').innerText(), hostile.metrics.churn90.label);
    assert.equal(await page.locator("#spec img, #spec script").count(), 0);
    assert.ok((await body.innerText()).includes("<script>window.__specXss = 1</script>"));
    assert.equal(await body.locator("strong", { hasText: "bold" }).count(), 1);
    assert.equal(await page.evaluate(() => window.__specXss), undefined);
    assert.equal((await shown(page)).source, "hostile.json");
  });

  it("shows a spec that does not parse as its error: code, path, line and column", async () => {
    let expected;
    try {
      MetricSpec.parse(BAD);
    } catch (err) {
      expected = err;
    }
    assert.equal(expected.code, "E_OUT_OF_RANGE");
    await page.goto(`${base}/?spec=specs/bad-margin.json`);
    await settled(page, "error", "error");
    const box = page.locator("#spec-error");
    await box.waitFor({ state: "visible" });
    const text = await box.innerText();
    assert.match(text, /specs\/bad-margin\.json/);
    assert.match(text, /E_OUT_OF_RANGE/);
    assert.ok(text.includes(`at ${expected.path}`), text);
    assert.ok(text.includes(`line ${expected.line}, column ${expected.col}`), text);
    assert.ok(text.includes(expected.message), text);
    assert.equal(await page.locator("#spec-body").isHidden(), true);
    assert.equal(await page.locator("#spec-name").innerText(), "No spec loaded");
    // The rest of the dashboard still works.
    await page.waitForFunction(() => document.body.dataset.state === "ready", null, { timeout: 60_000 });
    await page.locator("#spec").screenshot({ path: `${shots}/spec-error-1280.png` });
  });

  it("loads a spec written in YAML from the file picker, with the JSON spec's definition hash", async () => {
    await page.goto(`${base}/`);
    await settled(page, "named", "ready", "acme-growth");
    const yaml = readFileSync(`${root}tests/fixtures/specs/demo.yaml`);
    await page.locator("#spec-file").setInputFiles({ name: "demo.yaml", mimeType: "application/yaml", buffer: yaml });
    await page.waitForFunction(
      () => window.__unimetricSpec?.source === "demo.yaml" && document.body.dataset.specState === "ready",
      null,
      { timeout: 120_000 },
    );
    assert.equal((await shown(page)).loaded.name, "acme-growth");
    assert.equal(await page.locator("#spec-hash").getAttribute("title"), spec.definitionHash);
  });

  it("refuses a spec from another origin", async () => {
    await page.goto(`${base}/?spec=${encodeURIComponent("https://example.com/spec.json")}`);
    await settled(page, "error", "error");
    assert.match(await page.locator("#spec-error").innerText(), /this site only/);
  });

  it("made no failed or off-origin requests and logged no errors", () => {
    assert.deepEqual(badRequests, []);
    assert.deepEqual(consoleErrors, []);
  });
});
