// The typed consumer: every export of `unimetric` called the way the README and docs/guide/ call
// it, type-checked by `tsc --strict --noEmit` in tests/js/pack.test.mjs against the packed
// package. Calls whose options are optional are made without them. Nothing here runs: it is a
// test of the declarations, so a change that breaks a documented call fails the build.
import {
  Journeys,
  attribution,
  compareAttribution,
  type AttributionResult,
  type ModelCredit,
  AliveChurnModel,
  BgBbModel,
  BgNbdModel,
  RetentionModel,
  fitBgBb,
  fitShiftedBetaGeometric,
  cohorts,
  ChurnModel,
  CustomerSummary,
  FeatureMatrix,
  GammaGammaModel,
  ParetoNbdModel,
  SegmentModel,
  Spend,
  Transactions,
  UnimetricError,
  cac,
  cacPayback,
  calibrationHoldout,
  chooseK,
  chooseKCustomers,
  churnFeatures,
  clv,
  errorCodes,
  evaluateChurn,
  evaluateScores,
  fitAliveChurn,
  fitBgNbd,
  fitChurn,
  fitGammaGamma,
  fitParetoNbd,
  getDefinition,
  glossary,
  historicalLtv,
  kmeans,
  ltvToCac,
  rfmScores,
  segment,
  segmentCustomers,
  simpleLtv,
  experiment,
  experimentFromUnits,
  experimentOnTransactions,
  kpiSeries,
  detectAnomalies,
  explainAnomaly,
  type AnomalyResult,
  type AnomalyExplanation,
  type AnomalyContribution,
  type KpiSeries,
  type KpiBucket,
  experimentReport,
  inferDateFormat,
  MetricSpec,
  diffSpecs,
  specCatalog,
  type SpecValue,
  type SpecDiff,
  type DateFormat,
  type DateFormatInference,
  srmCheck,
  planExperiment,
  version,
  type Definition,
  type ExperimentInput,
  type ExperimentUnits,
  type ExperimentUnitsOptions,
  type ExperimentResult,
  type DefinitionRef,
  type ErrorCode,
  type ParameterDef,
} from "unimetric";

// --- data
const csv = "customer,date,amount\na,2024-01-01,20\na,2024-01-15,35\nb,2024-01-10,12.5\n";
const tx: Transactions = Transactions.fromCsv(csv, { customerId: "customer", timestamp: "date", amount: "amount" });
const rows = Transactions.fromRows([{ c: "a", t: "2024-01-01", a: 20 }], { customerId: "c", timestamp: "t", amount: "a" });
const cols = Transactions.fromColumns({
  customerId: new Uint32Array([1, 2, 1]),
  timestamp: ["2024-01-01", "2024-01-02", "2024-01-04"],
  amount: new Float64Array([10, 20, 30]),
});
const summary: CustomerSummary = tx.summary();
const weekly: CustomerSummary = cols.summary({ period: "week", observationEnd: new Date("2024-02-01") });
const kpis = rows.kpis();
const frequency: Float64Array = summary.frequency;
const fromColumns = CustomerSummary.fromColumns({
  customerId: ["a", "b"],
  frequency: new Float64Array([1, 0]),
  recency: new Float64Array([14, 0]),
  T: new Float64Array([14, 5]),
  monetaryValue: new Float64Array([35, 0]),
});
const spend = Spend.fromCsv("month,channel,amount\n2024-01-01,search,100\n", { date: "month", channel: "channel", amount: "amount" });

// --- definitions and errors
const defs: Definition[] = glossary();
const clvDef: Definition | undefined = getDefinition("ltv.clv");
const horizon: ParameterDef | undefined = clvDef?.parameters.find((p) => p.name === "horizonMonths");
const maxHorizon: number | null | undefined = horizon?.max;
const codes: ErrorCode[] = errorCodes();
const v: string = version();
function describe(e: unknown): string {
  if (e instanceof UnimetricError) {
    const code: ErrorCode = e.code;
    return `${code} ${e.column ?? ""} ${e.row ?? ""}`;
  }
  return String(e);
}

