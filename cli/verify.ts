import type { CommandModule } from 'yargs';
import { EXIT, printJson } from './output.ts';
import { openStore } from './store.ts';

export const verifyCommand: CommandModule<object, { db: string; json: boolean }> = {
  command: 'verify',
  describe: 'walk the hash chain: exit 0 when intact, 3 naming the first bad position when any stored byte changed',
  handler: (args) => {
    const store = openStore(args.db, { mustExist: true });
    try {
      const result = store.verify();
      if (args.json) printJson(result);
      else if (result.ok) console.log(`intact: ${result.checked} events, head ${result.head ?? '(empty log)'}`);
      else console.error(`TAMPERED at position ${result.position}: ${result.reason} (${result.checked} events before it are intact)`);
      if (!result.ok) process.exitCode = EXIT.tampered;
    } finally {
      store.close();
    }
  },
};
