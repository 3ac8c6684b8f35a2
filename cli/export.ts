import type { CommandModule } from 'yargs';
import { ValidationError } from '../core/errors.ts';
import { exportExperimentOtel } from '../plugins/exporters/otel.ts';
import { GEN_AI_SEMCONV_VERSION } from '../plugins/exporters/otel-spans.ts';
import { experimentPositional } from './options.ts';
import { openStore } from './store.ts';

interface OtelArgs {
  db: string;
  experiment: string;
  out?: string;
  endpoint?: string;
  messages: boolean;
}

const otelCommand: CommandModule<object, OtelArgs> = {
  command: 'otel <experiment>',
  describe: `write an experiment as OpenTelemetry traces (OTLP; GenAI conventions of semantic-conventions ${GEN_AI_SEMCONV_VERSION}): a trace per run, a span per model call`,
  builder: (yargs) =>
    yargs
      .positional('experiment', experimentPositional)
      .option('out', { type: 'string', describe: 'write OTLP JSON to this file' })
      .option('endpoint', { type: 'string', describe: 'POST to this OTLP/HTTP traces endpoint (e.g. http://localhost:4318/v1/traces)' })
      .option('messages', { type: 'boolean', default: false, describe: 'include prompts and completions (gen_ai.input/output.messages)' })
      .conflicts('out', 'endpoint') as never,
  handler: async (args) => {
    if (!args.out && !args.endpoint) throw new ValidationError('name where the traces go: --out FILE or --endpoint URL', '--out');
    const store = openStore(args.db, { mode: 'read' });
    try {
      const target = args.out ? { file: args.out } : { endpoint: args.endpoint as string };
      const spans = await exportExperimentOtel(store, args.experiment, target, { messages: args.messages });
      console.log(`exported ${spans} spans of ${args.experiment} to ${args.out ?? args.endpoint}`);
    } finally {
      store.close();
    }
  },
};

export const exportCommand: CommandModule = {
  command: 'export <format>',
  describe: 'export an experiment for other tools (otel)',
  builder: (yargs) => yargs.command(otelCommand).demandCommand(1),
  handler: () => undefined,
};
