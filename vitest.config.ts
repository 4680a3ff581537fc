import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The production-install test runs on its own (npm run test:prod, .ci/run): see test/prod/prod-install.test.ts.
    exclude: ['test/prod/**', '**/node_modules/**'],
    globalSetup: ['test/helpers/build-dist.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
})
