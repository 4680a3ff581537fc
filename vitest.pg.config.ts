import { defineConfig } from 'vitest/config'
import base from './vitest.config.js'

/**
 * `npm run test:pg`: the PostgreSQL suite (test/pg/) — the store contracts on a real PostgreSQL and several
 * `andy start` processes on one database. Same limits and pool as `npm test`; .ci/run runs both.
 */
export default defineConfig({
  test: { ...base.test, include: ['test/pg/**/*.test.ts'], exclude: ['**/node_modules/**'] },
})