// --- CAC and unit economics
const table = cac(spend, tx);
const blended = cac(spend, tx, { period: "month", attributionLag: 1 });
const payback = cacPayback(spend, tx);
const paybackAtMargin = cacPayback(spend, tx, { margin: 0.6 });
const ratio = ltvToCac(spend, tx, { margin: 0.6 });

// --- churn, end to end
const f = churnFeatures(tx, { cutoff: "2024-01-10", horizonDays: 90 });
const model: ChurnModel = fitChurn(f, f.labels);        // labels are null when the data end before cutoff + horizon: E_INSUFFICIENT_DATA
const tuned: ChurnModel = fitChurn(f, f.labels, { alpha: 1 });
const risk: Float64Array = model.predict(f).values;
const riskRef: DefinitionRef = model.predict(f).definition;
const why = model.reasons(f, 3);
const encoded = model.encode(f);
const restored: ChurnModel = ChurnModel.fromJSON(JSON.parse(JSON.stringify(model)));
const alive: AliveChurnModel = fitAliveChurn(f);
const aliveRisk: Float64Array = alive.predict(f).values;
const quality = evaluateChurn(tx, { trainCutoff: "2024-01-05", testCutoff: "2024-01-10", horizonDays: 90, alive: true });
const scored = evaluateScores(new Float64Array([0.1, 0.9]), new Uint8Array([0, 1]));

// --- segments
const seg = segmentCustomers(summary);
const segK = segmentCustomers(summary, { k: 2, seed: 1 });
const segModel: SegmentModel = seg.model;
const predicted = segModel.predictCustomers(summary);
const choice = chooseKCustomers(summary, { kMax: 3 });
const choiceDefault = chooseKCustomers(summary);
const rfm = rfmScores(summary);
const raw = segment(new Float64Array([1, 1.2, 0.8, 50, 52, 48]), 1, { k: 2 });
const rawDefault = segment(new Float64Array([1, 1.2, 0.8, 50, 52, 48]), 1);
const km = kmeans(new Float64Array([1, 2, 3, 4]), 1, { k: 2 });
const matrix = new FeatureMatrix(new Float64Array([1, 2, 3, 4]), 2);
const chosen = chooseK(new Float64Array([1, 2, 3, 4, 5, 6]), 1);

// --- lifetime value
const bg: BgNbdModel = fitBgNbd(summary);
const bgWithProgress: BgNbdModel = fitBgNbd(summary, { starts: 3, onProgress: (p) => p.done < p.total });
const pareto: ParetoNbdModel = fitParetoNbd(summary);
const gg: GammaGammaModel = fitGammaGamma(summary);
const pAlive: Float64Array = bg.probabilityAlive(summary).values;
const noRepeat: Uint8Array = bg.probabilityAlive(summary).noRepeatPurchase;
const purchases: Float64Array = bg.expectedPurchases(summary, 10).values;
const paretoAlive: Float64Array = pareto.probabilityAlive(summary).values;
const spendPerOrder: Float64Array = gg.expectedSpend(summary).values;
const value = clv(bg, gg, summary);
const valueAtMargin = clv(bg, gg, summary, { horizonMonths: 12, margin: 0.3, discountConvention: "continuous" });
const total: number = value.total;
const historical = historicalLtv(tx);
const historicalAtMargin = historicalLtv(tx, { margin: 0.4, observationEnd: "2024-01-31" });
const simple = simpleLtv({ arpu: 30, churnRate: 0.05 });
const holdout = calibrationHoldout(tx, { calibrationEnd: "2024-01-10" });
const holdoutModel: BgNbdModel = holdout.model;
const bgJson = BgNbdModel.fromJSON(bg.toJSON());
const ggJson = GammaGammaModel.fromJSON(gg.toJSON());
const paretoJson = ParetoNbdModel.fromJSON(pareto.toJSON());

