/**
 * Two installed copies of the registry: the built file imported under another
 * URL is another module instance (its own functions, its own module state), as
 * a second copy in another node_modules folder would be. Both reach one store.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import * as here from "./index.js";

type RegistryModule = typeof here;

async function secondCopy(): Promise<RegistryModule> {
  return (await import(
    /* @vite-ignore */ `${new URL("../dist/index.js", import.meta.url).href}?copy=2`
  )) as RegistryModule;
}

describe("two copies of the registry", () => {
  it("are two module instances that share one store: what one registers, the other finds", async () => {
    const other = await secondCopy();
    expect(other.defineRegistry).not.toBe(here.defineRegistry);
    expect(other.registryStore()).toBe(here.registryStore());

    type Runner = here.RegistryEntry & { run(): number };
    const mine = here.defineRegistry<Runner>({ kind: "test-copies", noun: "copy test", functions: ["run"] });
    const theirs = other.defineRegistry<Runner>({
      kind: "test-copies",
      noun: "copy test",
      functions: ["run"],
    });
    const entry = {
      name: "from-copy-2",
      description: "registered through the second copy",
      configSchema: z.object({}),
      run: () => 2,
    };
    theirs.register(entry);
    mine.register({ ...entry, name: "from-copy-1", run: () => 1 });
    expect(mine.get("from-copy-2")).toBe(entry);
    expect(mine.list()).toEqual(["from-copy-2", "from-copy-1"]);
    expect(theirs.list()).toEqual(mine.list());
    expect(() => mine.register({ ...entry })).toThrow(/already registered at priority 0/);
    expect(mine.unregister("from-copy-2")).toBe(true);
    expect(theirs.list()).toEqual(["from-copy-1"]);
    here.registryStore().plugPoints.delete("test-copies");
  });
});
