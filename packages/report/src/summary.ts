import path from "node:path";
import type { EvalReport } from "./eval-report.js";
import { fmt, priorOrigin, SYNTHETIC_TAG, signedFmt } from "./run-directory.js";

/** Hyper-parameters as `key=value` pairs, in the method's declared order. */
export function paramsText(params: Readonly<Record<string, number | string>>): string {
  return Object.entries(params)
    .map(([key, value]) => `${key}=${value}`)
    .join(" ");
}

function setupLines(report: EvalReport): string[] {
  const lines: string[] = [];
  const b = report.bundle;
  lines.push(
    `bundle: ${b.source}${report.synthetic ? ` (${SYNTHETIC_TAG})` : ""}  N=${b.numSamples} U=${b.numClasses} C=${b.channels}`,
  );
  const meta = b.meta;
  if (!report.synthetic && typeof meta.dataset === "string") {
    const backbone = typeof meta.backbone === "string" ? `; backbone ${meta.backbone.split(" (")[0]}` : "";
    lines.push(
      `data: ${meta.dataset}${typeof meta.split === "string" ? ` split ${meta.split}` : ""}${backbone}`,
    );
  }
  lines.push(`prior: ${priorLine(report)}`);
  if (report.prior.note !== undefined) lines.push(`prior note: ${report.prior.note}`);
  const hedge =
    report.method.hedgeActive === null ? "" : ` (hedge ${report.method.hedgeActive ? "on" : "off"})`;
  lines.push(`method: ${report.method.name} — ${paramsText(report.params)}${hedge}`);
  return lines;
}

function resultLines(report: EvalReport): string[] {
  const lines: string[] = [];
  const title = report.method.title;
  if (report.validation) {
    const chosen = paramsText(report.validation.chosen);
    lines.push(
      `validation: chose ${chosen} on ${report.validation.bundle} (top-1 ${fmt(report.validation.validationTop1)} %)`,
    );
  }
  const r = report.results;
  lines.push(
    `backbone top-1: ${fmt(r.backbone.top1.percent)} %   ${title} top-1: ${fmt(r.cache.top1.percent)} %   (${signedFmt(r.gain)})`,
  );
  if (report.stream.order !== undefined) lines.push(`order: ${report.stream.order}`);
  if (report.reference) {
    const ref = report.reference;
    lines.push(
      `reference: reported top-1 ${fmt(ref.reportedTop1)} % at ${paramsText(ref.best.values)} (selected on test labels; second pass ${ref.best.secondPassFired ? "fired" : "not fired"}); fixed ${paramsText(ref.fixed.params)}: ${fmt(ref.fixed.top1)} %`,
    );
  }
  if (report.orders) {
    const o = report.orders;
    const s = o.summary;
    lines.push(
      `${title} ${fmt(o.streamOrderTop1)} % on this order; ${fmt(s.mean)} ± ${fmt(s.sd)} % over ${o.R} orders (min ${fmt(s.min)}, max ${fmt(s.max)}; backbone ${fmt(o.backboneTop1)} % on every order)`,
    );
  }
  if (report.gzsl) {
    const g = report.gzsl;
    lines.push(
      `GZSL: backbone S=${fmt(g.backbone.best.seen)} U=${fmt(g.backbone.best.unseen)} H=${fmt(g.backbone.best.harmonic)}  ${title} S=${fmt(g.cache.best.seen)} U=${fmt(g.cache.best.unseen)} H=${fmt(g.cache.best.harmonic)}`,
    );
  }
  return lines;
}

/** The printed summary of a run (stdout). */
export function summaryText(report: EvalReport, outDir: string): string {
  const synthetic = report.synthetic ? ` [${SYNTHETIC_TAG} data — not a real backbone]` : "";
  const lines = [`Skeleton-Cache eval — protocol ${report.protocol.name}${synthetic}`];
  lines.push(`  ${report.protocol.description}`);
  if (report.protocol.selectsOnTestLabels)
    lines.push("  NOTE: hyper-parameters selected on TEST labels (oracle) — reproduction only");
  lines.push(...setupLines(report), ...resultLines(report));
  for (const warning of report.warnings) lines.push(`NOTE: ${warning}`);
  lines.push(`report: ${path.join(outDir, "report.md")}`);
  return `${lines.join("\n")}\n`;
}

/** How the prior is named in the summary: its kind and source, once each. */
function priorLine(report: EvalReport): string {
  const prior = report.prior;
  if (prior.kind === "uniform")
    return `uniform (no LLM prior: equal part and phase importances, γ = ${report.config.uniformGamma})`;
  return `${prior.kind} ${prior.source}${priorOrigin(prior.kind)}`;
}
