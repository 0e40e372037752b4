import { describe, expect, it } from "vitest";
import { z } from "zod";
import { FormatError, summarizeZodIssue, ValueError, zodIssueError } from "./index.js";

const Config = z.strictObject({
  batchSize: z.number().int().positive(),
  model: z.strictObject({ path: z.string().min(1) }),
  providers: z.array(z.enum(["cpu", "cuda"])).optional(),
});

function failure(value: unknown): z.ZodError {
  const parsed = Config.safeParse(value);
  if (parsed.success) throw new Error("expected a failure");
  return parsed.error;
}

describe("zodIssueError", () => {
  it("names what, the file, the field and the value of the first issue", () => {
    const input = { batchSize: -3, model: { path: "m.onnx" } };
    const error = zodIssueError(failure(input), { input, what: "backbone config", file: "b.json" });
    expect(error).toBeInstanceOf(ValueError);
    expect(error.message).toBe(
      'backbone config (b.json): field "batchSize" is -3: Too small: expected number to be >0',
    );
    expect(error.details).toEqual({ file: "b.json", field: "batchSize", value: -3 });
  });

  it("dots nested paths, says missing for an absent field and quotes strings", () => {
    const missing = zodIssueError(failure({ batchSize: 1, model: {} }), {
      input: { batchSize: 1, model: {} },
    });
    expect(missing.message).toMatch(/^field "model\.path" is missing: /);
    const input = { batchSize: 1, model: { path: "m" }, providers: ["cpu", "gpu"] };
    const wrong = zodIssueError(failure(input), { input, file: "x.json" });
    expect(wrong.message).toMatch(/^x\.json: field "providers\.1" is "gpu": /);
    expect(wrong.details).toMatchObject({ field: "providers.1", value: "gpu" });
  });

  it("names unknown keys with their path, and the value of the first", () => {
    const input = { batchSize: 1, model: { path: "m", size: 3, depth: 2 } };
    const error = zodIssueError(failure(input), { input, what: "config" });
    expect(error.message).toBe('config: unknown field "model.size", "model.depth"');
    expect(error.details).toEqual({ field: "model.size", value: 3 });
  });

  it("is a FormatError for a bad file, and can word the message itself", () => {
    const input = { batchSize: 0.5, model: { path: "m" } };
    const format = zodIssueError(failure(input), { input, file: "meta.json", kind: "format" });
    expect(format).toBeInstanceOf(FormatError);
    expect(format.details.file).toBe("meta.json");
    const worded = zodIssueError(failure(input), {
      input,
      fieldPrefix: "knn-past",
      message: (issue) => `method knn-past: ${issue.field} ${issue.reason}, got ${String(issue.value)}`,
    });
    expect(worded.message).toBe(
      "method knn-past: batchSize Invalid input: expected int, received number, got 0.5",
    );
    expect(worded.details).toEqual({ field: "knn-past.batchSize", value: 0.5 });
  });

  it("without the input it names the field only", () => {
    const summary = summarizeZodIssue(failure({ batchSize: "1", model: { path: "m" } }));
    expect(summary).toMatchObject({ field: "batchSize", value: undefined });
    expect(summary.text).toBe('field "batchSize": Invalid input: expected number, received string');
  });
});
