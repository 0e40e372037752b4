#!/usr/bin/env node
// One name per concept: fails when a retired name is still exported from a
// workspace package's public surface (every entry point its package.json
// "exports" maps through the "@skc/source" condition: src/index.ts and any
// subpath). Old names do not survive as aliases. RETIRED below is the one list
// of retired names, each with what replaced it; add yours there.
// Exits 1 naming each violation.
import fs from "node:fs";
import path from "node:path";
import ts from "typescript";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const SCOPE = "@skeleton-cache/";

/**
 * Retired names. `name`: the export that must not exist; `in`: the packages
 * (without the scope) it must not be exported from, or "*" for every package;
 * `use`: what replaced it, said in the failure.
 */
const RETIRED = [
  // One home for retrying: @skeleton-cache/retry (llm-prior used to re-export it).
  ...["backoffDelay", "parseRetryAfter", "sleep"].map((name) => ({
    name,
    in: ["llm-prior"],
    use: `${name} from @skeleton-cache/retry`,
  })),
  // The preprocessing type has one owner (issue 19, item 5).
  { name: "PreprocessOptions", in: "*", use: "Preprocessing (@skeleton-cache/datasets)" },
  // Eq. 9 lives in fusion, beside Eq. 10–12.
  ...[
    "FusionWeights",
    "buildFusionWeights",
    "classWeights",
    "classWeightsInto",
    "maskFusionWeights",
    "WEIGHT_SUM_EPS",
  ].map((name) => ({ name, in: ["prior"], use: `${name} from @skeleton-cache/fusion` })),
  // One calibrated argmax, in metrics.
  {
    name: "calibratedArgmax",
    in: ["protocols"],
    use: "calibratedArgmax from @skeleton-cache/metrics (seen classes as a mask)",
  },
  // One online pass, owned by tta.
  {
    name: "onlinePass",
    in: ["protocols"],
    use: "onlinePass from @skeleton-cache/tta, with protocols' buildMethod(data, setup)",
  },
  { name: "runMethod", in: "*", use: "onlinePass (@skeleton-cache/tta)" },
  {
    name: "runOnline",
    in: "*",
    use: "onlinePass(stream, new SkeletonCacheMethod(options)) (@skeleton-cache/tta)",
  },
  { name: "OnlineRun", in: "*", use: "MethodRun<SkeletonCacheMethod> (@skeleton-cache/tta)" },
  // "Adapter" names backbone plug-ins only; the Skeleton-Cache test-time method is a method.
  { name: "TestTimeAdapter", in: "*", use: "SkeletonCacheMethod (@skeleton-cache/tta)" },
  { name: "AdapterOptions", in: ["tta"], use: "SkeletonCacheOptions (@skeleton-cache/tta)" },
  { name: "MeanAffinityAdapter", in: "*", use: "SkeletonCacheMeanMethod (@skeleton-cache/tta)" },
  // Test-time methods are registry entries (issue 19, item 2): no closed list.
  {
    name: "METHODS",
    in: ["tta"],
    use: "methodSpecs() or methodNames() (@skeleton-cache/tta's method registry)",
  },
  // "Snapshot" is a method's memory as plain data only (TestTimeMethod.snapshot(): MethodSnapshot).
  {
    name: "CacheSnapshot",
    in: "*",
    use: "CacheTimelinePoint (@skeleton-cache/tta: the trace's cache timeline)",
  },
  // One prior resolver, in prior.
  { name: "loadPriorOrShipped", in: "*", use: "resolvePrior(fileOrId) (@skeleton-cache/prior)" },
  // One labelled-stream type with one kind field (issue 19, item 5): skeleton's LabelledStream and StreamKind.
  ...["Bundle", "DescribedBundle"].map((name) => ({
    name,
    in: "*",
    use: "LabelledStream (@skeleton-cache/skeleton; its kind says F or descriptors)",
  })),
  { name: "StreamInput", in: "*", use: "LabelledStream (@skeleton-cache/skeleton)" },
  { name: "StreamData", in: "*", use: "LabelledStream (@skeleton-cache/skeleton)" },
  {
    name: "streamData",
    in: "*",
    use: "a LabelledStream object (@skeleton-cache/skeleton), checked by its users",
  },
  {
    name: "SyntheticBundle",
    in: "*",
    use: "LabelledStream (generateSynthetic of @skeleton-cache/evaluate returns one)",
  },
  { name: "EncodedKind", in: "*", use: "StreamKind (@skeleton-cache/skeleton)" },
  // Protocols are registry entries: protocolNames(), describeProtocols(), resolveProtocol().
  { name: "PROTOCOLS", in: "*", use: "protocolNames() (@skeleton-cache/protocols)" },
  { name: "PROTOCOL_DESCRIPTIONS", in: "*", use: "describeProtocols() (@skeleton-cache/protocols)" },
  { name: "Protocol", in: ["protocols"], use: "a protocol's registry name (string; protocolNames())" },
  // Ctrl-C is set up once per run by runProgram (issue 20, item 1).
  {
    name: "interruptible",
    in: ["cli"],
    use: "currentInterrupt() (@skeleton-cache/cli): the run's Interrupt, with keeping, checkpoint, runSync",
  },
];

