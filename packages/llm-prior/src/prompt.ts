import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { FormatError, ValueError } from "@skeleton-cache/errors";

/** A versioned pair of prompt templates (system + user message). */
export interface PromptTemplates {
  /** Identifier written to the prior's provenance: "v1" for the built-in prompt, else the directory name. */
  readonly id: string;
  /** Directory the templates came from. */
  readonly dir: string;
  readonly system: string;
  readonly user: string;
  /** sha256 (hex) of the two template texts, system then user, joined by a NUL byte. */
  readonly sha256: string;
}

/** Values a template may use: `{{name}}` inserts, `{{#name}}...{{/name}}` keeps the block only when set. */
export interface PromptVariables {
  readonly class_name: string;
  readonly dataset?: string | undefined;
  readonly description?: string | undefined;
}

/** The built-in prompt version. */
export const DEFAULT_PROMPT_ID = "v1";

const KNOWN_VARIABLES = new Set(["class_name", "dataset", "description"]);

/** Directory of the prompt templates shipped with this package (works from src/ and dist/). */
export function builtinPromptDir(id: string = DEFAULT_PROMPT_ID): string {
  return fileURLToPath(new URL(`../prompts/${id}/`, import.meta.url));
}

function readTemplate(dir: string, name: string): string {
  const file = path.join(dir, name);
  try {
    return fs.readFileSync(file, "utf8");
  } catch (error) {
    throw new FormatError(`${file}: cannot read prompt template (${(error as Error).message})`, {
      file,
      field: "prompt",
    });
  }
}

/** Checks that a template only uses known variables and that its blocks are closed; names the file and the tag. */
function checkTemplate(text: string, file: string): void {
  const open: string[] = [];
  for (const match of text.matchAll(/\{\{\s*([#/]?)\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g)) {
    const [, sigil, name] = match as unknown as [string, string, string];
    if (!KNOWN_VARIABLES.has(name)) {
      throw new ValueError(
        `${file}: unknown template variable {{${sigil}${name}}}; known: ${[...KNOWN_VARIABLES].join(", ")}`,
        { file, field: name, value: match[0] },
      );
    }
    if (sigil === "#") open.push(name);
    else if (sigil === "/") {
      const last = open.pop();
      if (last !== name) {
        throw new ValueError(`${file}: {{/${name}}} closes ${last ? `{{#${last}}}` : "nothing"}`, {
          file,
          field: name,
          value: match[0],
        });
      }
    }
  }
  if (open.length > 0) {
    throw new ValueError(`${file}: {{#${open.at(-1)}}} is never closed`, { file, field: open.at(-1) });
  }
}

/**
 * Loads `system.md` and `user.md` from `dir` (default: the built-in v1
 * prompt), checks them and hashes them.
 */
export function loadPromptTemplates(dir?: string): PromptTemplates {
  const resolved = dir === undefined ? builtinPromptDir() : path.resolve(dir);
  const system = readTemplate(resolved, "system.md");
  const user = readTemplate(resolved, "user.md");
  checkTemplate(system, path.join(resolved, "system.md"));
  checkTemplate(user, path.join(resolved, "user.md"));
  if (!/\{\{\s*class_name\s*\}\}/.test(user) && !/\{\{\s*class_name\s*\}\}/.test(system)) {
    throw new ValueError(`${path.join(resolved, "user.md")}: the prompt never uses {{class_name}}`, {
      file: path.join(resolved, "user.md"),
      field: "class_name",
    });
  }
  const sha256 = createHash("sha256").update(system).update("\0").update(user).digest("hex");
  const id = dir === undefined ? DEFAULT_PROMPT_ID : path.basename(resolved);
  return { id, dir: resolved, system, user, sha256 };
}

/** Renders one template: blocks first (kept when their variable is a non-empty string), then insertions. */
export function renderTemplate(template: string, variables: PromptVariables): string {
  const lookup = (name: string): string => {
    const value = (variables as unknown as Record<string, string | undefined>)[name];
    return value === undefined ? "" : value;
  };
  let text = template;
  // Innermost blocks first so nested blocks work.
  const block = /\{\{\s*#\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}((?:(?!\{\{\s*#)[\s\S])*?)\{\{\s*\/\s*\1\s*\}\}/;
  for (let match = block.exec(text); match; match = block.exec(text)) {
    const [whole, name, body] = match as unknown as [string, string, string];
    text =
      text.slice(0, match.index) +
      (lookup(name).trim() !== "" ? body : "") +
      text.slice(match.index + whole.length);
  }
  return text.replace(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g, (_m, name: string) => lookup(name));
}

/** The chat messages for one class. */
export function renderMessages(
  templates: PromptTemplates,
  variables: PromptVariables,
): { role: "system" | "user"; content: string }[] {
  return [
    { role: "system", content: renderTemplate(templates.system, variables).trim() },
    { role: "user", content: renderTemplate(templates.user, variables).trim() },
  ];
}
