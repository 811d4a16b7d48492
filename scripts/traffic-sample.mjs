// Writes the sample's site traffic and marketing action log, made to go with
// www/data/transactions.csv (which it reads and does not change):
//
//   www/data/traffic.csv   date, channel, visits: daily visits per channel (UTC days) over the
//                          transactions' date range. Each channel converts at its own rate
//                          (CONVERSION below): its visits are the orders it was expected to bring
//                          that day (a 29-day centred average of its daily orders times its
//                          weekday factor) ÷ the rate, with 4 % log-normal noise, so a day's orders
//                          are close to binomial given its visits.
//   www/data/actions.csv   date, text, author: what marketing and the site team did.
//
// One injected fault: a tracking outage (OUTAGE below): on those two days a site release
// removed the analytics tag, recorded visits of every channel fall to ~10 % of the true ones,
// and the conversion rate (orders ÷ recorded visits) spikes. Its note is in the action log.
// A fixed seed makes the files reproducible:
//
//   node scripts/traffic-sample.mjs
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { mulberry32 } from "./random.mjs";


const SEED = 20261208;
/** Orders per visit, by channel. */
const CONVERSION = { email: 0.045, organic: 0.022, paid_search: 0.03, paid_social: 0.016, referral: 0.035 };
/** The tracking outage: these days record this share of the visits. */
const OUTAGE = { days: ["2025-11-12", "2025-11-13"], recorded: 0.1 };
const NOISE = 0.04;
const HALF_WINDOW = 14;

/** The action log: what was done, when and by whom (the outage's release among them). */
const ACTIONS = [
  ["2024-03-04", "Launched spring campaign on paid social", "Maya (marketing)"],
  ["2024-11-25", "Black Friday discount email sent to all subscribers", "Jonas (CRM)"],
  ["2025-04-07", "Raised paid search bids on brand keywords by 20 %", "Maya (marketing)"],
  ["2025-09-15", "New checkout page released", "Priya (site team)"],
  ["2025-10-20", "Autumn newsletter sent", "Jonas (CRM)"],
  [OUTAGE.days[0], "Analytics tag removed by site release 2025.11.2", "Priya (site team)"],
  ["2025-11-14", "Analytics tag restored (release 2025.11.3)", "Priya (site team)"],
  ["2025-11-28", "Black Friday sale started, 20 % off sitewide", "Maya (marketing)"],
  ["2025-12-09", "Site release 2025.12.1 broke the campaign links of ads and emails (fixed the next morning)", "Priya (site team)"],
];

const DAY_MS = 86_400_000;
const isoDay = (ms) => new Date(ms).toISOString().slice(0, 10);
const root = new URL("../www/data/", import.meta.url);

// Orders per UTC day and channel (purchases only: a refund is not an order).
const lines = readFileSync(new URL("transactions.csv", root), "utf8").trim().split("\n");
const header = lines[0].split(",");
const col = (name) => header.indexOf(name);
const [iDate, iAmount, iChannel, iOrder] = ["order_date", "amount", "channel", "order_id"].map(col);
const channels = Object.keys(CONVERSION);
const seen = new Set();
const orders = new Map(); // day ms → { channel → orders }
let first = Infinity;
let last = -Infinity;
for (const line of lines.slice(1)) {
  const f = line.split(",");
  if (Number(f[iAmount]) < 0 || seen.has(f[iOrder])) continue;
  seen.add(f[iOrder]);
  const day = Date.parse(f[iDate].slice(0, 10));
  first = Math.min(first, day);
  last = Math.max(last, day);
  if (!orders.has(day)) orders.set(day, Object.fromEntries(channels.map((c) => [c, 0])));
  orders.get(day)[f[iChannel]] += 1;
}
const days = [];
for (let d = first; d <= last; d += DAY_MS) days.push(d);
const count = (i, c) => orders.get(days[i])?.[c] ?? 0;

// Each channel's weekday factor: its mean orders on that weekday ÷ its mean over all days.
const weekday = {};
for (const c of channels) {
  const sum = Array(7).fill(0);
  const n = Array(7).fill(0);
  days.forEach((d, i) => {
    sum[new Date(d).getUTCDay()] += count(i, c);
    n[new Date(d).getUTCDay()] += 1;
  });
  const mean = sum.reduce((a, b) => a + b) / n.reduce((a, b) => a + b);
  weekday[c] = sum.map((s, k) => s / n[k] / mean);
}

const random = mulberry32(SEED);
const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
const traffic = ["date,channel,visits"];
let visitsTotal = 0;
let ordersTotal = 0;
for (let i = 0; i < days.length; i++) {
  const day = isoDay(days[i]);
  const outage = OUTAGE.days.includes(day);
  for (const c of channels) {
    const from = Math.max(0, i - HALF_WINDOW);
    const to = Math.min(days.length - 1, i + HALF_WINDOW);
    let level = 0;
    for (let j = from; j <= to; j++) level += count(j, c);
    level /= to - from + 1;
    const expected = level * weekday[c][new Date(days[i]).getUTCDay()];
    let visits = Math.max(1, Math.round((expected / CONVERSION[c]) * Math.exp(NOISE * normal())));
    visitsTotal += visits;
    ordersTotal += count(i, c);
    if (outage) visits = Math.max(1, Math.round(visits * OUTAGE.recorded * Math.exp(NOISE * normal())));
    traffic.push(`${day},${c},${visits}`);
  }
}
writeFileSync(new URL("traffic.csv", root), `${traffic.join("\n")}\n`);

const quote = (text) => (/[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text);
const actions = ["date,text,author", ...ACTIONS.map((row) => row.map(quote).join(","))];
writeFileSync(new URL("actions.csv", root), `${actions.join("\n")}\n`);

console.log(
  `${fileURLToPath(root)}traffic.csv: ${days.length} days × ${channels.length} channels, ${isoDay(first)} to ${isoDay(last)}, ` +
    `conversion ${((ordersTotal / visitsTotal) * 100).toFixed(2)} % (outage ${OUTAGE.days.join(", ")}); actions.csv: ${ACTIONS.length} actions`,
);
