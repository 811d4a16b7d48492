// A small Markdown renderer for the subset `spec.toMarkdown()` writes: headings, pipe tables,
// "- " lists, paragraphs, `inline code` and **bold**. The spec's text is user content, so every
// piece of text becomes a text node (never HTML): no markup in a spec can reach the page.

import { h } from "./format.js";

/**
 * The nodes of `markdown`. Headings are shifted down by `headingOffset` levels (a "#" under the
 * section's h2 becomes an h3) and capped at h6.
 */
export function renderMarkdown(markdown, { headingOffset = 2 } = {}) {
  const lines = String(markdown).replace(/\r\n?/g, "\n").split("\n");
  const nodes = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (line.trim() === "") {
      i++;
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) {
      const level = Math.min(6, heading[1].length + headingOffset);
      nodes.push(h(`h${level}`, {}, ...inline(heading[2].trim())));
      i++;
      continue;
    }
    if (isTableRow(line) && i + 1 < lines.length && isSeparator(lines[i + 1])) {
      const head = cells(line);
      i += 2;
      const rows = [];
      while (i < lines.length && isTableRow(lines[i])) rows.push(cells(lines[i++]));
      nodes.push(table(head, rows));
      continue;
    }
    if (/^\s*[-*]\s+/.test(line)) {
      const items = [];
      while (i < lines.length && /^\s*[-*]\s+/.test(lines[i])) {
        let text = lines[i++].replace(/^\s*[-*]\s+/, "");
        // A continuation line (indented, not a new item) belongs to the item.
        while (i < lines.length && /^\s{2,}\S/.test(lines[i]) && !/^\s*[-*]\s+/.test(lines[i])) text += ` ${lines[i++].trim()}`;
        items.push(h("li", {}, ...inline(text)));
      }
      nodes.push(h("ul", {}, ...items));
      continue;
    }
    // A paragraph: consecutive lines up to a blank line or another block.
    const text = [];
    while (
      i < lines.length &&
      lines[i].trim() !== "" &&
      !/^#{1,6}\s/.test(lines[i]) &&
      !/^\s*[-*]\s+/.test(lines[i]) &&
      !(isTableRow(lines[i]) && i + 1 < lines.length && isSeparator(lines[i + 1]))
    ) {
      text.push(lines[i++].trim());
    }
    nodes.push(h("p", {}, ...inline(text.join(" "))));
  }
  return nodes;
}

const isTableRow = (line) => /^\s*\|.*\|\s*$/.test(line);
const isSeparator = (line) => /^\s*\|(\s*:?-+:?\s*\|)+\s*$/.test(line);

/** The cells of a pipe-table row; `\|` is a literal bar, and a bar inside `code` splits nothing. */
function cells(line) {
  const inner = line.trim().slice(1, -1);
  const out = [];
  let cell = "";
  let code = false;
  for (let k = 0; k < inner.length; k++) {
    const c = inner[k];
    if (c === "\\" && inner[k + 1] === "|") {
      cell += "|";
      k++;
    } else if (c === "`") {
      code = !code;
      cell += c;
    } else if (c === "|" && !code) {
      out.push(cell.trim());
      cell = "";
    } else cell += c;
  }
  out.push(cell.trim());
  return out;
}

function table(head, rows) {
  return h(
    "div",
    { className: "table-wrap" },
    h(
      "table",
      { className: "data-table md-table" },
      h("thead", {}, h("tr", {}, ...head.map((text) => h("th", { scope: "col" }, ...inline(text))))),
      h("tbody", {}, ...rows.map((row) => h("tr", {}, ...head.map((_, k) => h("td", {}, ...inline(row[k] ?? "")))))),
    ),
  );
}

/** Inline text: `code` spans and **bold**; everything else as plain text. */
export function inline(text) {
  const out = [];
  const pattern = /`([^`]*)`|\*\*([^*]+)\*\*/g;
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    if (match.index > last) out.push(text.slice(last, match.index));
    out.push(match[1] !== undefined ? h("code", {}, match[1]) : h("strong", {}, match[2]));
    last = match.index + match[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}
