import fs from "node:fs";
import path from "node:path";
import { tempDir } from "@skeleton-cache/test-support";
import { describe, expect, it } from "vitest";
import { CoalescingWriter } from "./writer.js";

describe("CoalescingWriter", () => {
  it("coalesces a burst of saves into few atomic writes of the latest state and leaves no temp file", async () => {
    const dir = tempDir("llm-writer-");
    const file = path.join(dir, "state.json");
    let state = 0;
    let renders = 0;
    const writer = new CoalescingWriter(file, () => {
      renders++;
      return JSON.stringify({ state });
    });
    const saves: Promise<void>[] = [];
    for (let i = 1; i <= 10; i++) {
      state = i;
      saves.push(writer.save());
    }
    await Promise.all(saves);
    expect(JSON.parse(fs.readFileSync(file, "utf8"))).toEqual({ state: 10 });
    expect(renders).toBeLessThanOrEqual(2);
    expect(fs.readdirSync(dir)).toEqual(["state.json"]);
  });
});
