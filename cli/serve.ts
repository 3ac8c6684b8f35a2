import { randomBytes } from 'node:crypto';
import type { CommandModule } from 'yargs';
import { ResourceBusyError, ValidationError } from '../core/errors.ts';
import { servingGateway } from '../gateway/serving.ts';
import { startServer } from '../server/serve.ts';
import { openStore } from './store.ts';

interface ServeArgs {
  db: string;
  host: string;
  port: number;
  /** false: `--no-token`. */
  token?: string | false;
  node?: string;
}

/** The token to require: the one given, else a fresh one (printed in the link); `--no-token` gives none. */
function chooseToken(given: string | false | undefined): { token: string | null; generated: boolean } {
  if (given === false) return { token: null, generated: false };
  const token = given || process.env.SIA_TOKEN || null;
  return token ? { token, generated: false } : { token: randomBytes(24).toString('base64url'), generated: true };
}

/** Listen failures the user can fix, as one line naming the address; anything else passes through. */
function explainListenError(error: unknown, args: ServeArgs): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRINUSE') {
    return new ResourceBusyError(`port ${args.port} on ${args.host} is already in use (another sia serve?)`, {
      hint: `stop that process or pick another port: --port ${args.port + 1} (or --port 0 for any free one)`,
      cause: error,
    });
  }
  if (code === 'EACCES') {
    return new ValidationError(`not allowed to listen on port ${args.port} on ${args.host}`, '--port', {
      hint: 'ports below 1024 need privileges: pick a higher one',
      cause: error,
    });
  }
  if (code === 'EADDRNOTAVAIL') {
    return new ValidationError(`${args.host} is not an address of this machine`, '--host', { cause: error });
  }
  return error;
}

export const serveCommand: CommandModule<object, ServeArgs> = {
  command: 'serve',
  describe: 'serve the lineage API, its live event stream, the web UI and the gateway over HTTP',
  builder: (yargs) =>
    yargs
      .option('host', { type: 'string', default: '127.0.0.1', describe: 'interface to bind (IPv6 as ::1 or [::1])' })
      .option('port', { type: 'number', default: 4600, describe: 'TCP port (0 picks a free one)' })
      .option('token', {
        type: 'string',
        describe:
          'bearer token every request must carry (default: $SIA_TOKEN, else one is generated and printed in a link); --no-token serves without one, on loopback only',
      })
      .option('node', { type: 'string', describe: "the gateway (/v1) serves the tiny policy with this node's adapter (default: base weights)" }) as never,
  handler: async (args) => {
    const { token, generated } = chooseToken(args.token);
    const store = openStore(args.db, { mode: 'write' });
    let server: Awaited<ReturnType<typeof startServer>> | undefined;
    try {
      server = await startServer(store, { host: args.host, port: args.port, token, gateway: await servingGateway(store, args.db, args.node) });
    } catch (error) {
      store.close();
      throw explainListenError(error, args);
    }
    if (token) {
      // A token the user chose is theirs to keep out of terminal logs; a generated one must be shown to be used.
      const shown = generated ? token : '<your token>';
      console.log(`sia serve: ${server.url}/ — open ${server.url}/?token=${shown}`);
      console.log(`  API under /api, gateway under /v1: send Authorization: Bearer ${shown}`);
    } else console.log(`sia serve: ${server.url}/ (no token: loopback only; API under /api, gateway under /v1)`);
    const stop = () => {
      void server.close().finally(() => {
        store.close();
        process.exit(0);
      });
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  },
};
