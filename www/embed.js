// The ES module API example of embed.html: the library in a Web Worker through the package's
// Worker API, with progress. The page shows the result as a table.

import { UnimetricWorker } from "/pkg/worker.js";

const mapping = { customerId: "customer_id", timestamp: "order_date", amount: "amount", orderId: "order_id", channel: "channel" };
const bar = document.getElementById("api-progress");
const status = document.getElementById("api-status");
const percent = new Intl.NumberFormat("en-US", { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 });

async function main() {
  const um = new UnimetricWorker();
  const bytes = new Uint8Array(await (await fetch("/data/transactions.csv")).arrayBuffer());
  const tx = await um.call("Transactions.fromCsv", [bytes, mapping], { transfer: [bytes.buffer] });
  const summary = await tx.call("summary", [{ period: "day" }]);
  const controller = new AbortController();
  const result = await um.call(
    "segmentCustomers",
    [summary, { k: 4, seed: 0, onProgress: (p) => (bar.value = p.done / p.total) }],
    { signal: controller.signal },
  );
  bar.value = 1;
  document.getElementById("api-rows").replaceChildren(
    ...result.profiles.map((p) => {
      const tr = document.createElement("tr");
      tr.dataset.cluster = String(p.cluster);
      const cells = [String(p.cluster), p.name, String(p.size), percent.format(p.share)];
      cells.forEach((text, i) => {
        const cell = document.createElement(i === 0 ? "th" : "td");
        if (i === 0) cell.scope = "row";
        if (i === 1) cell.className = "text-start";
        cell.textContent = text;
        tr.append(cell);
      });
      return tr;
    }),
  );
  status.textContent = `Done: ${result.labels.length} customers in ${result.profiles.length} segments.`;
  window.__unimetricEmbed = { labels: Array.from(result.labels), profiles: result.profiles, definition: result.definition };
  await Promise.all([result.model.free(), summary.free(), tx.free()]);
  um.terminate();
  document.body.dataset.state = "ready";
}

main().catch((err) => {
  status.textContent = `Could not compute the segments: ${err.code ? `${err.code}: ` : ""}${err.message}`;
  document.body.dataset.state = "error";
});
