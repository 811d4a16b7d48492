// Same numbers everywhere for LTV: the scenario of examples/ltv_parity.rs (CDNOW in weeks and the
// bundled sample data in weeks: BG/NBD and Gamma-Gamma fits, P(alive), expected purchases,
// expected spend, 12-month CLV; historical LTV of the sample at margin 0.3 with its cohort
// curves) computed natively and in wasm must agree to the bit.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { CustomerSummary, Transactions, fitBgNbd, fitGammaGamma, clv, historicalLtv } from "../../pkg/node.js";
import { ROOT, cdnowColumns } from "./helpers.mjs";

const hex = (arr) => Array.from(arr, (x) => {
  const b = new DataView(new ArrayBuffer(8));
  b.setFloat64(0, x);
  return b.getBigUint64(0).toString(16).padStart(16, "0");
});

function scenario(s) {
  const m = fitBgNbd(s);
  const g = fitGammaGamma(s);
  const p = m.params, q = g.params;
  const out = {
    bgnbd: hex([p.r, p.alpha, p.a, p.b, m.logLikelihood]),
    gammaGamma: hex([q.p, q.q, q.v, g.logLikelihood]),
    probabilityAlive: hex(m.probabilityAlive(s).values),
    expectedPurchases: hex(m.expectedPurchases(s, 10).values),
    expectedSpend: hex(g.expectedSpend(s).values),
    clv: hex(clv(m, g, s, {}).clv),
  };
  m.free(); g.free();
  return out;
}

test("LTV: native and wasm results are bit-identical", { timeout: 600_000 }, () => {
  const native = JSON.parse(execFileSync("cargo", ["run", "--quiet", "--example", "ltv_parity"], {
    cwd: ROOT, encoding: "utf8", maxBuffer: 64 << 20, stdio: ["ignore", "pipe", "inherit"],
  }));
  const cdnow = CustomerSummary.fromColumns(cdnowColumns(), { period: "week" });
  const tx = Transactions.fromCsv(readFileSync(path.join(ROOT, "www", "data", "transactions.csv")), {
    customerId: "customer_id", timestamp: "order_date", amount: "amount",
  });
  const sample = tx.summary({ period: "week" });
  const h = historicalLtv(tx, { margin: 0.3 });
  const historical = {
    revenue: hex(h.revenue),
    ltv: hex(h.ltv),
    acquisitionMonth: hex(h.acquisitionMonth),
    cohorts: hex(h.cohorts.flatMap((c) => [...c.cumulative])),
  };
  assert.ok(historical.ltv.length > 1000 && historical.cohorts.length > 10);
  const wasm = { cdnow: scenario(cdnow), sample: scenario(sample), historical };
  for (const name of ["cdnow", "sample", "historical"]) {
    for (const col of Object.keys(wasm[name])) {
      assert.equal(wasm[name][col].length, native[name][col].length, `${name}.${col} length`);
      const diff = wasm[name][col].findIndex((v, i) => v !== native[name][col][i]);
      assert.equal(diff, -1, `${name}.${col} differs at index ${diff}`);
    }
  }
  cdnow.free(); sample.free(); tx.free();
});
