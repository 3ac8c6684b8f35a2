import type { CommandModule } from 'yargs';
import { startServer } from '../server/serve.ts';
import { openStore } from './store.ts';
import { servingGateway } from '../loop/serving-gateway.ts';

interface ServeArgs {
  db: string;
  host: string;
  port: number;
  token?: string;
  node?: string;
}

export const serveCommand: CommandModule<object, ServeArgs> = {
  command: 'serve',
  describe: 'serve the lineage API, its live event stream and the web UI over HTTP',
  builder: (yargs) =>
    yargs
      .option('host', { type: 'string', default: '127.0.0.1', describe: 'interface to bind; a non-loopback one requires a token' })
      .option('port', { type: 'number', default: 4600, describe: 'TCP port (0 picks a free one)' })
      .option('token', { type: 'string', describe: 'bearer token every request must carry (default: $SIA_TOKEN)' })
      .option('node', { type: 'string', describe: 'the gateway (/v1) serves the tiny policy with this node\'s adapter (default: base weights)' }) as never,
  handler: async (args) => {
    const token = args.token || process.env.SIA_TOKEN || null;
    const store = openStore(args.db, { mode: 'write' });
    let server;
    try {
      server = await startServer(store, { host: args.host, port: args.port, token, gateway: await servingGateway(store, args.db, args.node) });
    } catch (error) {
      store.close();
      throw error;
    }
    console.log(`sia serve: ${server.url}/ (API under /api, OpenAPI at /api/openapi.json)${token ? ', bearer token required' : ''}`);
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
