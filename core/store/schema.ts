import { blob, index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/** The log. Rows are never updated or deleted (triggers refuse both; see migrations/0001_*). */
export const events = sqliteTable(
  'events',
  {
    position: integer('position').primaryKey(),
    eventId: text('event_id').notNull(),
    streamId: text('stream_id').notNull(),
    streamVersion: integer('stream_version').notNull(),
    type: text('type').notNull(),
    schemaVersion: integer('schema_version').notNull(),
    data: text('data').notNull(),
    metadata: text('metadata'),
    recordedAt: text('recorded_at').notNull(),
    /** sha256(previous hash ‖ canonical event); the chain `sia verify` walks. */
    hash: text('hash').notNull(),
  },
  (table) => [
    uniqueIndex('events_event_id').on(table.eventId),
    // Also serves stream reads (an experiment loads from its own stream).
    uniqueIndex('events_stream_version').on(table.streamId, table.streamVersion),
    // Reads of a few types (nodes, accepted verdicts, run starts) touch only those rows, not the whole log.
    index('events_type_position').on(table.type, table.position),
  ],
);

export const streams = sqliteTable('streams', {
  streamId: text('stream_id').primaryKey(),
  version: integer('version').notNull(),
});

/** Content-addressed payloads (scaffold files, prompts, trajectories, adapter metadata). */
export const blobs = sqliteTable('blobs', {
  sha256: text('sha256').primaryKey(),
  size: integer('size').notNull(),
  content: blob('content', { mode: 'buffer' }).notNull(),
});

/** Projection checkpoints: the folded state as of a position, so a projection catches up instead of refolding. */
export const checkpoints = sqliteTable('checkpoints', {
  projection: text('projection').primaryKey(),
  position: integer('position').notNull(),
  state: text('state').notNull(),
});
