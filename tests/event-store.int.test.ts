import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteEventStore } from '../core/store/index.ts';
import { runEventStoreContract } from './contracts/event-store.case.ts';

runEventStoreContract('sqlite file', () => openSqliteEventStore(join(mkdtempSync(join(tmpdir(), 'sia-store-')), 'log.db')));
