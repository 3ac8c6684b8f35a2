import { bigint, customType, index, integer, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';

const bytea = customType<{ data: Buffer }>({ dataType: () => 'bytea' });

/**
 * The log on PostgreSQL: the same columns as the SQLite schema (core/store/schema.ts), so rows, hashes and
 * `sia store copy` move between the two unchanged. JSON stays canonical text (jsonb would reorder keys and
 * break the hash). Rows are never updated or deleted (triggers refuse both; see migrations-pg/0001_*).
 */
export const events = pgTable(
  'events',
  {
    position: bigint('position', { mode: 'number' }).primaryKey(),
    eventId: text('event_id').notNull(),
    streamId: text('stream_id').notNull(),
    streamVersion: integer('stream_version').notNull(),
    type: text('type').notNull(),
    schemaVersion: integer('schema_version').notNull(),
    data: text('data').notNull(),
    metadata: text('metadata'),
    recordedAt: text('recorded_at').notNull(),
    hash: text('hash').notNull(),
  },
  (table) => [
    uniqueIndex('events_event_id').on(table.eventId),
    uniqueIndex('events_stream_version').on(table.streamId, table.streamVersion),
    index('events_type_position').on(table.type, table.position),
  ],
);

export const streams = pgTable('streams', {
  streamId: text('stream_id').primaryKey(),
  version: integer('version').notNull(),
});

export const blobs = pgTable('blobs', {
  sha256: text('sha256').primaryKey(),
  size: integer('size').notNull(),
  content: bytea('content').notNull(),
});

export const checkpoints = pgTable('checkpoints', {
  projection: text('projection').primaryKey(),
  position: bigint('position', { mode: 'number' }).notNull(),
  state: text('state').notNull(),
});
