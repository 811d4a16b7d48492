// Same numbers everywhere: a fixed scenario (the bundled sample data; summary and KPIs for day,
// week and month) computed natively (`cargo run --example parity`) and in wasm must agree to the bit.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { Transactions } from "../../pkg/node.js";
import { ROOT } from "./helpers.mjs";

const hex = (arr) => Array.from(arr, (x) => {
  const b = new DataView(new ArrayBuffer(8));
  b.setFloat64(0, x);
  return b.getBigUint64(0).toString(16).padStart(16, "0");
});

test("native and wasm results are bit-identical", { timeout: 600_000 }, () => {
  const native = JSON.parse(execFileSync("cargo", ["run", "--quiet", "--example", "parity"], {
    cwd: ROOT, encoding: "utf8", maxBuffer: 64 << 20, stdio: ["ignore", "pipe", "inherit"],
  }));
  const csv = readFileSync(path.join(ROOT, "www", "data", "transactions.csv"));
  const tx = Transactions.fromCsv(csv, {
    customerId: "customer_id", timestamp: "order_date", amount: "amount", orderId: "order_id", channel: "channel",
  });
  const keys = ["customers", "orders", "revenue", "averageOrderValue", "repeatPurchaseRate", "purchaseFrequency", "revenuePerCustomer"];
  for (const period of ["day", "week", "month"]) {
    const s = tx.summary({ period });
    const k = tx.kpis({ period });
    const wasm = {
      frequency: hex(s.frequency), recency: hex(s.recency), T: hex(s.T), monetaryValue: hex(s.monetaryValue),
      revenue: hex(s.revenue), orders: hex(s.orders), kpis: hex(keys.map((key) => k[key].value)),
    };
    for (const col of Object.keys(wasm)) {
      assert.equal(wasm[col].length, native[period][col].length, `${period}.${col} length`);
      const diff = wasm[col].findIndex((v, i) => v !== native[period][col][i]);
      assert.equal(diff, -1, `${period}.${col} differs at row ${diff + 1}`);
    }
    s.free();
  }
  tx.free();
});
