// A module that imports the registry but registers nothing.
import { defineRegistry } from "@skeleton-cache/registry";

defineRegistry({ kind: "test-greeter", noun: "greeter", register: "greeters.register(entry)" }).list();
