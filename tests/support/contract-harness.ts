import type { TestContext } from 'vitest';

/**
 * Wraps a contract test body: builds a fresh harness for it, hands it a `skip(reason)` that prints why, and
 * closes the harness afterwards. Shared by the provider contract suites.
 */
export function harnessRunner<Harness extends { close?: () => unknown }>(name: string, setup: () => Promise<Harness>) {
  return (run: (harness: Harness, skip: (reason: string) => void) => Promise<void>) => async (context: TestContext) => {
    const harness = await setup();
    const skip = (reason: string) => {
      console.info(`[${name}] skipped: ${reason}`);
      context.skip(reason);
    };
    try {
      await run(harness, skip);
    } finally {
      await harness.close?.();
    }
  };
}
