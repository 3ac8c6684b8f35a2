export { openSqliteEventStore } from './sqlite-event-store.ts';
export { createInMemoryEventStore } from './in-memory-event-store.ts';
export { project, rebuild } from './projections.ts';
export { chainHash, type EventRow } from './chain.ts';
