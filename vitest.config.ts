import { defineConfig } from 'vitest/config'
import SlowFirst from './test/helpers/slow-first.js'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Run on their own (and both in .ci/run): the production-install test (npm run test:prod, see
    // test/prod/prod-install.test.ts) and the PostgreSQL suite (npm run test:pg, vitest.pg.config.ts).
    exclude: ['test/prod/**', 'test/pg/**', '**/node_modules/**'],
    globalSetup: ['test/helpers/build-dist.ts'],
    // Limits only bound a hang: CI's shared 2-core machine can run the suite ten times slower than a quiet one,
    // and a test must not fail for being slow (waits inside tests are event-driven, test/helpers/wait.ts).
    testTimeout: 300_000,
    hookTimeout: 300_000,
    pool: 'forks',
    // Test files share their worker's module cache (import once, not 88 times: −40% CPU). Tests must leave
    // process-wide state as they found it (e.g. test/features.test.ts removes what it registers).
    isolate: false,
    // vitest's default on 2 cores is ONE worker; much of the suite waits on sockets, timers and child
    // processes, so three workers overlap the waits (on a busy 2-core machine 7 min → 3 min).
    maxWorkers: 3,
    sequence: { sequencer: SlowFirst },
  },
})
