import { statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Taxonomy } from './taxonomy.js'

/** Where the taxonomy lives on disk, and the provider that reloads it when the file changes. */

/** The taxonomy shipped with Andy. */
export function defaultTaxonomyPath(): string {
  return fileURLToPath(new URL('../../data/taxonomy.json', import.meta.url))
}

let shipped: Taxonomy | undefined

/** The shipped taxonomy, read once (tests, benches and tools without a provider). */
export function shippedTaxonomy(): Taxonomy {
  shipped ??= Taxonomy.load(defaultTaxonomyPath())
  return shipped
}

export interface TaxonomyProvider {
  readonly path: string
  /** The taxonomy in force: re-read when the file changed (checked at most once a second). */
  get(): Taxonomy
  /** Changes whenever a new version of the file was loaded (the dictionary rebuilds on it). */
  stamp(): string
}

/**
 * The taxonomy file, reloaded when it changes on disk. A file that fails validation is not used: the
 * previous version stays in force (and `onError` hears why), so a typo never breaks searching.
 */
export function createTaxonomyProvider(
  path = defaultTaxonomyPath(),
  opts: { onError?: (err: Error) => void; checkEveryMs?: number } = {},
): TaxonomyProvider {
  const every = opts.checkEveryMs ?? 1000
  let current: Taxonomy | undefined
  let loadedStamp = ''
  let seenStamp = ''
  let checkedAt = Number.NEGATIVE_INFINITY
  const fileStamp = () => {
    try {
      const st = statSync(path)
      return `${st.mtimeMs}:${st.size}`
    } catch {
      return 'missing'
    }
  }
  const refresh = () => {
    const now = performance.now()
    if (current && now - checkedAt < every) return
    checkedAt = now
    const stamp = fileStamp()
    if (current && stamp === seenStamp) return
    seenStamp = stamp
    try {
      current = Taxonomy.load(path)
      loadedStamp = stamp
    } catch (err) {
      opts.onError?.(err as Error)
      if (!current) {
        current = path === defaultTaxonomyPath() ? Taxonomy.empty() : shippedTaxonomy()
        loadedStamp = `fallback:${stamp}`
      }
    }
  }
  return {
    path,
    get() {
      refresh()
      return current!
    },
    stamp() {
      refresh()
      return loadedStamp
    },
  }
}
