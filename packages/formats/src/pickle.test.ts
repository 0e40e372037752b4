import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { FormatError } from "@skeleton-cache/errors";
import { dataPath, itWithData } from "@skeleton-cache/test-support";
import { describe, expect, it } from "vitest";
import {
  isPickleTuple,
  type NpyArray,
  NUMPY_PICKLE_GLOBALS,
  PickleObject,
  type PickleValue,
  parsePickle,
  readPickle,
} from "./index.js";

const FIXTURES = fileURLToPath(new URL("../fixtures/", import.meta.url));
const STGCN = dataPath("real/ntu/stgcn_label_6samples.pkl");
const bytesOf = (...parts: (number[] | string)[]): Uint8Array =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === "string" ? Array.from(Buffer.from(p, "latin1")) : p)));

function expectFormatError(fn: () => unknown, ...patterns: RegExp[]): FormatError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(FormatError);
  for (const pattern of patterns) expect((caught as Error).message).toMatch(pattern);
  return caught as FormatError;
}

describe("parsePickle on real files", () => {
  itWithData(
    ["real/ntu/stgcn_label_6samples.pkl"],
    "reads an ST-GCN label file (protocol 2: list of names, list of labels)",
    () => {
      const value = readPickle(STGCN);
      expect(isPickleTuple(value)).toBe(true);
      const [names, labels] = value as readonly PickleValue[];
      expect(names).toEqual([
        "S001C001P001R001A011.skeleton",
        "S001C003P008R002A058.skeleton",
        "S002C001P003R001A003.skeleton",
        "S003C001P015R001A034.skeleton",
        "S004C002P003R001A017.skeleton",
        "S001C001P001R001A001.skeleton",
      ]);
      expect(labels).toEqual([10, 57, 2, 33, 16, 0]);
      // Each label is the action id in the name, minus one.
      (names as string[]).forEach((name, i) => {
        expect((labels as number[])[i]).toBe(Number(/A(\d{3})/.exec(name)![1]) - 1);
      });
    },
  );

  for (let protocol = 0; protocol <= 5; protocol++) {
    it(`reads the same plain value written with protocol ${protocol}`, () => {
      const value = readPickle(path.join(FIXTURES, `plain_p${protocol}.pkl`)) as Map<
        PickleValue,
        PickleValue
      >;
      expect(value).toBeInstanceOf(Map);
      expect(value.get("none")).toBeNull();
      expect(value.get("true")).toBe(true);
      expect(value.get("false")).toBe(false);
      expect(value.get("small")).toBe(7);
      expect(value.get("neg")).toBe(-300);
      expect(value.get("i32")).toBe(2 ** 31 - 1);
      expect(value.get("i40")).toBe(2 ** 40);
      expect(value.get("big")).toBe(2n ** 70n);
      expect(value.get("negbig")).toBe(-(2n ** 64n));
      expect(value.get("float")).toBe(1.5);
      expect(value.get("inf")).toBe(Number.POSITIVE_INFINITY);
      expect(value.get("str")).toBe("h\u00e9llo \u2603");
      expect(value.get("list")).toEqual([1, [2, 3], "x"]);
      const tuple = value.get("tuple");
      expect(isPickleTuple(tuple)).toBe(true);
      expect(tuple).toEqual([1, "a", null]);
      const nested = value.get("nested") as Map<PickleValue, PickleValue>;
      expect((nested.get("k") as Map<PickleValue, PickleValue>).get("z")).toBe(0.25);
      const shared = value.get("shared") as readonly PickleValue[];
      expect(shared[0]).toBe(shared[1]); // the memo keeps identity
      expect(value.get(10)).toBe("int key");
    });
  }

  it("reads bytes (protocol 3), sets (protocol 4) and bytearray (protocol 5)", () => {
    const b = readPickle(path.join(FIXTURES, "bytes_p3.pkl")) as Map<PickleValue, PickleValue>;
    expect(b.get("b")).toEqual(Uint8Array.from([0, 255, 16]));
    expect(b.get("empty")).toEqual(new Uint8Array(0));
    const s = readPickle(path.join(FIXTURES, "sets_p4.pkl")) as Map<PickleValue, PickleValue>;
    expect(s.get("set")).toEqual(new Set([1, 2, 3]));
    expect(s.get("frozen")).toEqual(new Set(["a"]));
    expect(Object.isFrozen(s.get("frozen"))).toBe(true);
    expect(readPickle(path.join(FIXTURES, "bytearray_p5.pkl"))).toEqual(Uint8Array.from([97, 98]));
  });

  it("refuses a global that is not allowed, naming the file, the offset and module.name", () => {
    const file = path.join(FIXTURES, "evil_p2.pkl");
    const error = expectFormatError(() => readPickle(file), /os\.system is not allowed/, /pickle byte 2\)/);
    expect(error.details.file).toBe(file);
    expect(error.details.position).toBe(2);
    expect(error.details.value).toBe("os.system");
  });

  for (const protocol of [2, 5]) {
    it(`rebuilds numpy arrays and scalars with the numpy allow-list (protocol ${protocol})`, () => {
      const file = path.join(FIXTURES, `numpy_p${protocol}.pkl`);
      expectFormatError(() => readPickle(file), /numpy.*is not allowed/);
      const value = readPickle(file, { globals: NUMPY_PICKLE_GLOBALS }) as Map<PickleValue, PickleValue>;
      const f4 = value.get("f4") as unknown as NpyArray;
      expect(f4.dtype).toBe("f4");
      expect(f4.shape).toEqual([2, 3]);
      expect(Array.from(f4.data as Float32Array)).toEqual([0, 0.25, 0.5, 0.75, 1, 1.25]);
      const i8 = value.get("i8") as unknown as NpyArray;
      expect(Array.from(i8.data as BigInt64Array)).toEqual([-1n, 0n, 2n ** 40n]);
      expect(Array.from((value.get("b1") as unknown as NpyArray).data as Uint8Array)).toEqual([1, 0, 1]);
      expect((value.get("U") as unknown as NpyArray).strings).toEqual(["ab", "\u2603", ""]);
      const fortran = value.get("fortran") as unknown as NpyArray;
      expect(fortran.shape).toEqual([3, 4]);
      expect(Array.from(fortran.data as Float64Array)).toEqual(Array.from({ length: 12 }, (_, i) => i));
      expect(value.get("scalar")).toBe(7);
      expect(value.get("fscalar")).toBe(0.5);
    });
  }
});

