import { tableCount } from '../db/case-search.js'
import type { Db } from '../db/client.js'
import { casesVersion, getMeta, setMeta } from '../db/meta.js'
import { TABLES, type TableKey } from '../tables/index.js'
import { readDimensions, SqlCaseSource } from './case-source.js'
import { Dictionary, type DictionarySnapshot } from './dictionary.js'
import { type FrequencyCache, type Segmenter, segmenter } from './segmenter.js'
import type { Taxonomy } from './taxonomy.js'
import { shippedTaxonomy, type TaxonomyProvider } from './taxonomy-file.js'

/** app_meta key of the last built dictionary's snapshot (row counts and dimension values) and its data version. */
const SNAPSHOT_KEY = 'dictionary_snapshot'

export interface DictionaryProviderOptions {
  /** Above this many rows, a stale dictionary is rebuilt in the background and `warm` does not wait for the indexes. */
  backgroundAbove?: number
  taxonomy?: TaxonomyProvider
  /** Awaited before each background index build (tests hold it to ask while the indexes are not ready). */
  beforeIndexBuild?: () => Promise<void>
  /**
   * A process that answers one question and exits (`andy ask`): with a snapshot of this data version the
   * dictionary is made from it and searches run by SQL — no index is built for one search. Without one, the
   * indexes are built as usual and the snapshot stored for the next one.
   */
  oneShot?: boolean
}

export interface DictionaryProviderHandle {
  get(): Dictionary
  invalidate(): void
  /**
   * Makes the first dictionary ready without blocking the event loop (a long-running process, before it
   * takes messages). Small data: the indexes are built. Big data: the dictionary is made from the last
   * snapshot of this data version (or GROUP BYs) and searches by SQL until the indexes are built in the
   * background.
   */
  warm(): Promise<void>
  /** Resolves once the background index build under way (if any) has finished. */
  indexed(): Promise<void>
}

/**
 * The dictionary (and case indexes) of a database, rebuilt when an import — in any process — bumped
 * cases_version (one indexed read per message) or the taxonomy file changed. Small data sets are rebuilt
 * at once; big ones in the background, answering from the previous version meanwhile, so the process
 * never freezes. Each finished build stores its snapshot (row counts, dimension values) in app_meta, so
 * the next start with the same data has its phrases without reading the tables.
 */
export function createDictionaryProvider(db: Db, opts: DictionaryProviderOptions = {}): DictionaryProviderHandle {
  const backgroundAbove = opts.backgroundAbove ?? 50_000
  const taxonomy = () => opts.taxonomy?.get() ?? shippedTaxonomy()
  const stampNow = () => `${casesVersion(db)}|${opts.taxonomy?.stamp() ?? ''}`
  let dict: Dictionary | undefined
  let version = ''
  let rebuilding: Promise<void> | undefined
  const rebuild = (v: string) => {
    rebuilding ??= (async () => {
      await opts.beforeIndexBuild?.()
      const data = casesVersion(db)
      const d = await Dictionary.buildAsync(db, taxonomy())
      dict = d
      version = v
      saveSnapshot(db, data, d.snapshot())
    })().finally(() => {
      rebuilding = undefined
    })
    return rebuilding
  }
  return {
    get() {
      const v = stampNow()
      if (!dict && opts.oneShot) {
        const { seg, primed } = primedSegmenter(db)
        dict = fromSnapshot(db, taxonomy()) ?? Dictionary.build(db, taxonomy())
        version = v
        if (dict.indexed) saveSnapshot(db, casesVersion(db), dict.snapshot())
        // Words no earlier process looked up: looked up now, and kept for the next one.
        if (seg.resolveUsers() > 0 || !primed) saveMeta(db, FREQS_KEY, seg.frequencyCache())
      } else if (!dict || (v !== version && dict.indexed && dict.rows < backgroundAbove)) {
        dict = Dictionary.build(db, taxonomy())
        version = v
      } else if (v !== version) {
        void rebuild(v).catch(() => undefined)
      }
      return dict
    },
    invalidate() {
      dict = undefined
    },
    async warm() {
      if (dict) return
      const v = stampNow()
      const snapshot = loadSnapshot(db)
      const sizes = TABLES.map((spec) => snapshot?.[spec.key]?.size ?? tableCount(db, spec))
      if (sizes.reduce((a, b) => a + b, 0) < backgroundAbove) {
        await rebuild(v)
        // After the stream has connected (its ~150 ms would delay it); the first sentences need only a part.
        setTimeout(loadSegmenter, 1000).unref()
        return
      }
      const sources: SqlCaseSource[] = []
      for (const [i, spec] of TABLES.entries()) {
        const stored = snapshot?.[spec.key]?.cats
        const cats = stored ? new Map(Object.entries(stored)) : await readDimensions(db, spec)
        sources.push(new SqlCaseSource(db, spec, sizes[i]!, cats))
      }
      dict = Dictionary.fromSources(sources, taxonomy())
      version = v
      // A long-running process: the complete jieba dictionary, then the indexes, after the first answers.
      void rebuild(v)
        .then(loadSegmenter)
        .catch(() => undefined)
    },
    indexed() {
      return rebuilding ?? Promise.resolve()
    },
  }
}

