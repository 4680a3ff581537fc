import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { openDb, sqliteSchemaVersion } from '../../src/db/client.js'

/**
 * An upgrade runs the new migrations at start (docs/deploy.md): a database left at an older version is
 * brought up to date when opened, and an up-to-date one is opened as it is.
 */

const dir = mkdtempSync(join(tmpdir(), 'andy-migrations-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('migrations at open', () => {
  it('brings a database of an older version up to date, and leaves a current one alone', () => {
    const path = join(dir, 'andy.db')
    const fresh = openDb(path)
    const { latest } = sqliteSchemaVersion(fresh)
    expect(sqliteSchemaVersion(fresh).applied).toBe(latest)
    expect(latest).toBeGreaterThan(1)
    // Roll the database back to before the newest migration: its record and what it created are gone.
    // (The newest is 0004_usage_daily: the usage rollup's tables.)
    fresh.sqlite.exec(`DELETE FROM __drizzle_migrations WHERE created_at = (SELECT max(created_at) FROM __drizzle_migrations);
      DROP TABLE usage_daily; DROP TABLE usage_daily_gaps; DROP TABLE usage_daily_groups;
      DROP TABLE usage_daily_users; DROP TABLE usage_monthly_users;`)
    expect(sqliteSchemaVersion(fresh).applied).toBe(latest - 1)
    fresh.close()

    const upgraded = openDb(path)
    expect(sqliteSchemaVersion(upgraded)).toEqual({ applied: latest, latest })
    expect(upgraded.sqlite.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'usage_daily'").get()).toEqual(
      {
        n: 1,
      },
    )
    upgraded.close()

    const again = openDb(path)
    expect(sqliteSchemaVersion(again)).toEqual({ applied: latest, latest })
    again.close()
  })
})
