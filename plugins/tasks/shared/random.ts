// Seeded randomness lives in core (the loop's gate and the tiny policy use it too).
export * from '../../../core/random.ts';
