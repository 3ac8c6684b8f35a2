// zod's `z.locales` and `z.core.locales` for the bundled CLI (bin/build.js puts it in place of zod/v4/locales/index.js in
// dist/vendor/zod.js). zod's `z` namespace carries its ~50 translated error-message sets, 340 KB of source that
// every `sia` command parsed at start; sia uses English messages only (zod's default, which classic/schemas.js
// imports itself), so only `en` is kept. `z.locales.xx` other than en is undefined in the bundle.
export { default as en } from '../../node_modules/zod/v4/locales/en.js';