// --- experiments
const abInput: ExperimentInput = {
  metric: "proportion",
  arms: [{ name: "A", n: 1000, conversions: 100 }, { name: "B", n: 1000, conversions: 130 }],
};
const ab: ExperimentResult = experiment(abInput, { difference: "absolute", correction: "holm", unitsPerDay: 500 });
const abCi: [number, number] = ab.comparisons[0].ci;
const abP: number | null = ab.comparisons[0].pValue;
const abSrm: boolean = ab.srm.flagged;
const abBayes = experiment(
  { metric: "mean", name: "revenue", arms: [{ name: "A", n: 4, sum: 10, sumSquares: 30, preSum: 9, preSumSquares: 25, preCrossSum: 26 }, { name: "B", n: 4, sum: 20, sumSquares: 120, preSum: 11, preSumSquares: 35, preCrossSum: 60 }] },
  { method: "bayesian", prior: { mean: 0, stddev: 0.1 } },
).comparisons[0].chanceToWin;
const abReport: number = experimentReport([ab, ab], { correction: "benjamini-hochberg" }).rows[0].adjustedPValue;
const abSplit: number = srmCheck([5000, 5300]).pValue;
const abSplitWeighted: number = srmCheck(new Float64Array([2000, 1000]), [2, 1]).chiSquare;
const abPlan: number | null = planExperiment({ metric: "mean", baselineMean: 50, baselineSd: 20, mde: 0.02, unitsPerDay: 500 }).days;
const abUnits: ExperimentUnits = { arm: new Uint8Array([0, 1, 0, 1]), armNames: ["A", "B"], value: new Float64Array([1, 2, 3, 5]), pre: new Float64Array([1, 1, 2, 3]) };
const abUnitsOptions: ExperimentUnitsOptions = { metric: "mean", name: "revenue", difference: "absolute", sequential: true };
const abFromUnits: ExperimentResult = experimentFromUnits(abUnits, abUnitsOptions);
const abFromText: number = experimentFromUnits({ arm: ["A", "B", "A", "B"], value: [1, 0, 0, 1], denominator: [1, 1, 2, 1] }).arms[0].mean;
const abFromCodes32 = experimentFromUnits({ arm: new Uint32Array([0, 1]), armNames: ["A", "B"], value: [0, 1] }, { metric: "proportion" }).comparisons;
const abOnTx: number = experimentOnTransactions(
  { unitId: ["a", "b"], arm: new Uint8Array([0, 1]), armNames: ["A", "B"], assignedAt: ["2024-01-01", new Date(0)] },
  tx,
  { metric: "experiment.aov", windowDays: 7, method: "bayesian" },
).excludedUnits;
const abOnTxRows: number = experimentOnTransactions([{ unitId: 1, arm: "A", assignedAt: "2024-01-01" }], tx, { metric: "experiment.orders_per_unit" }).includedUnits;
const abOnTxCsv: number = experimentOnTransactions("user,variant,at\n1,A,2024-01-01\n", tx, {
  metric: "experiment.revenue_per_unit",
  windowDays: 30,
  mapping: { unitId: "user", arm: "variant", assignedAt: "at", timezone: "Europe/Berlin" },
}).includedUnits;
const abOnTxMetric: string = experimentOnTransactions({ unitId: new Uint32Array([1]), arm: ["A"], assignedAt: new Float64Array([0]) }, tx, { metric: "experiment.conversion" }).metricDefinition.metric;

// Slash and dot dates: the library reads the order, the mapping takes it.
const found: DateFormatInference = inferDateFormat(["12/1/2010 8:26", null, "12/23/2010 9:01"], "InvoiceDate");
const order: DateFormat | null = found.format;
const usDates = Transactions.fromCsv("d,c,a\n12/1/2010,1,5\n", { customerId: "c", timestamp: "d", amount: "a", dateFormat: order ?? "MM/DD/YYYY" });
const dotDates = inferDateFormat(["1.12.2010"]).candidates;

