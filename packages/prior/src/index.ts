export type { ClassImportance, Prior } from "./prior.js";
export {
  assertPriorCovers,
  loadPrior,
  parsePrior,
  priorToJson,
  savePrior,
  selectPriorForSplit,
  uniformPrior,
} from "./prior.js";
export type { NamedPrior, PriorMatch, PublishedPriorId } from "./published.js";
export {
  describePriors,
  getNamedPrior,
  hasPrior,
  listPriors,
  loadPublishedPrior,
  PUBLISHED_PRIOR_ORIGINS,
  PUBLISHED_PRIORS,
  priorFor,
  publishedPriorPath,
  registerPrior,
  unregisterPrior,
} from "./published.js";
export type { PriorCandidates, PriorKind, ResolvedPrior, ResolvePriorOptions } from "./resolve.js";
export { resolvePrior } from "./resolve.js";
export type { ClassSpread, PriorFile, PriorProvenance } from "./schema.js";
export {
  ClassImportanceSchema,
  ClassSpreadSchema,
  PriorFileSchema,
  PriorProvenanceSchema,
} from "./schema.js";
