import { defineConfig } from 'drizzle-kit'

/** PostgreSQL migrations (DATABASE_URL=postgres://…): `npx drizzle-kit generate --config drizzle-pg.config.ts`. */
export default defineConfig({
  dialect: 'postgresql',
  schema: ['./src/db/pg/schema.ts', './src/db/pg/schema-more.ts', './src/db/pg/schema-llm.ts'],
  out: './drizzle/pg',
})
