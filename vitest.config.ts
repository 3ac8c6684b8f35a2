import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts', 'core/**/*.test.ts', 'loop/**/*.test.ts', 'plugins/**/*.test.ts', 'server/**/*.test.ts', 'cli/**/*.test.ts'],
    // Contract suites (*.case.ts) are imported by the tests that run them, never run on their own.
    exclude: ['**/node_modules/**', '**/*.case.ts'],
    // CLI end-to-end tests spawn several sia processes each; on a loaded 2-core machine one can take 30 s.
    testTimeout: 90_000,
    hookTimeout: 90_000,
    pool: 'forks',
  },
});
