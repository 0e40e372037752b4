// A plug-in module: registers the "hello" greeter when imported.
import { defineRegistry } from "@skeleton-cache/registry";
import { z } from "zod";

const greeters = defineRegistry({ kind: "test-greeter", noun: "greeter", functions: ["greet"] });
greeters.register({
  name: "hello",
  description: "says hello",
  configSchema: z.strictObject({ who: z.string() }),
  greet: ({ who }) => `hello ${who}`,
});
