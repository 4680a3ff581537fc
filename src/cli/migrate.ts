import { existsSync } from 'node:fs'
import { defineCommand } from 'citty'
import { ConfigError, parseConfig } from '../config.js'
import { type Db, openDb, sqliteSchemaVersion } from '../db/client.js'
import type { PgDb } from '../db/pg/client.js'
import { storesOf } from '../db/stores/index.js'
import { loadDotEnv } from './bootstrap.js'

/** The single file's prompt tables into PostgreSQL's empty ones. */
async function copyPromptsToPg(pg: PgDb, local: Db): Promise<{ steps: number; reports: number }> {
  const [{ createPgStores }, { copyPrompts }] = await Promise.all([
    import('../db/pg/stores.js'),
    import('../pipelines/prompt-files.js'),
  ])
  return copyPrompts(storesOf({ db: local }).llm.prompts, createPgStores(pg).llm.prompts)
}

/** The file's workflows under way (运营活动设计, 人才发展 / 会议评审 runs, the conversations' pointers). */
async function copyWorkflows(pg: PgDb, local: Db, path: string): Promise<void> {
  const { copyWorkflowsToPg } = await import('../db/pg/copy-workflows.js')
  const c = await copyWorkflowsToPg(pg.pool, local)
  if (c.designs || c.runs || c.conversations)
    process.stdout.write(
      `✔ 已把 ${path} 中进行中的工作写入 PostgreSQL：运营活动设计 ${c.designs} 条，人才发展/会议评审进度 ${c.runs} 条，会话状态 ${c.conversations} 条\n`,
    )
}

/**
 * `andy migrate`: applies the committed migrations — drizzle/pg on DATABASE_URL (PostgreSQL), else
 * drizzle/ on the SQLite file at DB_PATH — and prints the schema version. Safe to run from several
 * machines at once (PostgreSQL: an advisory lock; SQLite: one writer). With DATABASE_URL, the case tables of
 * an existing DB_PATH file (and its prompt tables) are copied to a PostgreSQL that has none yet (moving
 * from the single file), and so are its workflows under way (src/db/pg/copy-workflows.ts: again on every
 * run, never twice).
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
        const db = await openPg(config.databaseUrl, { migrate: true, max: 2 })
        try {
          const v = await pgSchemaVersion(db.pool)
          process.stdout.write(`✔ PostgreSQL 迁移完成：${v.applied}/${v.latest}\n`)
          // First move from the single file: its cases become PostgreSQL's first version.
          if (existsSync(config.dbPath)) {
            const { seedPgCases } = await import('../db/pg/case-sync.js')
            const local = openDb(config.dbPath)
            try {
              const rows = await seedPgCases(db.pool, local)
              if (rows) process.stdout.write(`✔ 已把 ${config.dbPath} 中的 ${rows} 条案例数据写入 PostgreSQL\n`)
              await copyWorkflows(db, local, config.dbPath)
              const copied = await copyPromptsToPg(db, local)
              if (copied.steps || copied.reports)
                process.stdout.write(
                  `✔ 已把 ${config.dbPath} 中的提示词写入 PostgreSQL：提示词步骤 ${copied.steps} 行，报告解读提示词 ${copied.reports} 行\n`,
                )
            } finally {
              local.close()
            }
          }
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
