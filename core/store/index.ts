export { chainHash, type EventRow } from './chain.ts';
export { type CopyResult, copyLog } from './copy.ts';
export { createInMemoryEventStore } from './in-memory-event-store.ts';
export { localWorkDir, openEventStore } from './open.ts';
export { isPostgresUrl, openPostgresEventStore } from './postgres/postgres-event-store.ts';
export { project, rebuild } from './projections.ts';
export { openSqliteEventStore } from './sqlite-event-store.ts';
