import { type Readable, Transform } from 'node:stream'
import yauzl from 'yauzl'
import { type FileLimits, MB, RATIO_FLOOR_BYTES } from '../core/file-limits.js'
import { FileError, limitError } from './file-common.js'

/**
 * Office files (xlsx, docx, pptx) are zips, and a zip can be a bomb: a 1 MB file whose one part
 * inflates to gigabytes, 100,000 tiny entries, or a central directory that lies about sizes. Before
 * any parser sees the file, the central directory is read (yauzl) and the file is refused when the
 * number of entries, the total or any part's uncompressed size, or a part's compression ratio passes
 * its cap. While reading, the bytes actually inflated are counted, per part and in total, and reading
 * stops at the cap — and at the size the directory declared (yauzl's validateEntrySizes), so a lying
 * directory is caught after at most its own declared size.
 */

interface Part {
  readonly entry: yauzl.Entry
  readonly name: string
}

function openYauzl(source: Uint8Array | string): Promise<yauzl.ZipFile> {
  const options = {
    lazyEntries: true,
    autoClose: false,
    validateEntrySizes: true,
    strictFileNames: false,
    decodeStrings: true,
  }
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, zip?: yauzl.ZipFile) =>
      err || !zip ? reject(err ?? new Error('no zip')) : resolve(zip)
    if (typeof source === 'string') yauzl.open(source, options, done)
    else yauzl.fromBuffer(Buffer.from(source.buffer, source.byteOffset, source.byteLength), options, done)
  })
}

const mb = (n: number) => `${(n / MB).toFixed(1)} MB`

export class GuardedZip {
  private inflated = 0
  private closed = false

  private constructor(
    private readonly zip: yauzl.ZipFile,
    private readonly parts: ReadonlyMap<string, Part>,
    private readonly limits: FileLimits,
    /** Sum of the declared uncompressed sizes. */
    readonly declaredBytes: number,
  ) {}

  /** Reads and checks the central directory; throws FileError ('corrupt', or 'limit' with the cap). */
  static async open(source: Uint8Array | string, limits: FileLimits): Promise<GuardedZip> {
    let zip: yauzl.ZipFile
    try {
      zip = await openYauzl(source)
    } catch (err) {
      throw new FileError('corrupt', `not a readable zip: ${(err as Error).message}`)
    }
    try {
      if (zip.entryCount > limits.maxEntries) {
        throw limitError('entries', `the zip has ${zip.entryCount} entries (cap ${limits.maxEntries})`, {
          actual: zip.entryCount,
          max: limits.maxEntries,
        })
      }
      const parts = new Map<string, Part>()
      let total = 0
      await new Promise<void>((resolve, reject) => {
        zip.on('error', (err: Error) => reject(new FileError('corrupt', `damaged zip directory: ${err.message}`)))
        zip.on('end', () => resolve())
        zip.on('entry', (entry: yauzl.Entry) => {
          try {
            const name = entry.fileName
            if (!name.endsWith('/')) {
              const key = name.toLowerCase()
              if (parts.has(key)) throw new FileError('corrupt', `the zip holds two entries named ${name}`)
              const size = entry.uncompressedSize
              if (size > limits.maxPartBytes)
                throw limitError('part', `${name} inflates to ${mb(size)} (cap ${mb(limits.maxPartBytes)})`, {
                  part: name,
                  actual: size,
                  max: limits.maxPartBytes,
                })
              const ratio = size / Math.max(1, entry.compressedSize)
              if (size > RATIO_FLOOR_BYTES && ratio > limits.maxRatio) {
                throw limitError('ratio', `${name} is compressed ${Math.round(ratio)}× (cap ${limits.maxRatio}×)`, {
                  part: name,
                  actual: Math.round(ratio),
                  max: limits.maxRatio,
                })
              }
              total += size
              if (total > limits.maxUnpackedBytes)
                throw limitError('unpacked', `the parts inflate to more than ${mb(limits.maxUnpackedBytes)}`, {
                  actual: total,
                  max: limits.maxUnpackedBytes,
                })
              parts.set(key, { entry, name })
            }
            zip.readEntry()
          } catch (err) {
            reject(err)
          }
        })
        zip.readEntry()
      })
      return new GuardedZip(zip, parts, limits, total)
    } catch (err) {
      zip.close()
      throw err
    }
  }