describe("parsePickle opcode families (hand-built bytes)", () => {
  const p = (bytes: Uint8Array, options = {}) => parsePickle(bytes, { file: "hand.pkl", ...options });

  it("protocol 0 text opcodes: INT, LONG, FLOAT, STRING, UNICODE, PUT/GET, LIST, DICT, TUPLE", () => {
    expect(p(bytesOf("I01\n."))).toBe(true);
    expect(p(bytesOf("I00\n."))).toBe(false);
    expect(p(bytesOf("I-42\n."))).toBe(-42);
    expect(p(bytesOf("L123456789012345678901L\n."))).toBe(123456789012345678901n);
    expect(p(bytesOf("F-2.5e-3\n."))).toBe(-2.5e-3);
    expect(p(bytesOf("Fnan\n."))).toBeNaN();
    expect(p(bytesOf("S'a\\'b\\n\\x41'\n."))).toBe("a'b\nA");
    expect(p(bytesOf("S'caf\\xe9'\n."), { encoding: "latin1" })).toBe("caf\u00e9");
    expect(p(bytesOf("S'caf\\xe9'\n."), { encoding: "bytes" })).toEqual(Uint8Array.from([99, 97, 102, 0xe9]));
    expectFormatError(() => p(bytesOf("S'caf\\xe9'\n.")), /non-ASCII/);
    expect(p(bytesOf("Vsnow \\u2603 \\U0001f600\n."))).toBe("snow \u2603 \u{1f600}");
    expect(p(bytesOf("(lp0\nI1\naI2\na0g0\n."))).toEqual([1, 2]);
    const cyclic = p(bytesOf("(lp0\nI1\nag0\na.")) as PickleValue[];
    expect(cyclic[1]).toBe(cyclic); // a list holding itself keeps its identity
    const d = p(bytesOf("(dp0\nVk\np1\nI3\ns.")) as Map<PickleValue, PickleValue>;
    expect(d.get("k")).toBe(3);
    expect(p(bytesOf("(I1\nI2\nt."))).toEqual([1, 2]);
    expect(p(bytesOf("(I1\nI2\nd."))).toEqual(new Map([[1, 2]]));
    expect(p(bytesOf("N."))).toBeNull();
  });

  it("binary numbers: BININT, BININT1, BININT2, LONG1, LONG4, BINFLOAT, NEWTRUE/NEWFALSE", () => {
    expect(p(bytesOf([0x80, 2, 0x4a, 0xff, 0xff, 0xff, 0xff], "."))).toBe(-1);
    expect(p(bytesOf([0x4b, 200], "."))).toBe(200);
    expect(p(bytesOf([0x4d, 0x34, 0x12], "."))).toBe(0x1234);
    expect(p(bytesOf([0x8a, 0], "."))).toBe(0);
    expect(p(bytesOf([0x8a, 2, 0xff, 0x7f], "."))).toBe(0x7fff);
    expect(p(bytesOf([0x8a, 1, 0xff], "."))).toBe(-1);
    expect(p(bytesOf([0x8a, 9, 0, 0, 0, 0, 0, 0, 0, 0, 1], "."))).toBe(2n ** 64n);
    expect(p(bytesOf([0x8b, 2, 0, 0, 0, 0x00, 0x80], "."))).toBe(-32768);
    expect(p(bytesOf([0x47, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0], "."))).toBe(1.5);
    expect(p(bytesOf([0x88], "."))).toBe(true);
    expect(p(bytesOf([0x89], "."))).toBe(false);
  });

  it("binary strings, bytes, containers, memo, frames", () => {
    expect(p(bytesOf([0x55, 2], "hi."))).toBe("hi");
    expect(p(bytesOf([0x54, 2, 0, 0, 0], "hi."))).toBe("hi");
    expect(p(bytesOf([0x8c, 2], "hi."))).toBe("hi");
    expect(p(bytesOf([0x8d, 2, 0, 0, 0, 0, 0, 0, 0], "hi."))).toBe("hi");
    expect(p(bytesOf([0x43, 1, 7], "."))).toEqual(Uint8Array.from([7]));
    expect(p(bytesOf([0x42, 1, 0, 0, 0, 7], "."))).toEqual(Uint8Array.from([7]));
    expect(p(bytesOf([0x8e, 1, 0, 0, 0, 0, 0, 0, 0, 7], "."))).toEqual(Uint8Array.from([7]));
    expect(p(bytesOf([0x4b, 1, 0x85, 0x4b, 1, 0x4b, 2, 0x86, 0x86], "."))).toEqual([[1], [1, 2]]);
    expect(p(bytesOf([0x4b, 1, 0x4b, 2, 0x4b, 3, 0x87], "."))).toEqual([1, 2, 3]);
    expect(p(bytesOf([0x5d, 0x94, 0x4b, 5, 0x61, 0x68, 0, 0x86], "."))).toEqual([[5], [5]]);
    expect(p(bytesOf([0x5d, 0x72, 9, 0, 0, 0, 0x30, 0x6a, 9, 0, 0, 0], "."))).toEqual([]);
    expect(p(bytesOf([0x8f, 0x28, 0x4b, 1, 0x4b, 1, 0x90], "."))).toEqual(new Set([1]));
    expect(p(bytesOf([0x7d, 0x4b, 1, 0x4b, 2, 0x73], "."))).toEqual(new Map([[1, 2]]));
    expect(p(bytesOf([0x28, 0x4b, 1, 0x31, 0x4e], "."))).toBeNull(); // POP_MARK
    expect(p(bytesOf([0x4e, 0x32, 0x86], "."))).toEqual([null, null]); // DUP
    expect(p(bytesOf([0x80, 4, 0x95, 2, 0, 0, 0, 0, 0, 0, 0], "N."))).toBeNull();
    expect(p(bytesOf([0x80, 5, 0x96, 1, 0, 0, 0, 0, 0, 0, 0, 9, 0x98], "."))).toEqual(Uint8Array.from([9]));
  });

  it("globals, REDUCE, NEWOBJ, BUILD, INST, OBJ only through the allow-list", () => {
    const globals = {
      "collections.OrderedDict": () => new Map(),
      "my.Point": (args: readonly PickleValue[]) => new PickleObject("my.Point", args),
      "torch.FloatStorage": true as const,
    };
    // GLOBAL collections OrderedDict, EMPTY_TUPLE, REDUCE
    expect(p(bytesOf("ccollections\nOrderedDict\n)R."), { globals })).toEqual(new Map());
    // STACK_GLOBAL my Point, (1, 2) NEWOBJ, state BUILD
    const obj = p(
      bytesOf([0x8c, 2], "my", [0x8c, 5], "Point", [0x93, 0x4b, 1, 0x4b, 2, 0x86, 0x81, 0x4b, 9, 0x62], "."),
      {
        globals,
      },
    ) as PickleObject;
    expect(obj).toBeInstanceOf(PickleObject);
    expect(obj.args).toEqual([1, 2]);
    expect(obj.state).toBe(9);
    expect((p(bytesOf("(I3\nimy\nPoint\n."), { globals }) as PickleObject).args).toEqual([3]);
    expect((p(bytesOf("(cmy\nPoint\nI4\no."), { globals }) as PickleObject).args).toEqual([4]);
    // A reference-only global may appear as a value but not be called.
    expect(p(bytesOf("ctorch\nFloatStorage\n."), { globals })).toMatchObject({
      module: "torch",
      name: "FloatStorage",
    });
    expectFormatError(
      () => p(bytesOf("ctorch\nFloatStorage\n)R."), { globals }),
      /REDUCE of global torch\.FloatStorage/,
    );
    // Not allowed at all: GLOBAL, STACK_GLOBAL, INST
    expectFormatError(() => p(bytesOf("cbuiltins\neval\n.")), /builtins\.eval is not allowed/, /hand\.pkl/);
    expectFormatError(
      () => p(bytesOf([0x8c, 2], "os", [0x8c, 6], "system", [0x93], ".")),
      /os\.system/,
      /byte 12\)/,
    );
    expectFormatError(() => p(bytesOf("(ios\nsystem\n.")), /os\.system is not allowed/);
    // BUILD on a plain value, REDUCE on a non-global
    expectFormatError(() => p(bytesOf("N)b.")), /BUILD on a plain value/);
    expectFormatError(() => p(bytesOf("N)R.")), /REDUCE on a value that is not an allowed global/);
    expectFormatError(
      () => p(bytesOf("ccollections\nOrderedDict\n)RN\x62."), { globals }),
      /BUILD on collections\.OrderedDict/,
    );
    // persistent ids need a resolver
    expectFormatError(() => p(bytesOf("Pkey\n.")), /persistentLoad/);
    expect(p(bytesOf("Pkey\n."), { persistentLoad: (pid: PickleValue) => `<${String(pid)}>` })).toBe("<key>");
    expect(
      p(bytesOf([0x4b, 3, 0x51], "."), { persistentLoad: (pid: PickleValue) => (pid as number) * 2 }),
    ).toBe(6);
  });

  it("malformed input is a FormatError with the position", () => {
    expectFormatError(() => p(bytesOf("")), /ends without STOP/);
    expectFormatError(() => p(bytesOf([0x80, 6], "N.")), /protocol 6/);
    expectFormatError(() => p(bytesOf("N.N")), /trailing data/);
    expectFormatError(() => p(bytesOf("NN.")), /2 items on the stack/);
    expectFormatError(() => p(bytesOf("(N.")), /open MARK/);
    expectFormatError(() => p(bytesOf([0xff], ".")), /unknown opcode 0xff/, /byte 0\)/);
    expectFormatError(() => p(bytesOf([0x58, 0xff, 0xff, 0xff, 0x7f], "abc.")), /truncated/);
    expectFormatError(() => p(bytesOf([0x68, 3], ".")), /memo key 3/);
    expectFormatError(() => p(bytesOf("a.")), /stack underflow/);
    expectFormatError(() => p(bytesOf("Na.")), /underflow|not a list/);
    expectFormatError(() => p(bytesOf("(N)a.")), /not a list/);
    expectFormatError(() => p(bytesOf([0x82, 1], ".")), /extension registry/);
    expectFormatError(() => p(bytesOf([0x58, 2, 0, 0, 0, 0xc3, 0x28], ".")), /UTF-8/);
    expectFormatError(() => p(bytesOf("Ixyz\n.")), /bad INT literal/);
  });
});

describe("readPickle", () => {
  it("names the file it cannot read", () => {
    expectFormatError(() => readPickle("/nonexistent/x.pkl"), /\/nonexistent\/x\.pkl: cannot read/);
  });
  it("each fixture parses without error", () => {
    for (const name of fs.readdirSync(FIXTURES).filter((n) => n.endsWith(".pkl") && !n.startsWith("evil"))) {
      expect(() => readPickle(path.join(FIXTURES, name), { globals: NUMPY_PICKLE_GLOBALS })).not.toThrow();
    }
  });
});
