// Own CSV: read the header of a chosen (or dropped) file, preview its first rows, suggest a
// column mapping from the names and values, and load it (with optional spend, touchpoints and
// traffic files).

import { $, formatCount, h } from "./format.js";
import { inferDates } from "./engine.js";
import { parseHead } from "./csv.js";
import { clearError, showError } from "./ui.js";

/** Loads a data set: set by wireUpload to the page's loader. */
let loadData = null;

const SUGGEST = {
  customerId: [/^(customer|client|user|buyer|account|member)[\s_-]*(id|no|number|key|code)?$/i, /customer|client|user|buyer|account|member/i],
  timestamp: [/^((order|purchase|transaction)[\s_-]*)?(date|time|timestamp|datetime|ts)$/i, /date|time|created|ordered|day/i],
  amount: [/^(amount|revenue|total|value|sales|price|net|gmv)$/i, /amount|revenue|total|value|sales|price|spend|gmv/i],
  orderId: [/^(order|invoice|transaction|txn|receipt)[\s_-]*(id|no|number|key|code)?$/i, /order|invoice|transaction|txn|receipt/i],
  channel: [/^(channel|source|medium|utm[\s_-]*source)$/i, /channel|source|medium|campaign/i],
};
const OPTIONAL = new Set(["orderId", "channel"]);

// Spend columns; the channel type is matched before the channel so "channel_type" goes to it.
const SPEND_SUGGEST = {
  date: [/^((spend|cost)[\s_-]*)?(date|day|week|month|period)$/i, /date|day|week|month|period|time/i],
  channelType: [/^(channel[\s_-]*)?(type|kind|class)$/i, /type|kind/i],
  channel: [/^(channel|source|medium|utm[\s_-]*source)$/i, /channel|source|medium|campaign/i],
  amount: [/^(amount|spend|cost|budget|value|total)$/i, /amount|spend|cost|budget|value|total/i],
};
const SPEND_OPTIONAL = new Set(["channelType"]);

// Touchpoint columns: whose touch (the customer id), when, and through which channel.
const TOUCH_SUGGEST = {
  journeyId: [/^(customer|client|user|buyer|account|member|journey)[\s_-]*(id|no|number|key|code)?$/i, /customer|client|user|journey|account/i],
  timestamp: [/^((touch|touched|event|visit|click)[\s_-]*)?(at|date|time|timestamp|datetime|ts)$/i, /date|time|touch|at$/i],
  channel: [/^(channel|source|medium|utm[\s_-]*source)$/i, /channel|source|medium|campaign/i],
};
const TOUCH_OPTIONAL = new Set();

// Traffic columns: the day, its visits and, optionally, the channel they came through.
const TRAFFIC_SUGGEST = {
  date: [/^(date|day|visit[\s_-]*date)$/i, /date|day|time/i],
  visits: [/^(visits|sessions|visitors|users|pageviews)$/i, /visit|session|visitor|user|view/i],
  channel: [/^(channel|source|medium|utm[\s_-]*source)$/i, /channel|source|medium|campaign/i],
};
const TRAFFIC_OPTIONAL = new Set(["channel"]);

/** Rows shown in the preview of a chosen file. */
const PREVIEW_ROWS = 5;

const DATE_LIKE = /^(\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?|\d{8}|\d{12,13})$/;
const NUMBER_LIKE = /^[-+]?\d+(\.\d+)?$/;

/**
 * Fills the keys the header names left open from the values in the preview rows: a date column
 * for the date, a decimal number column for the amount, the first text column for the customer.
 * `columns` are the named columns; `header` holds every field name in its position in the rows
 * (the library reads the first column of a name).
 */
function suggestFromValues(mapping, columns, header, rows, suggest) {
  const used = new Set(Object.values(mapping));
  const values = (c) => rows.map((r) => (r[header.indexOf(c)] ?? "").trim()).filter((v) => v !== "");
  const all = (c, re) => values(c).length > 0 && values(c).every((v) => re.test(v));
  const pick = (test) => columns.find((c) => !used.has(c) && test(c));
  const idLike = (c) => values(c).length > 0 && !all(c, DATE_LIKE);
  const rules = {
    timestamp: (c) => all(c, DATE_LIKE) && values(c).some((v) => v.includes("-")),
    assignedAt: (c) => all(c, DATE_LIKE) && values(c).some((v) => v.includes("-")),
    amount: (c) => all(c, NUMBER_LIKE) && values(c).some((v) => v.includes(".")),
    customerId: idLike,
    // The touchpoints' customer id (an e-mail, a user key) is found as the transactions' is.
    journeyId: idLike,
    // An experiment's unit is a customer too.
    unitId: idLike,
  };
  for (const [key, test] of Object.entries(rules)) {
    if (!(key in suggest) || mapping[key]) continue;
    const column = pick(test);
    if (column) {
      mapping[key] = column;
      used.add(column);
    }
  }
  return mapping;
}

