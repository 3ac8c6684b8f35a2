import realStringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
// @ts-expect-error: a plain JavaScript module of the build, without types
import shimStringWidth from '../bin/vendor-shims/string-width.js';
// @ts-expect-error: a plain JavaScript module of the build, without types
import * as shimLocales from '../bin/vendor-shims/zod-locales.js';

/** bin/build.js bundles this stand-in for string-width into yargs' help layout; it must measure help text alike. */
describe('the string-width stand-in of the bundled CLI', () => {
  const samples = [
    '',
    'sia verify --db sia.db',
    '  --head    POS:HASH printed by an earlier `sia run` or `sia verify`  [string]',
    '罪名：盗窃、抢劫',
    '\u001b[1mbold\u001b[22m and \u001b[31mred\u001b[39m',
    'e\u0301te\u0301',
    'ＡＢＣ fullwidth',
    'tab\there',
    'zero\u200bwidth',
    '±×÷ ambiguous',
    'café 東京 ①',
  ];

  it.each(samples)('measures %j as string-width does', (text) => {
    expect(shimStringWidth(text)).toBe(realStringWidth(text));
  });

  it('follows its options: ambiguous characters wide, ANSI codes counted', () => {
    expect(shimStringWidth('±×', { ambiguousIsNarrow: false })).toBe(realStringWidth('±×', { ambiguousIsNarrow: false }));
    expect(shimStringWidth('\u001b[31mx\u001b[39m', { countAnsiEscapeCodes: true })).toBe(
      realStringWidth('\u001b[31mx\u001b[39m', { countAnsiEscapeCodes: true }),
    );
  });

  it('answers 0 for what is not a string', () => {
    expect(shimStringWidth(undefined)).toBe(0);
    expect(shimStringWidth(42)).toBe(realStringWidth(42 as never));
  });
});

/** bin/build.js bundles zod with only its English messages (`z.locales`); they must be zod's own. */
describe('the zod locales stand-in of the bundled CLI', () => {
  it('holds English only, and it is the locale zod itself uses', () => {
    expect(Object.keys(shimLocales)).toEqual(['en']);
    expect(shimLocales.en).toBe(z.locales.en);
    z.config(shimLocales.en());
    expect(z.string().safeParse(1).error?.issues[0]?.message).toBe('Invalid input: expected string, received number');
  });
});
