import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { tempDir } from "@skeleton-cache/test-support";
import { beforeEach, describe, expect, it } from "vitest";
import { loadPromptTemplates, renderMessages, renderTemplate } from "./prompt.js";

let dir: string;
beforeEach(() => {
  dir = tempDir("llm-prompt-");
});

describe("prompt templates", () => {
  it("loads the built-in v1 prompt with a sha256 of its two templates", () => {
    const t = loadPromptTemplates();
    expect(t.id).toBe("v1");
    expect(t.user).toContain("{{class_name}}");
    expect(t.sha256).toBe(createHash("sha256").update(`${t.system}\0${t.user}`).digest("hex"));
  });

  it("renders variables and keeps a block only when its variable is set", () => {
    const template = "A: {{class_name}}\n{{#description}}D: {{description}}\n{{/description}}end";
    expect(renderTemplate(template, { class_name: "wave" })).toBe("A: wave\nend");
    expect(renderTemplate(template, { class_name: "wave", description: "hand moves" })).toBe(
      "A: wave\nD: hand moves\nend",
    );
    const [system, user] = renderMessages(loadPromptTemplates(), {
      class_name: "kick",
      description: "leg up",
    });
    expect(system!.role).toBe("system");
    expect(user!.content).toMatch(/^Action class: kick\n/);
    expect(user!.content).toContain("leg up");
    expect(user!.content).not.toContain("{{");
  });

  it("uses a custom prompt directory: id = its name, hash changes with the text", () => {
    const custom = path.join(dir, "mine-v2");
    fs.mkdirSync(custom);
    fs.writeFileSync(path.join(custom, "system.md"), "Be brief.");
    fs.writeFileSync(path.join(custom, "user.md"), "Action class: {{class_name}}");
    const t = loadPromptTemplates(custom);
    expect(t.id).toBe("mine-v2");
    expect(t.sha256).not.toBe(loadPromptTemplates().sha256);
  });

  it.each([
    ["Action class: {{class}}", /unknown template variable \{\{class\}\}/],
    ["{{#description}}x {{class_name}}", /\{\{#description\}\} is never closed/],
    ["{{class_name}} {{/dataset}}", /\{\{\/dataset\}\} closes nothing/],
    ["no class here", /never uses \{\{class_name\}\}/],
  ])("rejects a bad user template %s, naming the file", (user, message) => {
    fs.writeFileSync(path.join(dir, "system.md"), "sys");
    fs.writeFileSync(path.join(dir, "user.md"), user);
    expect(() => loadPromptTemplates(dir)).toThrow(message);
    expect(() => loadPromptTemplates(dir)).toThrow(/user\.md/);
  });

  it("names the missing template file", () => {
    expect(() => loadPromptTemplates(dir)).toThrow(/system\.md: cannot read prompt template/);
  });
});
