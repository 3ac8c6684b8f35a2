// Child process for the concurrency test: appends COUNT events to FILE in batches of 5, ids prefixed by PREFIX.
import { openSqliteEventStore } from '../../core/store/index.ts';
import { logEvent } from './events.ts';

const [file, countText, prefix] = process.argv.slice(2);
const store = openSqliteEventStore(file);
const count = Number(countText);
for (let i = 0; i < count; i += 5) {
  const batch = Array.from({ length: Math.min(5, count - i) }, (_, j) => logEvent(`${prefix}-${i + j}`, prefix, i + j));
  store.append(`run-${prefix}`, batch, { expectedVersion: i });
}
store.close();
