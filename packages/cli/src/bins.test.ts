/**
 * The `bin` entries of every workspace package. pnpm links bins at install
 * time, before `pnpm build` has made any dist/ file: a bin that points into
 * dist/ cannot be linked on a fresh clone (pnpm prints "WARN Failed to create
 * bin … ENOENT") and stays missing until a second install. So each bin is a
 * committed launcher that loads the built entry.
 */
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { childEnv, REPO, tempDir } from "@skeleton-cache/test-support";
import { describe, expect, it } from "vitest";

interface Bin {
  readonly pkg: string;
  readonly dir: string;
  readonly name: string;
  /** Relative to the package. */
  readonly file: string;
}

/** Every bin of every package of the workspace, as pnpm lists the workspace. */
function workspaceBins(): Bin[] {
  const listed = JSON.parse(
    execFileSync("pnpm", ["ls", "-r", "--depth", "-1", "--json"], { cwd: REPO, encoding: "utf8" }),
  ) as { name: string; path: string }[];
  const bins: Bin[] = [];
  for (const { name: pkg, path: dir } of listed) {
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as {
      bin?: string | Record<string, string>;
    };
    const entries =
      typeof manifest.bin === "string"
        ? { [pkg.replace(/^@[^/]+\//, "")]: manifest.bin }
        : (manifest.bin ?? {});
    for (const [name, file] of Object.entries(entries)) bins.push({ pkg, dir, name, file });
  }
  return bins;
}

const bins = workspaceBins();

describe("workspace bins", () => {
  it("the workspace has the bins the READMEs name", () => {
    expect(bins.map((bin) => bin.name).sort()).toEqual(["skc", "skc-ntu-gendata", "skc-prior"]);
  });

  it("every bin is a file tracked in git (so pnpm links it on a fresh clone, before any build)", () => {
    const untracked = bins.filter((bin) => {
      const file = path.relative(REPO, path.join(bin.dir, bin.file));
      const listed = spawnSync("git", ["ls-files", "--error-unmatch", file], { cwd: REPO, encoding: "utf8" });
      return listed.status !== 0;
    });
    expect(untracked.map((bin) => `${bin.pkg} bin ${bin.name}: ${bin.file}`)).toEqual([]);
  });

  for (const bin of bins) {
    it(`${bin.name} (${bin.pkg}) is packed with its package and runs its --help once built`, () => {
      const manifest = JSON.parse(fs.readFileSync(path.join(bin.dir, "package.json"), "utf8")) as {
        files: string[];
      };
      const top = path.normalize(bin.file).split(path.sep)[0];
      expect(manifest.files, `"files" of ${bin.pkg}`).toContain(top);
      const run = spawnSync(process.execPath, [path.join(bin.dir, bin.file), "--help"], {
        cwd: bin.dir,
        env: childEnv(),
        encoding: "utf8",
      });
      expect(run.stderr).toBe("");
      expect(run.status).toBe(0);
      expect(run.stdout).toContain(`Usage: ${bin.name} `);
    });

    it(`${bin.name} (${bin.pkg}) in a package that is not built: one line saying to build, exit 1`, () => {
      // The bin file alone, where its package would be, without dist/.
      const copy = tempDir("skc-bin-");
      fs.copyFileSync(path.join(bin.dir, "package.json"), path.join(copy, "package.json"));
      const target = path.join(copy, bin.file);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.copyFileSync(path.join(bin.dir, bin.file), target);
      const run = spawnSync(process.execPath, [target, "--help"], {
        cwd: copy,
        env: childEnv(),
        encoding: "utf8",
      });
      expect(run.status, run.stderr).toBe(1);
      expect(run.stdout).toBe("");
      const lines = run.stderr.trimEnd().split("\n");
      expect(lines, run.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^${bin.name}: .*dist.* is not built: run pnpm build`));
    });
  }
});
