#!/usr/bin/env node
// The unimetric command line (`npx unimetric …`): checks, diffs, renders and evaluates metric
// specs with the library's Node entry. Exit codes: 0 success (for `diff`: no breaking change),
// 1 a breaking change (`diff`) or an invalid spec (`check`), 2 a usage or input error.
import { readFileSync } from "node:fs";
import { MetricSpec, diffSpecs, UnimetricError } from "./node.js";

const USAGE = `usage: unimetric <command> [arguments]

  check <spec.json>                       validate a spec; print its name, version and definition hash
  diff <old.json> <new.json> [--transactions tx.csv] [--spend spend.csv] [--assignments a.csv]
       [--touchpoints t.csv] [--traffic visits.csv] [--json]
                                          list the changes in plain words; exit 1 on a breaking change
  glossary <spec.json>                    print the team's glossary (Markdown)
  evaluate <spec.json> [--transactions tx.csv] [--spend spend.csv] [--assignments a.csv]
           [--touchpoints t.csv] [--traffic visits.csv] [--only a,b] [--detail]
                                          evaluate the metrics; JSON on stdout

Specs are JSON or YAML. CSV files are read with the spec's data mapping. Exit codes: 0 ok, 1 breaking change (diff) or
invalid spec (check), 2 usage or input error.`;

class Usage extends Error {}

function parseArgs(argv) {
  const positional = [];
  const flags = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--json" || a === "--detail" || a === "--help" || a === "-h") flags[a.replace(/^-+/, "")] = true;
    else if (a.startsWith("--")) {
      const key = a.slice(2);
      if (!["transactions", "spend", "assignments", "touchpoints", "traffic", "only"].includes(key)) throw new Usage(`unknown option ${a}`);
      if (i + 1 >= argv.length) throw new Usage(`${a} needs a value`);
      flags[key] = argv[++i];
    } else positional.push(a);
  }
  return { positional, flags };
}

function readText(file, what) {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    throw new Usage(`cannot read ${what} ${file}: ${e.code ?? e.message}`);
  }
}

function describe(e, file) {
  if (!(e instanceof UnimetricError)) return String(e?.message ?? e);
  const where = e.line ? `${file}:${e.line}:${e.col}: ` : file ? `${file}: ` : "";
  return `${where}${e.message} [${e.code}]`;
}

function loadSpec(file) {
  const text = readText(file, "spec");
  try {
    return MetricSpec.parse(text);
  } catch (e) {
    e.cliFile = file;
    throw e;
  }
}

function inputs(flags) {
  const out = {};
  if (flags.transactions) out.transactions = readText(flags.transactions, "transactions");
  if (flags.spend) out.spend = readText(flags.spend, "spend");
  if (flags.assignments) out.assignments = readText(flags.assignments, "assignments");
  if (flags.touchpoints) out.touchpoints = readText(flags.touchpoints, "touchpoints");
  if (flags.traffic) out.traffic = readText(flags.traffic, "traffic");
  return out;
}

/** JSON with typed arrays as arrays. */
function toJson(value) {
  return JSON.stringify(value, (_, v) => (ArrayBuffer.isView(v) ? Array.from(v) : v), 2);
}

function main(argv) {
  const { positional, flags } = parseArgs(argv);
  const [command, ...files] = positional;
  if (flags.help || !command) {
    process.stdout.write(`${USAGE}\n`);
    return command || flags.help ? 0 : 2;
  }
  const want = (n) => {
    if (files.length !== n) throw new Usage(`${command} takes ${n} file${n > 1 ? "s" : ""}`);
  };
  switch (command) {
    case "check": {
      want(1);
      const spec = loadSpec(files[0]);
      process.stdout.write(`ok ${spec.name} ${spec.version} ${spec.definitionHash} (${spec.metrics.length} metrics)\n`);
      spec.free();
      return 0;
    }
    case "glossary": {
      want(1);
      const spec = loadSpec(files[0]);
      process.stdout.write(spec.toMarkdown());
      spec.free();
      return 0;
    }
    case "evaluate": {
      want(1);
      const spec = loadSpec(files[0]);
      const options = flags.only ? { only: flags.only.split(",").map((s) => s.trim()) } : {};
      const result = spec.evaluate(inputs(flags), options);
      if (!flags.detail) for (const v of Object.values(result)) delete v.detail;
      process.stdout.write(`${toJson(result)}\n`);
      spec.free();
      return 0;
    }
    case "diff": {
      want(2);
      const a = loadSpec(files[0]);
      const b = loadSpec(files[1]);
      const data = inputs(flags);
      const d = diffSpecs(a, b, Object.keys(data).length ? { data } : undefined);
      if (flags.json) process.stdout.write(`${toJson(d)}\n`);
      else {
        const lines = d.changes.map((c) => `${c.kind.padEnd(9)} ${c.path}: ${c.explanation}`);
        for (const v of d.values ?? []) lines.push(`value     ${v.name}: ${v.before ?? "—"} → ${v.after ?? "—"}`);
        const n = d.changes.filter((c) => c.kind === "breaking" || c.kind === "removed").length;
        lines.push(
          d.changes.length === 0
            ? "no change"
            : `${n} breaking change${n === 1 ? "" : "s"}; suggested version ${d.suggestedVersion}`,
        );
        process.stdout.write(`${lines.join("\n")}\n`);
      }
      a.free();
      b.free();
      return d.breaking ? 1 : 0;
    }
    default:
      throw new Usage(`unknown command ${command}`);
  }
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  if (e instanceof Usage) {
    process.stderr.write(`unimetric: ${e.message}\n${USAGE}\n`);
    process.exitCode = 2;
  } else {
    process.stderr.write(`unimetric: ${describe(e, e?.cliFile)}\n`);
    const command = process.argv[2];
    process.exitCode = command === "check" && e?.cliFile ? 1 : 2;
  }
}