  /** Part names as stored, in the zip's order. */
  names(): string[] {
    return [...this.parts.values()].map((p) => p.name)
  }

  /** Part names are case-insensitive in Office files (OPC). */
  has(name: string): boolean {
    return this.parts.has(name.toLowerCase())
  }

  /** Declared uncompressed size of a part. */
  size(name: string): number | undefined {
    return this.parts.get(name.toLowerCase())?.entry.uncompressedSize
  }

  /** Bytes inflated so far (all parts read, counted as they came out of zlib). */
  get inflatedBytes(): number {
    return this.inflated
  }

  /** The part's bytes as a stream, cut off with a FileError at the part cap, the total cap or its declared size. */
  async stream(name: string): Promise<Readable> {
    const part = this.parts.get(name.toLowerCase())
    if (!part) throw new FileError('corrupt', `the zip has no part ${name}`)
    const raw = await new Promise<Readable>((resolve, reject) => {
      this.zip.openReadStream(part.entry, (err, s) => (err || !s ? reject(err ?? new Error('no stream')) : resolve(s)))
    }).catch((err: Error) => {
      throw /encrypt/i.test(err.message)
        ? new FileError('encrypted', `${name} is encrypted`)
        : new FileError('corrupt', `cannot read ${name}: ${err.message}`)
    })
    let partBytes = 0
    const limits = this.limits
    const counter = new Transform({
      transform: (chunk: Buffer, _enc, cb) => {
        partBytes += chunk.length
        this.inflated += chunk.length
        if (partBytes > limits.maxPartBytes)
          return cb(
            limitError('part', `${part.name} inflates past ${mb(limits.maxPartBytes)}`, {
              part: part.name,
              max: limits.maxPartBytes,
            }),
          )
        if (this.inflated > limits.maxUnpackedBytes)
          return cb(
            limitError('unpacked', `the parts inflate past ${mb(limits.maxUnpackedBytes)}`, {
              max: limits.maxUnpackedBytes,
            }),
          )
        cb(null, chunk)
      },
    })
    raw.on('error', (err: Error) => {
      // yauzl: "too many bytes in the stream" = the part inflates to more than the directory declared.
      const lying = /too many bytes/.test(err.message)
      counter.destroy(
        lying
          ? new FileError(
              'corrupt',
              `${part.name} inflates to more than its declared ${part.entry.uncompressedSize} bytes (a lying zip directory)`,
              { part: part.name },
            )
          : new FileError('corrupt', `cannot inflate ${part.name}: ${err.message}`),
      )
    })
    counter.on('close', () => raw.destroy())
    return raw.pipe(counter)
  }

  /** The whole part (bounded by the caps), or undefined when there is no such part. */
  async buffer(name: string): Promise<Buffer | undefined> {
    if (!this.has(name)) return undefined
    const chunks: Buffer[] = []
    for await (const chunk of await this.stream(name)) chunks.push(chunk as Buffer)
    return Buffer.concat(chunks)
  }

  async text(name: string): Promise<string | undefined> {
    return (await this.buffer(name))?.toString('utf8')
  }

  /**
   * Inflates the parts `which` accepts and throws away the bytes: afterwards a library that inflates
   * the same zip on its own (jszip in mammoth) is known to get no more than the declared sizes.
   */
  async verify(which: (name: string) => boolean = () => true): Promise<void> {
    for (const p of this.parts.values()) {
      if (!which(p.name)) continue
      for await (const _chunk of await this.stream(p.name)) {
        // counted by the stream
      }
    }
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    this.zip.close()
  }
}