/**
 * The preview table of a chosen file: every column of its header in file order, a blank name
 * shown as "(column N)", its first rows, and mapped columns marked (the first of a name, which is
 * the one the library reads).
 */
function renderPreview(tableId, header, rows, mapping) {
  const mapped = new Map(Object.entries(mapping).map(([key, column]) => [column, key]));
  const heading = (name, j) => {
    if (name === "") return h("th", { scope: "col", className: "unnamed" }, `(column ${j + 1})`);
    const key = header.indexOf(name) === j ? mapped.get(name) : undefined;
    return h("th", { scope: "col" }, name, key ? h("span", { className: "mapped-as" }, ` → ${MAP_LABEL[key] ?? key}`) : null);
  };
  const table = $(tableId);
  table.querySelector("thead").replaceChildren(h("tr", {}, ...header.map(heading)));
  table.querySelector("tbody").replaceChildren(
    ...rows.map((r) => h("tr", {}, ...header.map((_, j) => h("td", {}, r[j] ?? "")))),
  );
  table.closest(".preview").hidden = false;
}

const MAP_LABEL = {
  customerId: "customer id",
  timestamp: "date",
  amount: "amount",
  orderId: "order id",
  channel: "channel",
  date: "date",
  channelType: "channel type",
  journeyId: "customer id",
  unitId: "customer id",
  arm: "arm",
  assignedAt: "assigned at",
  visits: "visits",
};

function suggestMapping(columns, suggest) {
  const used = new Set();
  const mapping = {};
  for (const [key, patterns] of Object.entries(suggest)) {
    for (const pattern of patterns) {
      const match = columns.find((c) => !used.has(c) && pattern.test(c));
      if (match) {
        mapping[key] = match;
        used.add(match);
        break;
      }
    }
  }
  return mapping;
}

/**
 * Reads the header of the file chosen in `input` and fills the mapping selects (ids
 * `${prefix}${key}`) with its columns and a suggestion. Returns whether the mapping is usable.
 */
export async function offerMapping(input, fieldset, prefix, suggest, optional) {
  const file = input.files[0];
  const previewId = `${prefix}preview`;
  clearError();
  fieldset.hidden = true;
  fieldset.disabled = true;
  $(previewId).closest(".preview").hidden = true;
  if (!file) return false;
  const head = 64 * 1024;
  const text = await file.slice(0, head).text();
  const { header, rows } = parseHead(text, PREVIEW_ROWS, file.size <= head);
  const columns = [...new Set(header.filter((name) => name !== ""))];
  if (columns.length === 0) {
    showError(`Could not read ${file.name}`, { message: "The first line holds no column names." });
    return false;
  }
  const suggested = suggestFromValues(suggestMapping(columns, suggest), columns, header, rows, suggest);
  renderPreview(previewId, header, rows, suggested);
  if (prefix === "map-") previewDates = (c) => rows.map((r) => r[header.indexOf(c)] ?? null);
  for (const key of Object.keys(suggest)) {
    const select = $(`${prefix}${key}`);
    const blank = optional.has(key) ? "— none —" : "— choose a column —";
    select.replaceChildren(h("option", { value: "" }, blank), ...columns.map((c) => h("option", { value: c }, c)));
    select.value = suggested[key] ?? "";
  }
  fieldset.hidden = false;
  fieldset.disabled = false;
  return true;
}

/** The preview's values of the column chosen as the date, for the date-format reading. */
let previewDates = () => [];

const FORMAT_WORDS = {
  "YYYY-MM-DD": "ISO dates (2010-12-23)",
  "MM/DD/YYYY": "month first (12/23/2010)",
  "DD/MM/YYYY": "day first (23/12/2010)",
  "DD.MM.YYYY": "day first with dots (23.12.2010)",
};

/**
 * Asks the library how the chosen date column writes its dates and sets the date-format choice:
 * the format the values settle, or no choice (required) when they read either way.
 */
async function offerDateFormat() {
  const select = $("map-dateFormat");
  const help = $("map-dateFormat-help");
  select.querySelector('option[value=""]')?.remove();
  const column = $("map-timestamp").value;
  const values = column ? previewDates(column) : [];
  if (values.length === 0) {
    select.value = "YYYY-MM-DD";
    help.textContent = "";
    return;
  }
  try {
    const found = await inferDates(values, column);
    if (found.format) {
      select.value = found.format;
      help.textContent = `Read from the first ${formatCount(found.values)} dates: ${FORMAT_WORDS[found.format]}.`;
    } else {
      select.prepend(h("option", { value: "" }, "— choose —"));
      select.value = "";
      help.textContent = `The first ${formatCount(found.values)} dates read either way (${found.candidates.map((f) => FORMAT_WORDS[f]).join(" or ")}): choose the order your export uses.`;
    }
  } catch (err) {
    select.value = "YYYY-MM-DD";
    help.textContent = `No one date format reads these dates: ${err.message}`;
  }
}

