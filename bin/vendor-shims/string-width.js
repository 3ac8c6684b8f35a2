// string-width for the bundled CLI (bin/build.js puts it in place of the package in dist/vendor/). yargs measures
// every help cell with it, and it renders a command's help even when the command runs (to cache it), so it loads on
// every start. The package compiles Unicode-property regexes (\p{RGI_Emoji} with the v flag) as it loads: about
// 40 ms of each `sia` command. This one keeps its rules for what help text holds: ANSI codes are stripped, East
// Asian wide and fullwidth characters count 2, control and format characters and combining marks count 0. Emoji
// sequences are measured per code point rather than per grapheme (help text has none); the unit test
// tests/cli-vendor-shims.unit.test.ts compares both on ASCII, CJK, ANSI and combining text.
import { eastAsianWidth } from 'get-east-asian-width';
import stripAnsi from 'strip-ansi';

let zeroWidth = null;

export default function stringWidth(input, options = {}) {
  if (typeof input !== 'string' || input.length === 0) return 0;
  const text = options.countAnsiEscapeCodes ? input : stripAnsi(input);
  let width = 0;
  for (const character of text) {
    const codePoint = character.codePointAt(0);
    if (codePoint >= 0x20 && codePoint < 0x7f) {
      width += 1;
      continue;
    }
    zeroWidth ??= /^[\p{Default_Ignorable_Code_Point}\p{Control}\p{Format}\p{Mark}\p{Surrogate}]$/u;
    if (zeroWidth.test(character)) continue;
    width += eastAsianWidth(codePoint, { ambiguousAsWide: options.ambiguousIsNarrow === false });
  }
  return width;
}
