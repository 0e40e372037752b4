import { describe, expect, it } from "vitest";
import { MAX_FRAMES, packClip, playbackFrom } from "./playback.js";

describe("packClip", () => {
  it("keeps ≤ 48 evenly spaced frames, one scale for x and y, and marks absent bodies", () => {
    const T = 96;
    const V = 3;
    const joints = new Float32Array(T * 2 * V * 3);
    for (let t = 0; t < T; t++)
      for (let v = 0; v < V; v++) {
        const at = (t * 2 * V + v) * 3;
        joints[at] = v; // x: 0, 1, 2
        joints[at + 1] = t / (T - 1); // y: 0 → 1 over the clip (a narrower range than x)
        // Body 1 is present from frame 2 on.
        if (t >= 2) joints[(t * 2 * V + V + v) * 3] = 0.5;
      }
    const clip = packClip(7, "S001C001P001R001A001", joints, [T, 2, V, 3]);
    expect(clip.frames).toBe(MAX_FRAMES);
    expect(clip.sourceFrames).toBe(T);
    const bytes = Buffer.from(clip.data, "base64");
    expect(bytes.length).toBe(MAX_FRAMES * 2 * V * 2);
    const at = (k: number, m: number, v: number) => ((k * 2 + m) * V + v) * 2;
    // Kept frame k is source frame 2k, so y spans 0 … 94/95 over the kept frames; x spans 0 … 2 (the
    // box side), and y is centred in it: byte = (y − offset) / 2 · 254.
    const offset = -(2 - Math.fround(94 / 95)) / 2;
    expect([bytes[at(0, 0, 0)], bytes[at(0, 0, 2)]]).toEqual([0, 254]);
    expect(bytes[at(0, 0, 0) + 1]).toBe(Math.round(((0 - offset) / 2) * 254));
    expect(bytes[at(10, 0, 1) + 1]).toBe(Math.round(((Math.fround(20 / 95) - offset) / 2) * 254));
    expect(bytes[at(0, 1, 0)]).toBe(255);
    expect(bytes[at(1, 1, 0)]).toBe(Math.round(0.25 * 254));
  });
});

describe("playbackFrom", () => {
  const layout = { id: "toy", numJoints: 2, bones: [[0, 1]] as [number, number][] };
  const sequence = (sample: number) => ({
    sample,
    name: `s${sample}`,
    joints: Float32Array.from({ length: 2 * 1 * 2 * 3 }, (_, i) => i + sample),
    shape: [2, 1, 2, 3] as [number, number, number, number],
  });

  it("packs the sequences read, keeps only subjects whose clip was read, and counts what failed", () => {
    const playback = playbackFrom(
      {
        found: true,
        source: "/raw",
        layout,
        sequences: [sequence(0), sequence(5)],
        failures: ["s7: unreadable"],
      },
      [
        { sample: 0, neighbours: [5, 7] },
        { sample: 7, neighbours: [0] },
      ],
    );
    expect(playback.available).toBe(true);
    expect(playback.clips.map((c) => c.sample)).toEqual([0, 5]);
    expect(playback.subjects).toEqual([{ sample: 0, neighbours: [5] }]);
    expect(playback.note).toBe(
      "Raw skeletons from /raw: 1 of 3 clips could not be read (first: s7: unreadable).",
    );
  });

  it("says why there is no player: nothing found, or no flipped sample", () => {
    expect(playbackFrom({ found: false, reason: "no names.", layout }, []).note).toBe(
      "No skeleton playback: no names.",
    );
    const none = playbackFrom({ found: true, source: "/raw", layout, sequences: [], failures: [] }, []);
    expect(none.available).toBe(false);
    expect(none.note).toMatch(/^No skeleton playback: no sample changed its prediction/);
  });
});
