import { monday } from '../stats/period.js'
import type { LearningRecord } from './read.js'

/**
 * Stage metrics of a learning programme (AJdyyReportData, input_type 1):
 * - a learner **participates** when any of their records has study time or a completion;
 * - **participation rate** = participants / learners in the file (the file lists the enrolled);
 * - **completion rate** = completed learner×course records / all records (assignments);
 * - hours by department and course; weekly trend by the record's date (Monday weeks);
 * - departments ranked by completion rate, then hours per learner (only those with ≥ MIN_DEPT_LEARNERS
 *   learners are ranked when enough of them exist, so a one-person department does not top the list).
 */

export interface GroupMetrics {
  name: string
  learners: number
  participants: number
  participationRate: number
  records: number
  completed: number
  completionRate: number
  hours: number
  hoursPerLearner: number
}

export interface WeekMetrics {
  /** Monday "2026-11-02". */
  week: string
  activeLearners: number
  records: number
  completed: number
  hours: number
}

export interface OpsMetrics {
  records: number
  learners: number
  participants: number
  participationRate: number
  completed: number
  completionRate: number
  /** Learners who completed every course assigned to them. */
  learnersAllDone: number
  hours: number
  hoursPerParticipant: number
  departments: GroupMetrics[]
  courses: GroupMetrics[]
  weeks: WeekMetrics[]
  topDepartments: GroupMetrics[]
  bottomDepartments: GroupMetrics[]
  from?: string
  to?: string
}

export const MIN_DEPT_LEARNERS = 3
const RANKED = 3

const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d
const rate = (a: number, b: number) => (b ? round(a / b, 4) : 0)

function learnerKey(r: LearningRecord): string {
  return r.learnerId ? `id:${r.learnerId}` : `name:${r.learner}\u0000${r.department}`
}

function groupMetrics(name: string, rows: readonly LearningRecord[]): GroupMetrics {
  const learners = new Map<string, boolean>()
  let completed = 0
  let minutes = 0
  for (const r of rows) {
    const k = learnerKey(r)
    const active = r.minutes > 0 || r.completed
    learners.set(k, (learners.get(k) ?? false) || active)
    if (r.completed) completed++
    minutes += r.minutes
  }
  const participants = [...learners.values()].filter(Boolean).length
  const hours = round(minutes / 60)
  return {
    name,
    learners: learners.size,
    participants,
    participationRate: rate(participants, learners.size),
    records: rows.length,
    completed,
    completionRate: rate(completed, rows.length),
    hours,
    hoursPerLearner: learners.size ? round(minutes / 60 / learners.size, 2) : 0,
  }
}

function groupBy(
  records: readonly LearningRecord[],
  key: (r: LearningRecord) => string,
): Map<string, LearningRecord[]> {
  const m = new Map<string, LearningRecord[]>()
  for (const r of records) {
    const k = key(r)
    const list = m.get(k)
    if (list) list.push(r)
    else m.set(k, [r])
  }
  return m
}

export function computeOpsMetrics(records: readonly LearningRecord[]): OpsMetrics {
  const all = groupMetrics('全部', records)
  const byLearner = groupBy(records, learnerKey)
  const learnersAllDone = [...byLearner.values()].filter((rs) => rs.every((r) => r.completed)).length
  const departments = [...groupBy(records, (r) => r.department)]
    .map(([k, rs]) => groupMetrics(k, rs))
    .sort((a, b) => b.hours - a.hours || a.name.localeCompare(b.name))
  const courses = [...groupBy(records, (r) => r.course)]
    .map(([k, rs]) => groupMetrics(k, rs))
    .sort((a, b) => b.learners - a.learners || b.hours - a.hours)
  const dated = records.filter((r) => r.date)
  const weeks = [...groupBy(dated, (r) => monday(r.date!))]
    .map(([week, rs]) => ({
      week,
      activeLearners: new Set(rs.filter((r) => r.minutes > 0 || r.completed).map(learnerKey)).size,
      records: rs.length,
      completed: rs.filter((r) => r.completed).length,
      hours: round(rs.reduce((s, r) => s + r.minutes, 0) / 60),
    }))
    .sort((a, b) => a.week.localeCompare(b.week))
  const rankable = departments.filter((d) => d.learners >= MIN_DEPT_LEARNERS)
  const pool = (rankable.length >= 2 ? rankable : departments).slice()
  pool.sort(
    (a, b) =>
      b.completionRate - a.completionRate || b.hoursPerLearner - a.hoursPerLearner || a.name.localeCompare(b.name),
  )
  const top = pool.slice(0, Math.min(RANKED, Math.ceil(pool.length / 2)))
  const bottom = pool.slice(Math.max(top.length, pool.length - RANKED)).reverse()
  const dates = dated.map((r) => r.date!).sort()
  return {
    records: records.length,
    learners: all.learners,
    participants: all.participants,
    participationRate: all.participationRate,
    completed: all.completed,
    completionRate: all.completionRate,
    learnersAllDone,
    hours: all.hours,
    hoursPerParticipant: all.participants ? round(all.hours / all.participants, 2) : 0,
    departments,
    courses,
    weeks,
    topDepartments: top,
    bottomDepartments: bottom,
    from: dates[0],
    to: dates[dates.length - 1],
  }
}

export function percent(r: number): string {
  return `${round(r * 100, 1)}%`
}
