import fs from "node:fs";
import path from "node:path";
import { FormatError } from "@skeleton-cache/errors";
import { tempDir } from "@skeleton-cache/test-support";
import { describe, expect, it } from "vitest";
import { writeRunDirectory } from "./run-directory.js";
import { readRunFolder } from "./run-folder.js";
import { sampleFiles, sampleReport } from "./test-support/sample-run.js";

async function runFolder(): Promise<string> {
  const out = path.join(tempDir(), "run");
  await writeRunDirectory(out, sampleReport(), sampleFiles(), { plots: false });
  return out;
}

/** Rewrites predictions.csv line `line` (0 = header) with `edit`. */
function editCsv(out: string, line: number, edit: (cells: string[]) => string[]): void {
  const file = path.join(out, "predictions.csv");
  const lines = fs.readFileSync(file, "utf8").split("\n");
  lines[line] = edit(lines[line]!.split(",")).join(",");
  fs.writeFileSync(file, lines.join("\n"));
}

describe("reading a run folder back", () => {
  it("names what is missing: the folder, report.json, predictions.csv", async () => {
    const root = tempDir();
    expect(() => readRunFolder(path.join(root, "nowhere"))).toThrow("no such directory");
    expect(() => readRunFolder(root)).toThrow(
      `run folder ${root}: report.json is missing (${path.join(root, "report.json")})`,
    );
    const out = await runFolder();
    fs.rmSync(path.join(out, "predictions.csv"));
    expect(() => readRunFolder(out)).toThrow(FormatError);
    expect(() => readRunFolder(out)).toThrow("predictions.csv is missing");
  });

  it("checks predictions.csv against the report: columns, rows, values, each sample once", async () => {
    const file = (out: string) => path.join(out, "predictions.csv");
    const noColumn = await runFolder();
    editCsv(noColumn, 0, (cells) => cells.map((c) => (c === "online_pred" ? "online" : c)));
    expect(() => readRunFolder(noColumn)).toThrow(`${file(noColumn)}: header has no column online_pred`);
    const short = await runFolder();
    const text = fs.readFileSync(file(short), "utf8").trimEnd().split("\n");
    fs.writeFileSync(file(short), `${text.slice(0, -1).join("\n")}\n`);
    expect(() => readRunFolder(short)).toThrow(`${file(short)}: 11 rows, report.json says 12 samples`);
    const badClass = await runFolder();
    editCsv(badClass, 3, (cells) => [cells[0]!, cells[1]!, "3", ...cells.slice(3)]);
    expect(() => readRunFolder(badClass)).toThrow(`${file(badClass)}: line 4: baseline_pred is "3"`);
    const twice = await runFolder();
    const first = fs.readFileSync(file(twice), "utf8").split("\n")[1]!.split(",")[0]!;
    editCsv(twice, 2, (cells) => [first, ...cells.slice(1)]);
    expect(() => readRunFolder(twice)).toThrow(`${file(twice)}: line 3: sample ${first} listed twice`);
  });
});