// The metric spec: parse, evaluate on CSV text or an instance, diff, render.
const spec: MetricSpec = MetricSpec.parse({ unimetricSpec: 1, name: "acme", version: "1.0.0", metrics: { aov: { metric: "orders.aov" } } });
const specValue: SpecValue = spec.evaluate({ transactions: tx })["aov"];
const specAov: number | null = spec.evaluate({ transactions: csv }, { only: ["aov"] })["aov"].value;
const specHash: string = MetricSpec.parse("{}").definitionHash;
const specDiff: SpecDiff = diffSpecs(spec, spec, { data: { transactions: tx } });
const specBreaking: boolean = diffSpecs(spec, spec).breaking;
const specText: string = spec.toMarkdown();
const specOsi: Record<string, unknown> = spec.toOsi();
const specBack: MetricSpec = MetricSpec.fromOsi(specOsi);
const specEntries: string[] = specCatalog().map((e) => e.call);
const specCanonical = spec.canonical();
const specMapping = spec.transactionsMapping === null ? null : Transactions.fromCsv(csv, spec.transactionsMapping);
const specWithAssignments = spec.evaluate({ transactions: csv, assignments: "user,arm,at\n" })["aov"].definition.assignmentsFingerprint;
const specFromYaml: MetricSpec = MetricSpec.parse("unimetricSpec: 1\nname: acme\n");

// Contractual retention and BG/BB.
const retention: RetentionModel = fitShiftedBetaGeometric({ survivors: [1000, 631, 468] }, { model: "bdw", period: "month" });
const lifetime: number | null = retention.expectedLifetime();
const curve: Float64Array = retention.projectSurvivors(1000, 12);
const derl: number = retention.derl(0.1, 0);
const retentionBack: RetentionModel = RetentionModel.fromJSON(JSON.parse(JSON.stringify(retention.toJSON())));
const bgbb: BgBbModel = fitBgBb({ frequency: [0, 1], recency: [0, 1], opportunities: [6, 6], weight: [10, 5] }, { period: "year" });
const bgbbAlive: Float64Array = bgbb.probabilityAlive({ frequency: [1], recency: [1], opportunities: [6] });
const bgbbParams: number = bgbb.params.gamma + BgBbModel.fromJSON(bgbb.toJSON()).params.delta;
const cohortGrid = cohorts(tx, { measure: "retention", cohortPeriod: "month", maxAge: 12, by: "channel" });
const cohortCell: number = cohortGrid.values[0] + cohortGrid.complete[0] + cohortGrid.cohortSize[0];
const cohortFit: RetentionModel = fitShiftedBetaGeometric({ survivors: [...cohorts(tx, { measure: "customers" }).cohortSize] });

