import { readFileSync } from 'node:fs';
import type { CommandModule } from 'yargs';
import { ValidationError } from '../core/errors.ts';
import type { EventStore, VerifyResult } from '../core/ports/event-store.ts';
import { lineageProjection } from '../core/projections/lineage.ts';
import type { Projection } from '../core/projections/projection.ts';
import { type Anchor, verifyLog } from '../core/store/verify-log.ts';
import { EXIT, printJson } from './output.ts';
import { openStore } from './store.ts';
import { startChainCheck } from './verify-chain.ts';

interface VerifyArgs {
  db: string;
  json: boolean;
  head?: string;
  anchor?: string;
}

export const verifyCommand: CommandModule<object, VerifyArgs> = {
  command: 'verify',
  describe: 'check the log: every row hash, stream versions, referenced blobs, checkpoints, and an anchored head; exit 0 intact, 3 naming the first problem',
  builder: (yargs) =>
    yargs
      .option('head', { type: 'string', describe: 'POS:HASH printed by an earlier `sia run` or `sia verify`: prove the log still holds exactly that prefix' })
      .option('anchor', { type: 'string', describe: 'a JSON file holding { "position", "hash" } (e.g. a saved `sia run --json` result\'s head)' })
      .conflicts('head', 'anchor') as never,
  handler: async (args) => {
    const anchor = args.head ? parseHead(args.head) : args.anchor ? readAnchor(args.anchor) : undefined;
    const store = openStore(args.db, { mode: 'read' });
    try {
      const options = { anchor, projections: [lineageProjection as Projection<unknown>] };
      // Workers check the hash chain while this thread checks the rest, assuming it holds; if it does not, the
      // one-thread check runs again from the start so the report is the same as ever.
      const chain = startChainCheck(store, args.db);
      let report = verifyLog(chain ? withVerifyResult(store, chain.assumed) : store, options);
      if (chain && !(await chain.holds)) report = verifyLog(store, options);
      if (args.json) printJson(report);
      else if (report.ok)
        console.log(
          `intact: ${report.checked} events, head ${report.head ? `${report.head.position}:${report.head.hash}` : '(empty log)'}${anchor ? `; holds the anchored prefix ${anchor.position}` : ''}`,
        );
      else {
        const [first] = report.problems;
        console.error(
          `TAMPERED${first.position !== null ? ` at position ${first.position}` : ''}: ${first.reason}${report.problems.length > 1 ? ` (and ${report.problems.length - 1} more problems; --json lists them)` : ''}`,
        );
      }
      for (const note of report.notes) console.error(`note: ${note}`);
      if (!report.ok) process.exitCode = EXIT.tampered;
    } finally {
      store.close();
    }
  },
};

/** The store, answering verify() with a result already known. */
function withVerifyResult(store: EventStore, result: VerifyResult): EventStore {
  return Object.assign(Object.create(store) as EventStore, { verify: () => result });
}

function parseHead(text: string): Anchor {
  const match = /^(\d+):([0-9a-f]{64})$/.exec(text);
  if (!match) throw new ValidationError('expected POS:HASH, e.g. 1234:<64 hex digits> as `sia run` prints it', '--head');
  return { position: Number(match[1]), hash: match[2] };
}

function readAnchor(file: string): Anchor {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ValidationError(`cannot read ${file} as JSON: ${(error as Error).message}`, '--anchor');
  }
  const head = (value as { head?: unknown })?.head ?? value;
  const { position, hash } = (head ?? {}) as { position?: unknown; hash?: unknown };
  if (typeof position !== 'number' || typeof hash !== 'string')
    throw new ValidationError(`${file} holds no { "position", "hash" } (nor a "head" with them)`, '--anchor');
  return parseHead(`${position}:${hash}`);
}
