import { defineCommand } from 'citty'
import { ConfigError, parseConfig } from '../config.js'
import { openDb, sqliteSchemaVersion } from '../db/client.js'
import { loadDotEnv } from './bootstrap.js'

/**
 * `andy migrate`: applies the committed migrations — drizzle/pg on DATABASE_URL (PostgreSQL), else
 * drizzle/ on the SQLite file at DB_PATH — and prints the schema version. Safe to run from several
 * machines at once (PostgreSQL: an advisory lock; SQLite: one writer).
 */
export default defineCommand({
  meta: {
    name: 'migrate',
    description:
      'Apply the database migrations (PostgreSQL with DATABASE_URL, else SQLite at DB_PATH) and print the schema version',
  },
  args: {},
  async run() {
    loadDotEnv()
    let config
    try {
      config = parseConfig(process.env)
    } catch (err) {
      if (err instanceof ConfigError) {
        process.stderr.write(`${err.message}\n`)
        process.exitCode = 2
        return
      }
      throw err
    }
    try {
      if (config.databaseUrl) {
        const { openPg, pgSchemaVersion } = await import('../db/pg/client.js')
        const db = await openPg(config.databaseUrl, { migrate: true, max: 1 })
        try {
          const v = await pgSchemaVersion(db.pool)
          process.stdout.write(`✔ PostgreSQL 迁移完成：${v.applied}/${v.latest}\n`)
        } finally {
          await db.close()
        }
      } else {
        const db = openDb(config.dbPath)
        try {
          const v = sqliteSchemaVersion(db)
          process.stdout.write(`✔ SQLite 迁移完成（${config.dbPath}）：${v.applied}/${v.latest}\n`)
        } finally {
          db.close()
        }
      }
    } catch (err) {
      process.stderr.write(`✘ 迁移失败：${(err as Error).message}\n`)
      process.exitCode = 1
    }
  },
})
