import { describe, expect, it } from "vitest";
import { rateText } from "./progress.js";

describe("progress rate", () => {
  it("is the work done since the bar started over the time since then, in the bar's unit", () => {
    expect(rateText(300, 2, "samples")).toBe("150 samples/s");
    expect(rateText(45, 2, "samples")).toBe("22.5 samples/s");
    expect(rateText(0, 2, "samples")).toBe("- samples/s");
    expect(rateText(10, 0, "samples")).toBe("- samples/s");
  });
});
