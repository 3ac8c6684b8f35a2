import { describe, expect, it } from 'vitest';
import { commandEntries } from '../cli/commands.ts';

describe('the command table sia --help and parsing use', () => {
  it.each(commandEntries.map((entry) => [entry.command, entry] as const))('%s: usage line and description are those of its file', async (_name, entry) => {
    const module = await entry.load();
    expect({ command: entry.command, describe: entry.describe }).toEqual({ command: module.command, describe: module.describe });
    expect(typeof module.handler).toBe('function');
  });

  it('names every command once', () => {
    const names = commandEntries.map((entry) => entry.command.split(' ')[0]);
    expect(new Set(names).size).toBe(names.length);
  });
});
