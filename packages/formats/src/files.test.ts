import fs from "node:fs";
import path from "node:path";
import { FormatError } from "@skeleton-cache/errors";
import { tempDir } from "@skeleton-cache/test-support";
import { describe, expect, it } from "vitest";
import {
  checkFormatVersion,
  listDirectory,
  readFileBytes,
  readJsonFile,
  readTextFile,
  writeFileAtomic,
} from "./index.js";

const tmp = () => tempDir("skc-io-");

describe("file helpers", () => {
  it("writeFileAtomic writes the bytes and leaves no temporary file", () => {
    const dir = tmp();
    const file = path.join(dir, "sub", "a.txt");
    writeFileAtomic(file, "first");
    writeFileAtomic(file, new Uint8Array([104, 105]));
    expect(readTextFile(file)).toBe("hi");
    expect(fs.readdirSync(path.dirname(file))).toEqual(["a.txt"]);
  });

  it("missing files and directories are FormatErrors naming them and what they were", () => {
    const missing = path.join(tmp(), "nope.bin");
    expect(() => readFileBytes(missing, "serialised cache")).toThrow(FormatError);
    expect(() => readFileBytes(missing, "serialised cache")).toThrow(
      `${missing}: cannot read serialised cache`,
    );
    expect(() => listDirectory(missing, "NTU folder")).toThrow(`${missing}: cannot list NTU folder`);
  });

  it("readJsonFile parses JSON and names the file of invalid JSON", () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, "ok.json"), '{"a": [1, 2]}');
    fs.writeFileSync(path.join(dir, "bad.json"), "{ nope");
    expect(readJsonFile(path.join(dir, "ok.json"))).toEqual({ a: [1, 2] });
    expect(() => readJsonFile(path.join(dir, "bad.json"), "prior")).toThrow(
      /bad\.json: prior is not valid JSON/,
    );
    expect(listDirectory(dir).sort()).toEqual(["bad.json", "ok.json"]);
  });

  it("checkFormatVersion: the version read passes; another version names both and the package to upgrade", () => {
    const where = { file: "r.json", upgrade: "@skeleton-cache/x" };
    expect(() => checkFormatVersion({ format: "thing/1" }, "thing/1", where)).not.toThrow();
    expect(() => checkFormatVersion({}, "thing/1", where)).not.toThrow();
    expect(() => checkFormatVersion({}, "thing/1", { ...where, missing: "too old" })).toThrow(
      "r.json: no format key: too old",
    );
    expect(() => checkFormatVersion({ format: "thing/2" }, "thing/1", where)).toThrow(FormatError);
    expect(() => checkFormatVersion({ format: "thing/2" }, "thing/1", where)).toThrow(
      "r.json: format thing/2 is not one this version reads (thing/1); upgrade @skeleton-cache/x",
    );
    expect(() => checkFormatVersion({ format: "other/1" }, "thing/1", where)).toThrow(
      'r.json: format "other/1" is not thing/1',
    );
  });
});
