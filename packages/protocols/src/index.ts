export type { AblationId, AblationRow } from "./ablations.js";
export { ABLATIONS, ablations, ablationWeights } from "./ablations.js";
export type { MethodSetup, Tick } from "./data.js";
export { checkedInput } from "./data.js";
export type { Grid, GridPoint, GridValues } from "./grid.js";
export { bestMean, bestPoint, checkGrid, gridPoints, gridSearch, methodGrid } from "./grid.js";
export { memoryStatistics } from "./memory.js";
export { baselinePredictions, buildMethod } from "./online.js";
export type { OrdersResult } from "./orders.js";
export { ordersProtocol, streamOrder } from "./orders.js";
export type {
  GridSection,
  ProtocolConfig,
  ProtocolContext,
  ProtocolEntry,
  ProtocolOutcome,
  ReferenceSection,
  ValidationSection,
} from "./protocols.js";
export {
  DEFAULT_PROTOCOL,
  describeProtocols,
  protocolNames,
  registerProtocol,
  resolveProtocol,
  unregisterProtocol,
} from "./protocols.js";
export type { ReferencePoint, ReferenceRun } from "./reference.js";
export { meanMaxBaseLogit, referenceGrid, referenceRun, SECOND_PASS_THRESHOLD } from "./reference.js";
export { earlyStreamAccuracy, imbalancedStream } from "./streams.js";
