// Regenerates gpu/schema/*.json from plugins/trainers/job-schema.ts: node bin/run-ts.js gpu/write-schemas.ts
import { fileURLToPath } from 'node:url';
import { writeTrainerJsonSchemas } from '../plugins/trainers/job-schema.ts';

for (const path of writeTrainerJsonSchemas(fileURLToPath(new URL('./schema/', import.meta.url)))) console.log(`wrote ${path}`);
