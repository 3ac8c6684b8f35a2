import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { commandEntries } from '../cli/commands.ts';
import { sia } from './support/cli.ts';

// Whichever way bin/sia.js runs (dist/ when built and fresh, else tsx), the CLI must look the same.
describe('sia before any command runs', () => {
  it('--version prints the version in package.json', () => {
    const result = sia(['--version']);
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toBe(JSON.parse(readFileSync('package.json', 'utf8')).version);
  });

  it('--help lists every command with its description, in table order, and the same through tsx', () => {
    const built = sia(['--help']);
    expect(built.status).toBe(0);
    const usages = [...built.stdout.matchAll(/^ {2}sia (\S+)/gm)].map((match) => match[1]);
    expect(usages).toEqual(commandEntries.map((entry) => entry.command.split(' ')[0]));
    expect(sia(['--help'], { env: { SIA_NO_DIST: '1' } }).stdout).toBe(built.stdout);
  });
});
