// CSV text read as the library reads it, for previews of a chosen file (upload.js) and for the
// small side files the worker reads itself (the action log). No DOM: the worker imports it too.

/**
 * The delimiter the library will use (`sniff_delimiter` in src/data/csv_input.rs): whichever of
 * `,` `;` and tab occurs most often in the header line outside quotes; `,` when none occurs, and
 * the earlier of `,` `;` tab on a tie.
 */
function sniffDelimiter(text) {
  const candidates = [",", ";", "\t"];
  const counts = [0, 0, 0];
  let quoted = false;
  for (const c of text) {
    if (c === '"') quoted = !quoted;
    else if (quoted) continue;
    else if (c === "\n" || c === "\r") break;
    else if (candidates.includes(c)) counts[candidates.indexOf(c)]++;
  }
  let best = 0;
  for (let i = 1; i < candidates.length; i++) if (counts[i] > counts[best]) best = i;
  return candidates[best];
}

/**
 * The head of a CSV text read as the library reads it (the `csv` crate, src/data/csv_input.rs):
 * a leading byte-order mark dropped, the delimiter from `sniffDelimiter`, a `"` opening a quoted
 * field only at the start of a field (doubled inside it for a literal quote), line breaks \n,
 * \r or \r\n, and blank lines skipped.
 *
 * Returns `{ header, rows }`: the header's field names trimmed and kept in their positions (a
 * blank name is "", as the library keeps it), and up to `limit` records after it. The last
 * record is dropped when `complete` is false, since the text may have been cut off inside it.
 */
export function parseHead(text, limit, complete) {
  const delimiter = sniffDelimiter(text);
  const records = [];
  let record = [];
  let field = "";
  // "start": at the start of a field; "plain": in an unquoted field; "quoted": inside quotes;
  // "closed": just after a quote inside a quoted field (a second quote makes a literal one).
  let state = "start";
  let started = false;
  const endRecord = () => {
    record.push(field);
    records.push(record);
    record = [];
    field = "";
  };
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (; i < text.length && records.length <= limit; i++) {
    const c = text[i];
    if (state === "quoted") {
      if (c === '"') state = "closed";
      else field += c;
    } else if (state === "closed" && c === '"') {
      field += '"';
      state = "quoted";
    } else if (c === delimiter) {
      record.push(field);
      field = "";
      state = "start";
      started = true;
    } else if (c === "\n" || c === "\r") {
      if (started || state !== "start") endRecord();
      state = "start";
      started = false;
    } else if (c === '"' && state === "start") {
      state = "quoted";
      started = true;
    } else {
      field += c;
      state = "plain";
      started = true;
    }
  }
  if (records.length <= limit && complete && (started || state !== "start")) endRecord();
  const [header = [], ...rows] = records;
  return { header: header.map((name) => name.trim()), rows };
}