// Attribution: journeys from paths, rows, columns, CSV and transactions; every model.
const journeysFromPaths = Journeys.fromPaths({ path: ["search > email", "email"], conversions: [1, 2], value: [10, 20], nulls: [3, 0] }, { separator: ">" });
const journeysFromRows = Journeys.fromRows([{ journeyId: "u1", timestamp: "2024-03-01", channel: "search" }], [{ journeyId: "u1", timestamp: "2024-03-02", value: 5 }]);
const journeysFromColumns = Journeys.fromColumns(
  { journeyId: new Uint32Array([1]), timestamp: new Float64Array([0]), channel: ["search"] },
  { journeyId: [1], timestamp: [new Date(1)] },
  { timezone: "Europe/Paris" },
);
const journeysFromCsv = Journeys.fromCsv("id,at,ch\n", "id,at\n", { journeyId: "id", timestamp: "at", channel: "ch" });
const journeysFromTxCsv = Journeys.fromTransactions("who,at,ch\na,2024-01-01,email\n", tx, { mapping: { customerId: "who", timestamp: "at", channel: "ch" } });
const journeysFromTx = Journeys.fromTransactions([{ journeyId: "a", timestamp: "2024-01-01", channel: "email" }], tx, { lookbackDays: 14, purchases: "all" });
const attributed: AttributionResult = attribution(journeysFromPaths);
const markovCredit: ModelCredit | undefined = attribution(journeysFromTx, { models: ["markov", "lastTouch"], order: 2, collapseRepeats: true, credits: true }).models.markov;
const removal: Float64Array | undefined = attributed.markov?.removalEffects;
const creditTimes: Float64Array | null | undefined = markovCredit?.credits?.time;
const attributionSentence: string = compareAttribution(attributed, "lastTouch", "markov").channels[0].summary;
const journeyStats: number = journeysFromTxCsv.touchCount + journeysFromRows.totalConversions + journeysFromColumns.pathCount + journeysFromCsv.touchCount + journeysFromTx.unattributed.value;
const attributionOptions = attribution(journeysFromRows, { models: ["timeDecay", "positionBased", "lastNonDirect"], halfLifeDays: 3, positionWeights: [0.3, 0.4, 0.3], directChannel: "(direct)" });
const series: KpiSeries = kpiSeries(tx);
const weeklyRevenue: Float64Array = kpiSeries(tx, { bucket: "week", metrics: ["revenue.net"], by: "channel", start: "2024-01-01", end: new Date(0) }).series["revenue.net"].previous;
const conversion: Float64Array | null = kpiSeries(tx, {
  traffic: "day;sessions\n2024-01-01;40\n",
  trafficMapping: { date: "day", visits: "sessions", timezone: "Europe/Berlin" },
}).series["traffic.conversion_rate"].denominator;
const conversionRows: number = kpiSeries(tx, { traffic: [{ date: "2024-01-01", visits: 3, channel: null }] }).time.length;
const seriesBucket: KpiBucket = "month";
const flags: AnomalyResult = detectAnomalies({ time: series.time, value: series.series["revenue.net"].value });
const flagged: Uint8Array = detectAnomalies(
  { time: ["2024-01-01", "2024-01-02"], value: [1, 2], denominator: null },
  { seasonality: [7, 30], direction: "down", sensitivity: 0.7, method: "esd", maxAnomalies: 3, robust: true },
).flagged;
const band: Float64Array = flags.upper;
const trendPart: Float64Array = flags.decomposition.trend;
const explained: AnomalyExplanation = explainAnomaly(tx, {
  metric: "orders.count",
  at: "2024-01-15",
  by: "channel",
  bucket: "day",
  sensitivity: 0.6,
  direction: "down",
  annotations: [{ date: new Date(0), text: "launched spring campaign", author: "Ana" }],
});
const topShare: number = (explained.contributions[0] satisfies AnomalyContribution).share;
const noteBucket: number | null = kpiSeries(tx, { annotations: [{ date: "2024-01-01", text: "sale" }] }).annotations[0].bucket;
const explainSentence: string = explainAnomaly(tx, { at: 1_704_067_200_000, by: "country", traffic: "date,visits\n2024-01-01,3\n" }).sentence;
const withCredits = attribution(journeysFromTx, { credits: true });
const paybackByModel: number | null = cacPayback(spend, tx, { attribution: withCredits, model: "markov", margin: 0.6 }).simple[0].value;
const ltvCacByModel: number | null = ltvToCac(spend, tx, { attribution: withCredits, model: "linear", ltv: "historical" }).rows[0].value;

export const everything = [
  attributed, markovCredit, removal, creditTimes, attributionSentence, journeyStats, attributionOptions,
  paybackByModel, ltvCacByModel, series, weeklyRevenue, conversion, conversionRows, seriesBucket,
  flags, flagged, band, trendPart, explained, topShare, noteBucket, explainSentence,
  cohortGrid, cohortCell, cohortFit,
  specWithAssignments, specFromYaml, retention, lifetime, curve, derl, retentionBack, bgbb, bgbbAlive, bgbbParams,
  spec, specValue, specAov, specHash, specDiff, specBreaking, specText, specOsi, specBack, specEntries, specCanonical, specMapping,
  abOnTx, abOnTxMetric, abOnTxRows, abOnTxCsv, found, usDates, dotDates,
  rows, weekly, kpis, frequency, fromColumns, defs, maxHorizon, codes, v, describe, table, blended,
  payback, paybackAtMargin, ratio, tuned, risk, riskRef, why, encoded, restored, aliveRisk, quality,
  scored, segK, predicted, choice, choiceDefault, rfm, raw, rawDefault, km, matrix, chosen,
  bgWithProgress, pAlive, noRepeat, purchases, paretoAlive, spendPerOrder, valueAtMargin, total,
  historical, historicalAtMargin, simple, holdoutModel, bgJson, ggJson, paretoJson,
  abCi, abP, abSrm, abBayes, abReport, abSplit, abSplitWeighted, abPlan,
  abFromUnits, abFromText, abFromCodes32,
];
