import { defineConfig } from 'vitest/config'

/** `npm run test:prod`: the production-install test alone (test/prod/; minutes, mostly `npm ci` compiling better-sqlite3). */
export default defineConfig({
  test: {
    include: ['test/prod/**/*.test.ts'],
    globalSetup: ['test/helpers/build-dist.ts'],
    testTimeout: 240_000,
    hookTimeout: 2_400_000, // npm ci compiles better-sqlite3: ~2 min quiet, far longer on a busy shared machine
    pool: 'forks',
  },
})