async function onFileChosen() {
  // The last file's date-format reading no longer applies (the worker may be busy before it
  // answers for this one).
  $("map-dateFormat-help").textContent = "";
  $("load-file").disabled = !(await offerMapping($("file"), $("mapping"), "map-", SUGGEST, OPTIONAL));
  if (!$("load-file").disabled) await offerDateFormat();
}

function onSpendFileChosen() {
  return offerMapping($("spend-file"), $("spend-mapping"), "map-spend-", SPEND_SUGGEST, SPEND_OPTIONAL);
}

function onTouchFileChosen() {
  return offerMapping($("touch-file"), $("touch-mapping"), "map-touch-", TOUCH_SUGGEST, TOUCH_OPTIONAL);
}

function onTrafficFileChosen() {
  return offerMapping($("traffic-file"), $("traffic-mapping"), "map-traffic-", TRAFFIC_SUGGEST, TRAFFIC_OPTIONAL);
}

/** The chosen mapping: key → column, leaving out optional keys set to none. */
function chosenMapping(prefix, suggest) {
  const mapping = {};
  for (const key of Object.keys(suggest)) {
    const value = $(`${prefix}${key}`).value;
    if (value) mapping[key] = value;
  }
  return mapping;
}

async function onFileSubmit(event) {
  event.preventDefault();
  const file = $("file").files[0];
  if (!file) return;
  const spendFile = $("spend-file").files[0];
  const spend =
    spendFile && !$("spend-mapping").disabled
      ? { file: spendFile, mapping: chosenMapping("map-spend-", SPEND_SUGGEST), name: spendFile.name }
      : undefined;
  const touchFile = $("touch-file").files[0];
  const touchpoints =
    touchFile && !$("touch-mapping").disabled
      ? { file: touchFile, mapping: chosenMapping("map-touch-", TOUCH_SUGGEST), name: touchFile.name }
      : undefined;
  const trafficFile = $("traffic-file").files[0];
  const traffic =
    trafficFile && !$("traffic-mapping").disabled
      ? { file: trafficFile, mapping: chosenMapping("map-traffic-", TRAFFIC_SUGGEST), name: trafficFile.name }
      : undefined;
  clearError();
  const mapping = chosenMapping("map-", SUGGEST);
  const dateFormat = $("map-dateFormat").value;
  if (dateFormat && dateFormat !== "YYYY-MM-DD") mapping.dateFormat = dateFormat;
  await loadData({ file, mapping, name: file.name, spend, touchpoints, traffic }, file.name);
}

/** The rows the library left out of the loaded file, listed inline with row and column. */
export function renderRejected(data) {
  const box = $("rejected");
  const { rows = [], count = 0 } = data.rejected ?? {};
  if (count === 0) {
    box.hidden = true;
    $("rejected-rows").replaceChildren();
    return;
  }
  $("rejected-summary").textContent =
    `${formatCount(count)} row${count === 1 ? "" : "s"} of ${data.name} could not be read and ${count === 1 ? "was" : "were"} left out; ` +
    `the other ${formatCount(data.transactions)} transactions are used below.` +
    (count > rows.length ? ` The first ${formatCount(rows.length)} are listed.` : "");
  $("rejected-rows").replaceChildren(
    ...rows.map((r) =>
      h(
        "tr",
        { dataset: { row: r.row } },
        h("th", { scope: "row" }, String(r.row)),
        h("td", {}, r.column ?? "—"),
        h("td", {}, h("code", {}, r.code)),
        h("td", { className: "text-start" }, r.message),
      ),
    ),
  );
  box.hidden = false;
}

/** Drag and drop onto the drop zone: the file goes into the file picker, as if chosen there. */
function wireDropZone() {
  const zone = $("drop-zone");
  const over = (event) => {
    if (![...(event.dataTransfer?.types ?? [])].includes("Files")) return;
    event.preventDefault();
    zone.classList.add("drop-active");
  };
  zone.addEventListener("dragenter", over);
  zone.addEventListener("dragover", over);
  zone.addEventListener("dragleave", () => zone.classList.remove("drop-active"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("drop-active");
    const files = event.dataTransfer?.files;
    if (!files?.length) return;
    const transfer = new DataTransfer();
    transfer.items.add(files[0]);
    $("file").files = transfer.files;
    $("upload").open = true;
    onFileChosen();
  });
}

/** The upload form, the drop zone and the file pickers; `load(request, label)` loads a data set. */
export function wireUpload(load) {
  loadData = load;
  $("file").addEventListener("change", onFileChosen);
  $("map-timestamp").addEventListener("change", offerDateFormat);
  wireDropZone();
  $("spend-file").addEventListener("change", onSpendFileChosen);
  $("touch-file").addEventListener("change", onTouchFileChosen);
  $("traffic-file").addEventListener("change", onTrafficFileChosen);
  $("upload-form").addEventListener("submit", onFileSubmit);
}
