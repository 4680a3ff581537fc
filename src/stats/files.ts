import { mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import type { AppConfig } from '../config.js'

/**
 * Where generated files (charts, workbooks) wait for delivery: `<DB_PATH's folder>/exports/`, or the OS
 * temp folder for an in-memory database. The outbox keeps the path until the part is sent (also across
 * a restart), so files live next to the database rather than in a temp folder that may be cleaned.
 */
export function exportDir(config: Pick<AppConfig, 'dbPath'>): string {
  const dir =
    config.dbPath === ':memory:' || config.dbPath.startsWith('file:')
      ? join(tmpdir(), 'andy-exports')
      : join(dirname(config.dbPath), 'exports')
  mkdirSync(dir, { recursive: true })
  return dir
}

/** A file path unique to one message: `<exportDir>/<msgId>-<name>`. */
export function messageFilePath(config: Pick<AppConfig, 'dbPath'>, msgId: string, name: string): string {
  const safeId = msgId.replace(/[^A-Za-z0-9_-]/g, '').slice(-48) || 'msg'
  return join(exportDir(config), `${safeId}-${name.replace(/[\\/:*?"<>|]/g, '_')}`)
}
