/** Options several commands share, described once. */
export const configOption = { type: 'string', describe: 'provider settings file (default ./sia.config.json when present)' } as const;

export const experimentPositional = { type: 'string', demandOption: true, describe: 'experiment id (see `sia experiments`)' } as const;
