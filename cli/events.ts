import type { CommandModule } from 'yargs';
import { NotFoundError, ValidationError } from '../core/errors.ts';
import { SCHEMA_VERSIONS, type StoredEvent } from '../core/events/index.ts';
import type { EventStore } from '../core/ports/event-store.ts';
import { printJson } from './output.ts';
import { openStore } from './store.ts';

interface EventsArgs {
  db: string;
  json: boolean;
  stream?: string;
  after: number;
  limit: number;
  type?: string[];
}

export const eventsCommand: CommandModule<object, EventsArgs> = {
  command: 'events',
  describe: 'list events from the log (oldest first)',
  builder: (yargs) =>
    yargs
      .option('stream', { type: 'string', describe: 'only this stream (e.g. experiment-<id>, run-<id>)' })
      .option('after', { type: 'number', default: 0, describe: 'only events after this global position' })
      .option('limit', { type: 'number', default: 100, describe: 'at most this many events' })
      .option('type', { type: 'string', array: true, describe: 'only these event types' }) as never,
  handler: (args) => {
    if (!Number.isInteger(args.after) || args.after < 0) throw new ValidationError('must be a non-negative integer', '--after');
    if (!Number.isInteger(args.limit) || args.limit < 1) throw new ValidationError('must be a positive integer', '--limit');
    checkTypes(args.type ?? []);
    const store = openStore(args.db, { mode: 'read' });
    try {
      if (args.stream !== undefined) checkStream(store, args.stream);
      const events = store.read({ streamId: args.stream, after: args.after, limit: args.limit, types: args.type as never });
      if (args.json) printJson({ events, next: events.length ? events[events.length - 1].position : args.after });
      else for (const event of events) console.log(formatEvent(event));
    } finally {
      store.close();
    }
  },
};

/** A misspelt type would match nothing and print nothing, which reads as "no such events": refuse it instead. */
function checkTypes(types: string[]): void {
  const known = Object.keys(SCHEMA_VERSIONS);
  const unknown = types.filter((type) => !known.includes(type));
  if (unknown.length) throw new ValidationError(`unknown event type ${unknown.join(', ')}; known types: ${known.join(', ')}`, '--type');
}

/** Likewise a stream the log never had: say so, and point at the likely intended name. */
function checkStream(store: EventStore, streamId: string): void {
  if (store.streamVersion(streamId) > 0) return;
  const prefixed = ['experiment-', 'run-', 'audit-'].map((prefix) => `${prefix}${streamId}`).find((candidate) => store.streamVersion(candidate) > 0);
  throw new NotFoundError(`no stream ${streamId} in this log`, {
    hint: prefixed
      ? `did you mean --stream ${prefixed}?`
      : 'streams are named experiment-<id>, run-<id> and audit-<id>; `sia experiments` lists the experiment ids',
  });
}

function formatEvent(event: StoredEvent): string {
  const data = JSON.stringify(event.data);
  return `${String(event.position).padStart(6)}  ${event.recordedAt}  ${event.streamId}#${event.streamVersion}  ${event.type}  ${data.length > 120 ? `${data.slice(0, 117)}...` : data}`;
}
