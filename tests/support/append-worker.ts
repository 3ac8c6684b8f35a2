// Child process for the concurrency tests: appends COUNT events to the log at TARGET (a SQLite file or a
// postgres:// URL) in batches of 5 on its own stream, ids prefixed by PREFIX. With SHARED=1 it also appends one
// event per batch to the stream `run-shared` with the version it read, re-reading on every ConcurrencyError.
import { ConcurrencyError } from '../../core/errors.ts';
import { openEventStore } from '../../core/store/index.ts';
import { logEvent } from './events.ts';

const [target, countText, prefix, shared] = process.argv.slice(2);
const store = openEventStore(target);
const count = Number(countText);
for (let i = 0; i < count; i += 5) {
  const batch = Array.from({ length: Math.min(5, count - i) }, (_, j) => logEvent(`${prefix}-${i + j}`, prefix, i + j));
  store.append(`run-${prefix}`, batch, { expectedVersion: i });
  if (shared !== '1') continue;
  for (;;) {
    const version = store.streamVersion('run-shared');
    try {
      store.append('run-shared', [logEvent(`${prefix}-shared-${i}`, 'shared', version)], { expectedVersion: version });
      break;
    } catch (error) {
      if (!(error instanceof ConcurrencyError)) throw error;
    }
  }
}
store.close();
