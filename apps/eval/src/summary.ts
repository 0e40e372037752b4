import path from "node:path";
import { fmt, priorOrigin, SYNTHETIC_TAG } from "./report.js";
import type { EvalReport } from "./run.js";

/** The printed summary of a run (stdout). */
export function summaryText(report: EvalReport, outDir: string): string {
  const lines: string[] = [];
  const synthetic = report.synthetic ? ` [${SYNTHETIC_TAG} data — not a real backbone]` : "";
  lines.push(`Skeleton-Cache eval — protocol ${report.protocol.name}${synthetic}`);
  lines.push(`  ${report.protocol.description}`);
  if (report.protocol.selectsOnTestLabels)
    lines.push("  NOTE: hyper-parameters selected on TEST labels (oracle) — reproduction only");
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
  const p = report.params;
  lines.push(`α=${p.alpha} β=${p.beta} K=${p.K} hedge=${p.hedge} (${p.hedgeActive ? "on" : "off"})`);
  if (report.validation)
    lines.push(
      `validation: chose α=${report.validation.chosen.alpha} β=${report.validation.chosen.beta} on ${report.validation.bundle} (top-1 ${fmt(report.validation.validationTop1)} %)`,
    );
  const r = report.results;
  lines.push(
    `backbone top-1: ${fmt(r.backbone.top1.percent)} %   Skeleton-Cache top-1: ${fmt(r.cache.top1.percent)} %   (${r.gain >= 0 ? "+" : ""}${fmt(r.gain)})`,
  );
  if (report.reference) {
    lines.push(
      `reference: reported top-1 ${fmt(report.reference.reportedTop1)} % at α=${report.reference.best.alpha} β=${report.reference.best.beta} (selected on test labels; second pass ${report.reference.best.secondPassFired ? "fired" : "not fired"}); fixed α=${report.reference.fixed.alpha} β=${report.reference.fixed.beta}: ${fmt(report.reference.fixed.top1)} %`,
    );
  }
  if (report.orders) {
    const s = report.orders.summary;
    lines.push(
      `orders: R=${report.orders.R}  Skeleton-Cache top-1 mean ${fmt(s.mean)} ± ${fmt(s.sd)} %  (min ${fmt(s.min)}, max ${fmt(s.max)})`,
    );
  }
  if (report.gzsl) {
    const g = report.gzsl;
    lines.push(
      `GZSL: backbone S=${fmt(g.backbone.best.seen)} U=${fmt(g.backbone.best.unseen)} H=${fmt(g.backbone.best.harmonic)}  Skeleton-Cache S=${fmt(g.cache.best.seen)} U=${fmt(g.cache.best.unseen)} H=${fmt(g.cache.best.harmonic)}`,
    );
  }
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
