/**
 * Versioned prompt texts (plugins/providers/prompts/<name>.v<N>.md). A prompt's hash is sha256 of its file, so
 * every decision event names the exact text that produced it; the loop stores the text as a blob under that hash.
 * A file holds the system prompt, then a line `@@ user @@`, then the user message template with {{placeholders}}.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PluginError } from '../../core/errors.ts';
import { sha256Hex } from '../../core/hashing.ts';

export interface VersionedPrompt {
  /** File name without extension, e.g. `feedback.v1`. */
  name: string;
  text: string;
  hash: string;
}

const USER_SEPARATOR = /^@@ user @@$/m;
const promptsDirectory = new URL('./prompts/', import.meta.url);
const loaded = new Map<string, VersionedPrompt>();

export function loadPrompt(name: string): VersionedPrompt {
  const cached = loaded.get(name);
  if (cached) return cached;
  const path = fileURLToPath(new URL(`${name}.md`, promptsDirectory));
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new PluginError('providers', `prompt file ${path} cannot be read`, { cause: error });
  }
  const prompt = { name, text, hash: sha256Hex(text) };
  loaded.set(name, prompt);
  return prompt;
}

/** Splits a prompt into its system text and its user template and fills the template's placeholders. */
export function renderPrompt(prompt: VersionedPrompt, values: Record<string, string>): { system: string; user: string } {
  const parts = prompt.text.split(USER_SEPARATOR);
  if (parts.length !== 2) throw new PluginError('providers', `prompt ${prompt.name} needs exactly one "@@ user @@" line`);
  const [system, template] = parts as [string, string];
  const user = template.replace(/\{\{(\w+)\}\}/g, (_match, key: string) => {
    const value = values[key];
    if (value === undefined) throw new PluginError('providers', `prompt ${prompt.name} uses {{${key}}} but no value was given`);
    return value;
  });
  return { system: system.trim(), user: user.trim() };
}
