import { describe, expect, it } from 'vitest';
import { clipAtWord } from '../core/text.ts';

describe('clipAtWord', () => {
  it('keeps text that fits, flattening its whitespace', () => {
    expect(clipAtWord('a short\n reason', 40)).toBe('a short reason');
  });

  it('cuts at the last whole word with an ellipsis, never mid-word', () => {
    expect(clipAtWord('the train score is low with parsable answers', 22)).toBe('the train score is low…');
    expect(clipAtWord('the train score is low with parsable answers', 20)).toBe('the train score is…');
  });

  it('drops punctuation left dangling before the ellipsis', () => {
    expect(clipAtWord('first a harness edit, then weights', 22)).toBe('first a harness edit…');
  });

  it('cuts inside a single very long word rather than dropping it', () => {
    expect(clipAtWord(`see ${'x'.repeat(50)}`, 20)).toBe(`see ${'x'.repeat(16)}…`);
  });
});
