// Number formats, the element builder and small helpers shared by every section.

// A fixed locale keeps the page (and its tests) identical on every machine.
export const LOCALE = "en-US";
export const FORMATS = {
  count: new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 0 }),
  currency: new Intl.NumberFormat(LOCALE, { minimumFractionDigits: 2, maximumFractionDigits: 2 }),
  decimal: new Intl.NumberFormat(LOCALE, { minimumFractionDigits: 2, maximumFractionDigits: 2 }),
  percent: new Intl.NumberFormat(LOCALE, { style: "percent", minimumFractionDigits: 2, maximumFractionDigits: 2 }),
  probability: new Intl.NumberFormat(LOCALE, { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 }),
  score: new Intl.NumberFormat(LOCALE, { minimumFractionDigits: 3, maximumFractionDigits: 3 }),
  ratePercent: new Intl.NumberFormat(LOCALE, { style: "percent", minimumFractionDigits: 0, maximumFractionDigits: 0 }),
  months: new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 0 }),
};
export const formatValue = (value, kind) => FORMATS[kind].format(value);
export const formatCount = (n) => FORMATS.count.format(n);

/**
 * The definition's unit as the value is shown: a fraction (0–1) shown as a percentage is
 * "percent" (the definition keeps its unit; the dialog shows it).
 */
export function shownUnit(unit, kind) {
  if (kind !== "percent" && kind !== "probability") return unit;
  return unit.replace(/^fraction \(0–1\)/, "percent").replace(/^probability \(0–1\)/, "probability, in percent");
}
export const compact = new Intl.NumberFormat(LOCALE, { notation: "compact", maximumFractionDigits: 1 });
export const isoDay = (ms) => new Date(ms).toISOString().slice(0, 10);

/** 0.6 → 60, without binary noise such as 56.99999999999999 for 0.57. */
export const marginPercent = (margin) => Number((margin * 100).toPrecision(12));

/** A probability as a percentage with one decimal; never rounds up to 100% or down to 0%. */
export function formatProbability(p) {
  if (p >= 0.9995) return `>${formatValue(0.999, "probability")}`;
  if (p < 0.0005) return `<${formatValue(0.001, "probability")}`;
  return formatValue(p, "probability");
}

export const $ = (id) => document.getElementById(id);

/** Creates an element with attributes/properties and text or element children. */
export function h(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "className") node.className = value;
    else if (name === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

export function interleave(items, separator) {
  return items.flatMap((item, i) => (i === 0 ? [item] : [separator, item]));
}

/** A CSV field: quoted when needed, and never read as a formula by a spreadsheet. */
export function csvField(value) {
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text) && !/^[-+]?\d+(\.\d+)?$/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Saves `text` as the CSV file `filename`, made in the page: no request leaves it. */
export const saveCsv = (text, filename) => saveFile(text, filename, "text/csv;charset=utf-8");

/** Saves `text` as the file `filename` of MIME `type`, made in the page: no request leaves it. */
export function saveFile(text, filename, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = h("a", { href: url, download: filename });
  document.body.append(link);
  link.click();
  link.remove();
  // The download has its own reference by now; the URL only has to outlive the click.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
