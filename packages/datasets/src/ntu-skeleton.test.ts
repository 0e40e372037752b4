import fs from "node:fs";
import { FormatError, ValueError } from "@skeleton-cache/errors";
import { readNpy } from "@skeleton-cache/formats";
import { dataPath, itWithData } from "@skeleton-cache/test-support";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  isMissingSkeleton,
  loadNtuSkeleton,
  missingSkeletons,
  NTU_JOINT_STRIDE,
  NtuSkeletonDataset,
  parseNtuSampleName,
  parseNtuSkeleton,
  readNtuSkeleton,
} from "./index.js";

const NTU_DIR = `${dataPath("real/ntu")}/`;

const A001 = `${NTU_DIR}S001C001P001R001A001.skeleton`;
const A058 = `${NTU_DIR}S001C003P008R002A058.skeleton`;

describe("NTU .skeleton reader", () => {
  itWithData(["real/ntu"], "matches the official reader's body0 xyz to 1e-9", () => {
    const record = readNtuSkeleton(A001);
    const ref = readNpy(`${NTU_DIR}S001C001P001R001A001.body0_xyz.npy`);
    expect(ref.shape).toEqual([103, 25, 3]);
    expect(record.frameCount).toBe(103);
    let maxDiff = 0;
    for (let t = 0; t < 103; t++) {
      const body = record.frames[t]!.bodies[0]!;
      for (let v = 0; v < 25; v++)
        for (let c = 0; c < 3; c++)
          maxDiff = Math.max(
            maxDiff,
            Math.abs(body.joints[v * NTU_JOINT_STRIDE + c]! - Number(ref.data[(t * 25 + v) * 3 + c]!)),
          );
    }
    expect(maxDiff).toBeLessThan(1e-9);
  });

  itWithData(["real/ntu"], "keeps every field of the record", () => {
    const body = readNtuSkeleton(A001).frames[0]!.bodies[0]!;
    expect(body.bodyId).toBe("72057594037931101");
    expect([body.clippedEdges, body.handLeftConfidence, body.handLeftState]).toEqual([0, 1, 1]);
    expect([body.handRightConfidence, body.handRightState, body.isRestricted]).toEqual([1, 1, 0]);
    expect([body.leanX, body.leanY, body.trackingState, body.jointCount]).toEqual([
      0.02764709, 0.05745083, 2, 25,
    ]);
    expect(Array.from(body.joints.subarray(0, NTU_JOINT_STRIDE))).toEqual([
      0.2181153, 0.1725972, 3.785547, 277.419, 191.8218, 1036.233, 519.1677, -0.2059419, 0.05349901,
      0.9692109, -0.1239193,
    ]);
    expect(body.jointTrackingState[5]).toBe(1);
  });

  itWithData(["real/ntu"], "reads two-body files and every shared sample", () => {
    const seq = loadNtuSkeleton(A058);
    expect(seq.shape[1]).toBe(2);
    expect(seq).toMatchObject({ action: 58, label: 57, dataset: "ntu60", camera: 3, subject: 8, setup: 1 });
    expect(seq.className).toBe("shaking hands");
    for (const file of fs.readdirSync(NTU_DIR).filter((f) => f.endsWith(".skeleton"))) {
      const s = loadNtuSkeleton(`${NTU_DIR}${file}`);
      expect(s.joints.length).toBe(s.shape[0] * s.shape[1] * 25 * 3);
      expect(s.joints.every(Number.isFinite)).toBe(true);
    }
  });

  itWithData(["real/ntu"], "lists a folder as a dataset", () => {
    const ds = new NtuSkeletonDataset(NTU_DIR);
    expect(ds.list().map((s) => s.name)).toEqual([
      "S001C001P001R001A001",
      "S001C001P001R001A011",
      "S001C003P008R002A058",
      "S002C001P003R001A003",
      "S003C001P015R001A034",
      "S004C002P003R001A017",
    ]);
    expect(ds.load("S002C001P003R001A003").action).toBe(3);
    expect(() => ds.load("S009C001P001R001A001")).toThrow(ValueError);
  });

  it("parses sample names", () => {
    expect(parseNtuSampleName("/x/S017C003P020R002A120.skeleton")).toEqual({
      name: "S017C003P020R002A120",
      setup: 17,
      camera: 3,
      subject: 20,
      replication: 2,
      action: 120,
    });
    expect(() => parseNtuSampleName("S01C001P001R001A001")).toThrow(ValueError);
  });

  it("knows the official missing-skeleton lists", () => {
    expect(missingSkeletons("ntu60").names).toHaveLength(302);
    expect(missingSkeletons("ntu120").names).toHaveLength(535);
    expect(isMissingSkeleton("S001C002P005R002A008")).toBe(true);
    expect(isMissingSkeleton("S001C002P005R002A008.skeleton", "ntu60")).toBe(true);
    expect(isMissingSkeleton("S001C001P001R001A001")).toBe(false);
  });

  itWithData(["real/ntu"], "the shipped NTU120 list ends with the official file's last sample", () => {
    const list120 = fs.readFileSync(`${NTU_DIR}NTU_RGBD120_samples_with_missing_skeletons.txt`, "utf8");
    const last = list120.trim().split(/\r?\n/).pop()!.trim();
    expect(isMissingSkeleton(last)).toBe(true);
  });

  it("names file and line on malformed input", () => {
    expect(() => parseNtuSkeleton("2\n0\n", "f.skeleton")).toThrow(/f\.skeleton: line 3: file ends/);
    expect(() => parseNtuSkeleton("1\n1\n1 0 1 1 1 1 0 0.1 0.2 2\n25\n1 2 3\n", "f")).toThrow(/line 5/);
    expect(() => parseNtuSkeleton("1\n0\n7\n", "f")).toThrow(/line 3: unexpected content/);
    expect(() => parseNtuSkeleton("x\n", "f")).toThrow(FormatError);
  });

  itWithData(
    ["real/ntu"],
    "fuzz: mutated real files give a FormatError naming file and line, or a finite record",
    () => {
      const text = fs.readFileSync(A058, "latin1").slice(0, 20_000);
      const trimmed = text.slice(0, text.lastIndexOf("\n") + 1);
      // A prefix of whole frames: rewrite the frame count so the base file parses.
      const lines = trimmed.split("\n");
      let frames = 0;
      let i = 1;
      const take: string[] = [];
      while (i < lines.length - 1) {
        const bodies = Number(lines[i]);
        const need = 1 + bodies * 27;
        if (i + need > lines.length - 1) break;
        take.push(...lines.slice(i, i + need));
        i += need;
        frames++;
      }
      const base = `${frames}\n${take.join("\n")}\n`;
      expect(parseNtuSkeleton(base, "base").frameCount).toBe(frames);
      const mutation = fc.oneof(
        fc.record({ kind: fc.constant("truncate"), at: fc.nat(base.length - 1) }),
        fc.record({ kind: fc.constant("flip"), at: fc.nat(base.length - 1), bit: fc.nat(7) }),
        fc.record({
          kind: fc.constant("count"),
          line: fc.nat(lines.length),
          delta: fc.integer({ min: -3, max: 3 }),
        }),
      );
      fc.assert(
        fc.property(mutation, (m) => {
          let mutated = base;
          if (m.kind === "truncate") mutated = base.slice(0, m.at);
          else if (m.kind === "flip")
            mutated =
              base.slice(0, m.at) +
              String.fromCharCode(base.charCodeAt(m.at) ^ (1 << m.bit)) +
              base.slice(m.at + 1);
          else {
            const ls = base.split("\n");
            const idx = m.line % ls.length;
            if (/^\d+$/.test(ls[idx]!)) ls[idx] = String(Number(ls[idx]) + m.delta);
            mutated = ls.join("\n");
          }
          try {
            const record = parseNtuSkeleton(mutated, "mut.skeleton");
            for (const frame of record.frames)
              for (const body of frame.bodies) expect(body.joints.every(Number.isFinite)).toBe(true);
          } catch (error) {
            expect(error).toBeInstanceOf(FormatError);
            expect((error as FormatError).details.file).toBe("mut.skeleton");
            expect(String((error as FormatError).details.position)).toMatch(/^line \d+$/);
          }
        }),
        { numRuns: 300 },
      );
    },
  );
});
