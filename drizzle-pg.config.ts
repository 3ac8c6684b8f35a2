import { defineConfig } from 'drizzle-kit';

/** PostgreSQL migrations (`npx drizzle-kit generate --config drizzle-pg.config.ts`); SQLite's are in drizzle.config.ts. */
export default defineConfig({
  dialect: 'postgresql',
  schema: './core/store/postgres/schema.ts',
  out: './migrations-pg',
});
