import { describe, expect, it } from 'vitest';
import { sia } from './support/cli.ts';

describe('sia algos list', () => {
  it('prints every algorithm with its loss kind as JSON', () => {
    const result = sia(['algos', 'list', '--json']);
    expect(result.status).toBe(0);
    const { algorithms } = JSON.parse(result.stdout) as { algorithms: { id: string; lossKind: string; suits: string }[] };
    expect(Object.fromEntries(algorithms.map((a) => [a.id, a.lossKind]))).toEqual({
      'ppo-gae': 'ppo_gae', grpo: 'ppo_clip', rloo: 'ppo_clip', entropic: 'is', 'reinforce-kl': 'is', dpo: 'dpo', 'bon-bc': 'cross_entropy',
    });
    expect(algorithms.every((a) => a.suits.length > 10)).toBe(true);
  });
  it('prints a table with a header', () => {
    const result = sia(['algos', 'list']);
    expect(result.status).toBe(0);
    expect(result.stdout.split('\n')[0]).toMatch(/^ID\s+TITLE\s+SUITS.*LOSS$/);
    expect(result.stdout).toMatch(/^entropic\s+Entropic advantage weighting.*\bis$/m);
  });
});
