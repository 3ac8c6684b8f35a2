import { randomBytes } from 'node:crypto';
import { openPostgresEventStore } from '../../core/store/index.ts';
import { openSyncPgClient } from '../../core/store/postgres/sync-client.ts';

/** The test server: .ci/run creates this role and database; SIA_TEST_PG_URL points elsewhere. */
export const PG_URL = process.env.SIA_TEST_PG_URL ?? 'postgres://sia:sia@127.0.0.1:5432/sia_test';

/**
 * Why the PostgreSQL tests cannot run here, or null when a server answers. In CI a missing server is a
 * failure, not a skip: .ci/run starts one.
 */
export function postgresUnavailable(): string | null {
  try {
    openSyncPgClient(PG_URL).close();
    return null;
  } catch (error) {
    const reason = `no PostgreSQL server at ${PG_URL} (${(error as Error).message.split('\n')[0]}); start one with \`pg_ctlcluster 15 main start\` and create the role and database as .ci/run does`;
    if (process.env.CI) throw new Error(`CI: ${reason}`);
    console.info(`[postgres] skipped: ${reason}`);
    return reason;
  }
}

/** A schema of its own for each test log, dropped by dropTestSchemas(). */
const created: string[] = [];
export function testSchema(): string {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  created.push(schema);
  return schema;
}

export const openTestPostgresStore = (schema = testSchema()) => openPostgresEventStore(PG_URL, { schema });

export function dropTestSchemas(): void {
  if (created.length === 0) return;
  const client = openSyncPgClient(PG_URL);
  for (const schema of created.splice(0)) client.query({ sql: `DROP SCHEMA IF EXISTS "${schema}" CASCADE` });
  client.close();
}
