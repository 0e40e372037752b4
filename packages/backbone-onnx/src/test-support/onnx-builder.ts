/**
 * Builds small ONNX models at test time: an inline proto2 subset of
 * onnx.proto (field numbers as in onnx/onnx.proto), encoded with protobufjs.
 * Tests only; the product never writes ONNX.
 */
import protobuf from "protobufjs";

const ONNX_PROTO = `
syntax = "proto2";
package onnx;
message AttributeProto {
  enum AttributeType { UNDEFINED = 0; FLOAT = 1; INT = 2; STRING = 3; TENSOR = 4; GRAPH = 5; FLOATS = 6; INTS = 7; STRINGS = 8; }
  optional string name = 1;
  optional float f = 2;
  optional int64 i = 3;
  optional bytes s = 4;
  optional TensorProto t = 5;
  repeated float floats = 7;
  repeated int64 ints = 8;
  optional AttributeType type = 20;
}
message ValueInfoProto {
  optional string name = 1;
  optional TypeProto type = 2;
}
message NodeProto {
  repeated string input = 1;
  repeated string output = 2;
  optional string name = 3;
  optional string op_type = 4;
  repeated AttributeProto attribute = 5;
}
message ModelProto {
  optional int64 ir_version = 1;
  repeated OperatorSetIdProto opset_import = 8;
  optional string producer_name = 2;
  optional GraphProto graph = 7;
}
message GraphProto {
  repeated NodeProto node = 1;
  optional string name = 2;
  repeated TensorProto initializer = 5;
  repeated ValueInfoProto input = 11;
  repeated ValueInfoProto output = 12;
}
message TensorProto {
  repeated int64 dims = 1;
  optional int32 data_type = 2;
  optional string name = 8;
  optional bytes raw_data = 9;
}
message TensorShapeProto {
  message Dimension {
    oneof value { int64 dim_value = 1; string dim_param = 2; }
  }
  repeated Dimension dim = 1;
}
message TypeProto {
  message Tensor {
    optional int32 elem_type = 1;
    optional TensorShapeProto shape = 2;
  }
  oneof value { Tensor tensor_type = 1; }
}
message OperatorSetIdProto {
  optional string domain = 1;
  optional int64 version = 2;
}
`;

const FLOAT = 1;
const INT64 = 7;

/** A graph input / output: name and shape (numbers, or strings for symbolic dims; null = no shape). */
export interface ValueSpec {
  readonly name: string;
  readonly dims: readonly (number | string)[] | null;
}

/** An initializer: float32 or int64 constant. */
export interface InitializerSpec {
  readonly name: string;
  readonly dims: readonly number[];
  readonly float?: Float32Array;
  readonly int64?: readonly number[];
}

export type AttributeValue = number | readonly number[] | { readonly float: number };

export interface NodeSpec {
  readonly op: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes?: Readonly<Record<string, AttributeValue>>;
}

export interface GraphSpec {
  readonly inputs: readonly ValueSpec[];
  readonly outputs: readonly ValueSpec[];
  readonly initializers: readonly InitializerSpec[];
  readonly nodes: readonly NodeSpec[];
  readonly opset?: number;
}

let modelType: protobuf.Type | undefined;

function valueInfo(value: ValueSpec): object {
  const tensorType: Record<string, unknown> = { elemType: FLOAT };
  if (value.dims) {
    tensorType.shape = {
      dim: value.dims.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })),
    };
  }
  return { name: value.name, type: { tensorType } };
}

function attribute(name: string, value: AttributeValue): object {
  if (typeof value === "number") return { name, type: 2, i: value };
  if (Array.isArray(value)) return { name, type: 7, ints: value };
  return { name, type: 1, f: (value as { float: number }).float };
}

/** Encodes a graph as ONNX model bytes (IR 8, default domain at `opset`, 13 unless set). */
export function encodeModel(spec: GraphSpec): Uint8Array {
  modelType ??= protobuf.parse(ONNX_PROTO).root.lookupType("onnx.ModelProto");
  const model = {
    irVersion: 8,
    producerName: "skeleton-cache-tests",
    opsetImport: [{ domain: "", version: spec.opset ?? 13 }],
    graph: {
      name: "test",
      input: spec.inputs.map(valueInfo),
      output: spec.outputs.map(valueInfo),
      initializer: spec.initializers.map((init) => {
        if (init.float) {
          return {
            name: init.name,
            dims: init.dims,
            dataType: FLOAT,
            rawData: new Uint8Array(init.float.buffer, init.float.byteOffset, init.float.byteLength),
          };
        }
        const values = new BigInt64Array((init.int64 ?? []).map((v) => BigInt(v)));
        return { name: init.name, dims: init.dims, dataType: INT64, rawData: new Uint8Array(values.buffer) };
      }),
      node: spec.nodes.map((node, index) => ({
        name: `${node.op}_${index}`,
        opType: node.op,
        input: node.inputs,
        output: node.outputs,
        attribute: Object.entries(node.attributes ?? {}).map(([name, value]) => attribute(name, value)),
      })),
    },
  };
  const message = modelType.fromObject(model);
  return modelType.encode(message).finish();
}
