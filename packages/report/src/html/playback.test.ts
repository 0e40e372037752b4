import { describe, expect, it } from "vitest";
import { MAX_FRAMES, packClip } from "./playback.js";

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
