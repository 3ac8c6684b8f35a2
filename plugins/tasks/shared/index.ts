/** Helpers shared by task plugins: seeded randomness, splits, verifier hashing, the scaffold config block. */
export * from './random.ts';
export * from './splits.ts';
export * from './verifier-hash.ts';
export * from './config-block.ts';
export * from './scaffold-files.ts';
export * from './verdicts.ts';
export * from './validate-task.ts';
