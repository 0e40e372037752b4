/**
 * For the staging test: stages a folder and a file, writes into both and
 * starts an atomic write, then quits at once (as a second Ctrl-C does)
 * without publishing or removing any of them. Prints what it left open.
 */
import path from "node:path";
import { createAtomicWriter, stageOutput, writeFileAtomic } from "../index.js";

const root = process.argv[2]!;
const folder = stageOutput(path.join(root, "run"));
writeFileAtomic(path.join(folder.path, "report.md"), "# half a run\n");
const file = stageOutput(path.join(root, "bundle.npz"), { file: true });
const writer = createAtomicWriter(file.path);
writer.write(new Uint8Array([1, 2, 3]));
const beside = createAtomicWriter(path.join(root, "prior.json"));
beside.write(new Uint8Array([123]));
process.stdout.write(`${JSON.stringify([folder.path, file.path])}\n`);
process.exit(130);