/** Export names of a module file, following `export * from "./x.js"` inside the package. */
function exportedNames(file, seen = new Set()) {
  if (seen.has(file)) return new Set();
  seen.add(file);
  const source = ts.createSourceFile(file, fs.readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const names = new Set();
  for (const statement of source.statements) {
    if (ts.isExportDeclaration(statement)) {
      if (statement.exportClause && ts.isNamedExports(statement.exportClause)) {
        for (const element of statement.exportClause.elements) names.add(element.name.text);
      } else if (statement.exportClause && ts.isNamespaceExport(statement.exportClause)) {
        names.add(statement.exportClause.name.text);
      } else if (statement.moduleSpecifier && ts.isStringLiteral(statement.moduleSpecifier)) {
        const target = statement.moduleSpecifier.text;
        if (target.startsWith(".")) {
          const resolved = path.resolve(path.dirname(file), target).replace(/\.js$/, ".ts");
          for (const name of exportedNames(resolved, seen)) names.add(name);
        }
      }
      continue;
    }
    if (ts.isExportAssignment(statement)) {
      names.add("default");
      continue;
    }
    const modifiers = ts.canHaveModifiers(statement) ? (ts.getModifiers(statement) ?? []) : [];
    if (!modifiers.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) continue;
    if (modifiers.some((m) => m.kind === ts.SyntaxKind.DefaultKeyword)) names.add("default");
    else if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations)
        if (ts.isIdentifier(declaration.name)) names.add(declaration.name.text);
    } else if (statement.name && ts.isIdentifier(statement.name)) names.add(statement.name.text);
  }
  return names;
}

/** The source files of a package's entry points (the "@skc/source" condition of each export). */
function entryPoints(dir, pkg) {
  const out = [];
  const visit = (target) => {
    if (typeof target === "string") return;
    if (target && typeof target === "object") {
      if (typeof target["@skc/source"] === "string") out.push(path.join(dir, target["@skc/source"]));
      else for (const value of Object.values(target)) visit(value);
    }
  };
  visit(pkg.exports);
  const index = path.join(dir, "src", "index.ts");
  if (out.length === 0 && fs.existsSync(index)) out.push(index);
  return out;
}

const problems = [];
let checked = 0;
for (const d of fs.readdirSync(path.join(root, "packages"))) {
  const dir = path.join(root, "packages", d);
  const file = path.join(dir, "package.json");
  if (!fs.existsSync(file)) continue;
  const pkg = JSON.parse(fs.readFileSync(file, "utf8"));
  const name = pkg.name.replace(SCOPE, "");
  for (const entry of entryPoints(dir, pkg)) {
    if (!fs.existsSync(entry)) continue;
    checked++;
    const names = exportedNames(entry);
    for (const retired of RETIRED) {
      if (retired.in !== "*" && !retired.in.includes(name)) continue;
      if (names.has(retired.name))
        problems.push(
          `${path.relative(root, entry)}: exports the retired name ${retired.name}; use ${retired.use}`,
        );
    }
  }
}
if (problems.length > 0) {
  for (const p of problems) console.error(p);
  process.exit(1);
}
console.log(`names: ${checked} entry points free of ${RETIRED.length} retired names`);
