import { BaseSequencer, type TestSpecification } from 'vitest/node'

/**
 * The slowest test files start first, so the three workers do not wait on one that began last (a fresh
 * clone has no timing cache: vitest would order them by size, and these are small files that run long).
 */
const SLOW = [
  'test/search/understand-property.test.ts',
  'test/cli/cli.test.ts',
  'test/services/file-caps.test.ts',
  'test/search/case-index.test.ts',
  'test/cli/cli-usability.test.ts',
  'test/pipelines/activity.test.ts',
  'test/transport/stream.test.ts',
  'test/cli/taxonomy-cli.test.ts',
  'test/e2e/crash-recovery.test.ts',
]

export default class SlowFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files)
    const rank = (f: TestSpecification) => {
      const i = SLOW.findIndex((s) => f.moduleId.endsWith(s))
      return i < 0 ? SLOW.length : i
    }
    return sorted
      .map((f, i) => ({ f, i }))
      .sort((a, b) => rank(a.f) - rank(b.f) || a.i - b.i)
      .map(({ f }) => f)
  }
}
