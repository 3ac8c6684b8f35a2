#!/usr/bin/env node
// Compiles the TypeScript sources once (npm ci and npm install run this as `prepare`) so bin/sia.js starts as plain
// JavaScript instead of through tsx's loader. One output file per source file, same tree under dist/; files read
// by path (migrations, prompts, scaffolds, verifier sources) are still read from the source tree. The packages
// every command loads (yargs, zod, drizzle: ~230 small modules) are bundled into a few files under dist/vendor/.
import { closeSync, mkdirSync, openSync, readdirSync, rmSync, utimesSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DIST, ROOT, SOURCE_DIRS, STAMP } from './dist-fresh.js';

const VENDORED = /^(zod|drizzle-orm|yargs)(\/|$)/;
const VENDOR = join(DIST, 'vendor');
// Packages the vendored bundles get a lighter stand-in for (each file says why).
const SHIMS = { 'string-width': join(ROOT, 'bin', 'vendor-shims', 'string-width.js') };
const ZOD_LOCALES = join(ROOT, 'bin', 'vendor-shims', 'zod-locales.js');
const useShims = {
  name: 'use-shims',
  setup(build) {
    build.onResolve({ filter: new RegExp(`^(${Object.keys(SHIMS).join('|')})$`) }, (args) => ({ path: SHIMS[args.path] }));
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[/\\]zod[/\\]v4[/\\](classic|core)$/.test(args.resolveDir) ? { path: ZOD_LOCALES } : undefined,
    );
  },
};

const started = new Date();
let esbuild;
try {
  esbuild = await import('esbuild');
} catch (error) {
  // Not fatal: without dist/ the CLI runs through tsx, only slower to start.
  console.warn(`sia build: esbuild is not available (${error.message}); the CLI will run through tsx`);
  process.exit(0);
}

const entryPoints = SOURCE_DIRS.flatMap((dir) =>
  readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts'))
    .map((entry) => join(entry.parentPath ?? entry.path, entry.name)),
);
const vendored = new Set();
const relativeImport = (fromDir, target) => {
  const path = relative(join(DIST, relative(ROOT, fromDir)), target);
  return path.startsWith('.') ? path : `./${path}`;
};

/**
 * Every relative import stays a separate module: a .ts one becomes its compiled .js twin, anything else the
 * source file; a vendored package becomes its bundle; other packages load from node_modules as before.
 */
const keepModulesApart = {
  name: 'keep-modules-apart',
  setup(build) {
    build.onResolve({ filter: /.*/ }, (args) => {
      if (args.kind === 'entry-point') return undefined;
      if (/^\.\.?\//.test(args.path)) {
        if (args.path.endsWith('.ts')) return { path: args.path.replace(/\.ts$/, '.js'), external: true };
        return { path: relativeImport(args.resolveDir, resolve(args.resolveDir, args.path)), external: true };
      }
      if (VENDORED.test(args.path)) {
        vendored.add(args.path);
        return { path: relativeImport(args.resolveDir, join(VENDOR, `${args.path}.js`)), external: true };
      }
      return { path: args.path, external: true };
    });
  },
};

const common = { bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'warning' };
rmSync(DIST, { recursive: true, force: true });
await esbuild.build({
  ...common,
  entryPoints,
  outdir: DIST,
  outbase: ROOT,
  keepNames: true, // errors take their name from their class (core/errors.ts)
  plugins: [keepModulesApart],
  // import.meta.url names the source file, so paths relative to a module (migrations, scaffolds) resolve as before.
  define: { 'import.meta.url': '__siaSourceUrl' },
  banner: { js: 'const __siaSourceUrl = import.meta.url.replace(/\\/dist\\/(?!.*\\/dist\\/)/, "/").replace(/\\.js$/, ".ts");' },
});
await esbuild.build({
  ...common,
  entryPoints: [...vendored].map((specifier) => ({ in: fileURLToPath(import.meta.resolve(specifier)), out: specifier })),
  outdir: VENDOR,
  splitting: true, // one copy of what the entries share (drizzle's core, yargs' parser)
  // Less text to parse at every start; names are kept (stack traces, error names).
  minifyWhitespace: true,
  minifySyntax: true,
  chunkNames: 'chunks/[name]-[hash]',
  external: ['better-sqlite3', 'pg'],
  plugins: [useShims],
  // Only yargs asks where it lives (for the nearest package.json's version and its locale files): tell it.
  define: { 'import.meta.url': '__siaYargsUrl' },
  banner: {
    js: [
      'const __siaYargsUrl = import.meta.url.replace(/\\/dist\\/vendor\\/(?!.*\\/dist\\/vendor\\/).*$/, "/node_modules/yargs/lib/platform-shims/esm.mjs");',
      // Bundled CommonJS (yargs' helpers) calls require for Node's own modules.
      'import { createRequire as __siaCreateRequire } from "node:module"; const require = __siaCreateRequire(import.meta.url);',
    ].join('\n'),
  },
});
mkdirSync(dirname(STAMP), { recursive: true });
closeSync(openSync(STAMP, 'w'));
utimesSync(STAMP, started, started);
console.log(
  `sia build: ${entryPoints.length} files and ${vendored.size} vendored entries (${[...vendored].join(', ')}) into ${relative(process.cwd(), DIST) || DIST}`,
);
