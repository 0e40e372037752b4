import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { answerJsonSchema, checkAnswer, extractJsonObject } from "./answer.js";

describe("checkAnswer", () => {
  it("accepts the named-key form and the published array form, ℓ1-normalised", () => {
    const named = checkAnswer(
      '{"spatial":{"head":1,"torso":1,"arms":6,"feet":2},"temporal":{"begin":1,"middle":2,"end":1},"gamma":0.3}',
    );
    const arrays = checkAnswer('{"spatial":[1,1,6,2],"temporal":[1,2,1],"gamma":0.3,"rationale":"arms"}');
    expect(named).toEqual({
      ok: true,
      answer: { spatial: [0.1, 0.1, 0.6, 0.2], temporal: [0.25, 0.5, 0.25], gamma: 0.3 },
    });
    expect(arrays).toEqual(named);
  });

  it("unwraps a single wrapping key and reads JSON inside prose", () => {
    const wrapped = checkAnswer('{"answer":{"spatial":[1,1,1,1],"temporal":[1,1,1],"gamma":0}}');
    expect(wrapped.ok).toBe(true);
    const prose = checkAnswer('Here you go: {"spatial":[1,1,1,1],"temporal":[1,1,1],"gamma":1} — done.');
    expect(prose.ok && prose.answer.gamma).toBe(1);
  });

  it.each([
    ["", "(answer)", /empty answer/],
    ["no json here", "(answer)", /no valid JSON object/],
    ['{"spatial":[1,1,1,1],"temporal":[1,1,1],"gamma":NaN}', "(answer)", /no valid JSON object/],
    ['{"spatial":[1,-1,1,1],"temporal":[1,1,1],"gamma":0.2}', "spatial[1] (torso)", /found -1/],
    [
      '{"spatial":{"head":1,"torso":1,"arms":-2,"feet":1},"temporal":[1,1,1],"gamma":0.2}',
      "spatial[2] (arms)",
      /found -2/,
    ],
    ['{"spatial":[1,1,1],"temporal":[1,1,1],"gamma":0.2}', "spatial", /4/],
    ['{"spatial":[1,1,1,1],"temporal":[1,1,1,1],"gamma":0.2}', "temporal", /3/],
    ['{"spatial":[1,1,1,1],"temporal":[1,"NaN",1],"gamma":0.2}', "temporal[1] (middle)", /"NaN"/],
    ['{"spatial":[1,1,1,1],"temporal":[1,1,1],"gamma":1.5}', "gamma", /found 1\.5/],
    ['{"spatial":[1,1,1,1],"temporal":[1,1,1]}', "gamma", /found undefined/],
    ['{"spatial":[0,0,0,0],"temporal":[1,1,1],"gamma":0.2}', "spatial", /all zero/],
  ])("rejects %s at %s", (text, field, message) => {
    const check = checkAnswer(text);
    expect(check.ok).toBe(false);
    if (!check.ok) {
      expect(check.issue.field).toBe(field);
      expect(check.issue.message).toMatch(message);
    }
  });

  it("property: every accepted answer is on the simplex with γ in [0, 1]", () => {
    const nonneg = fc.double({ min: 0, max: 1e6, noNaN: true });
    fc.assert(
      fc.property(
        fc.array(nonneg, { minLength: 4, maxLength: 4 }),
        fc.array(nonneg, { minLength: 3, maxLength: 3 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (spatial, temporal, gamma) => {
          const check = checkAnswer(JSON.stringify({ spatial, temporal, gamma }));
          const zero = spatial.every((v) => v === 0) || temporal.every((v) => v === 0);
          expect(check.ok).toBe(!zero);
          if (check.ok) {
            expect(check.answer.spatial.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
            expect(check.answer.temporal.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
            expect(check.answer.spatial.every((v) => v >= 0)).toBe(true);
            expect(check.answer.gamma).toBe(gamma);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("extractJsonObject", () => {
  it("skips braces in strings and unbalanced openings", () => {
    expect(extractJsonObject('see {not json} then {"a":"}{","b":{"c":1}} end')).toBe(
      '{"a":"}{","b":{"c":1}}',
    );
    expect(extractJsonObject("{ unclosed")).toBeNull();
  });

  it("property: finds any JSON object embedded in brace-free prose", () => {
    const prose = fc.string().map((s) => s.replace(/[{}]/g, ""));
    fc.assert(
      fc.property(prose, fc.dictionary(fc.string(), fc.jsonValue()), prose, (before, object, after) => {
        const text = `${before}${JSON.stringify(object)}${after}`;
        expect(JSON.parse(extractJsonObject(text)!)).toEqual(JSON.parse(JSON.stringify(object)));
      }),
      { numRuns: 200 },
    );
  });
});

describe("answerJsonSchema", () => {
  it("is strict-mode compatible: all keys required, no extra properties, no $schema", () => {
    const schema = answerJsonSchema() as {
      required: string[];
      additionalProperties: boolean;
      properties: Record<string, { required?: string[]; additionalProperties?: boolean }>;
    };
    expect(schema).not.toHaveProperty("$schema");
    expect(schema.required).toEqual(["spatial", "temporal", "gamma"]);
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.spatial!.required).toEqual(["head", "torso", "arms", "feet"]);
    expect(schema.properties.temporal!.additionalProperties).toBe(false);
  });
});