/** app_meta key of jieba's frequencies of the user words (see Segmenter.frequencyCache). */
const FREQS_KEY = 'segmenter_frequencies'

/** The segmenter, given the user words' frequencies an earlier process looked up. */
function primedSegmenter(db: Db): { seg: Segmenter; primed: boolean } {
  const seg = segmenter()
  try {
    const raw = getMeta(db, FREQS_KEY)
    if (raw) seg.primeWith(JSON.parse(raw) as FrequencyCache)
    return { seg, primed: !!raw }
  } catch {
    // A damaged cache is only a slower start: the words are looked up again.
    return { seg, primed: false }
  }
}

/** Stores a shortcut for the next start; a read-only database cannot keep one, which is harmless. */
function saveMeta(db: Db, key: string, value: unknown): void {
  if (value === undefined) return
  try {
    setMeta(db, key, JSON.stringify(value))
  } catch {
    // See above.
  }
}

/** The dictionary of the stored snapshot (when it is of the data as it is now) over SQL sources. */
function fromSnapshot(db: Db, taxonomy: Taxonomy): Dictionary | undefined {
  const snapshot = loadSnapshot(db)
  if (!snapshot || TABLES.some((spec) => !snapshot[spec.key])) return undefined
  const sources = TABLES.map((spec) => {
    const { size, cats } = snapshot[spec.key]!
    return new SqlCaseSource(db, spec, size, new Map(Object.entries(cats)))
  })
  return Dictionary.fromSources(sources, taxonomy)
}

/** A long-running process segments with jieba's complete dictionary (see segmenter.ts). */
const loadSegmenter = (): void => segmenter().loadFully()

interface StoredSnapshot {
  casesVersion: string
  tables: DictionarySnapshot
}

/** The stored snapshot, when it was taken of the data as it is now (same cases_version). */
export function loadSnapshot(db: Db): DictionarySnapshot | undefined {
  const raw = getMeta(db, SNAPSHOT_KEY)
  if (!raw) return undefined
  try {
    const stored = JSON.parse(raw) as StoredSnapshot
    return stored.casesVersion === casesVersion(db) ? stored.tables : undefined
  } catch {
    return undefined
  }
}

function saveSnapshot(db: Db, data: string, tables: DictionarySnapshot): void {
  saveMeta(db, SNAPSHOT_KEY, { casesVersion: data, tables } satisfies StoredSnapshot)
}

/**
 * After an import by another process (`andy import`): stores the snapshot of the data as it is now, so the
 * bot's next start has its phrases without a pass over every table (1,000,000 rows: seconds). Tables the
 * import did not touch keep their entry of the snapshot taken before it (`before`, same data then); the
 * imported one — and any without an entry — is read once, in chunks, ordered as the index orders it.
 */
export async function storeSnapshotAfterImport(
  db: Db,
  imported: TableKey,
  before: DictionarySnapshot | undefined,
): Promise<void> {
  const tables: DictionarySnapshot = {}
  for (const spec of TABLES) {
    const kept = spec.key === imported ? undefined : before?.[spec.key]
    tables[spec.key] = kept ?? {
      size: tableCount(db, spec),
      cats: Object.fromEntries(await readDimensions(db, spec)),
    }
  }
  saveSnapshot(db, casesVersion(db), tables)
}
