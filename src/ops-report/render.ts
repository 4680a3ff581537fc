import type { Writable } from 'node:stream'
import { escapeMd } from '../core/markdown.js'
import { type SheetSpec, type WorkbookResult, writeWorkbook } from '../services/excel.js'
import { drawChart, PALETTE, rankingChart, stackVertically, toPng } from '../stats/chart.js'
import { mdLines } from '../stats/format.js'
import { type GroupMetrics, type OpsMetrics, percent } from './metrics.js'
import type { Narrative } from './narrative.js'
import type { LearningRecord, RowProblem } from './read.js'

/** The report as markdown (DingTalk: lists, no tables), one chart picture and a workbook. */

const rowsOf = <T extends object>(xs: readonly T[]): Array<Record<string, unknown>> =>
  xs as unknown as Array<Record<string, unknown>>

function deptLine(d: GroupMetrics): string {
  return `${escapeMd(d.name)}：完成率 ${percent(d.completionRate)}，参与率 ${percent(d.participationRate)}，人均 ${d.hoursPerLearner} 小时（${d.learners} 人）`
}

export function opsReportMarkdown(
  m: OpsMetrics,
  n: Narrative,
  o: { title?: string; problems?: readonly RowProblem[] } = {},
): string {
  const period = m.from && m.to ? `${m.from} 至 ${m.to}` : '（表格没有日期列）'
  const out = [
    `**${escapeMd(o.title ?? '阶段运营报告')}** · ${period}`,
    '',
    `学员 **${m.learners}** 人，参与 **${m.participants}** 人（${percent(m.participationRate)}）；学习任务 ${m.records} 个，完成 ${m.completed} 个（完成率 **${percent(m.completionRate)}**）；累计学习 **${m.hours}** 小时。`,
    '',
    n.text,
    '',
    '**部门排名**（按完成率）',
    ...m.topDepartments.map((d, i) => `${i + 1}. ${deptLine(d)}`),
  ]
  if (m.bottomDepartments.length)
    out.push('', '**需要关注的部门**', ...m.bottomDepartments.map((d) => `- ${deptLine(d)}`))
  out.push('', '**课程**（按学员数）')
  for (const c of m.courses.slice(0, 5))
    out.push(`- ${escapeMd(c.name)}：${c.learners} 人，完成率 ${percent(c.completionRate)}，${c.hours} 小时`)
  if (m.courses.length > 5) out.push(`- 另有 ${m.courses.length - 5} 门课程，见 Excel「按课程」`)
  if (m.weeks.length) {
    out.push('', '**每周趋势**')
    for (const w of m.weeks.slice(-8))
      out.push(`- ${w.week.slice(5)} 起：活跃 ${w.activeLearners} 人，${w.hours} 小时，完成 ${w.completed}`)
  }
  const notes: string[] = []
  if (n.source === 'plain' && n.error) notes.push('AI 解读暂时不可用，以上为按数据生成的摘要。')
  if (o.problems?.length) notes.push(`有 ${o.problems.length} 行数据有问题（见 Excel「数据问题」）。`)
  if (notes.length) out.push('', ...notes.map((t) => `> ${t}`))
  return mdLines(out)
}

/** Weekly hours (bars) and active learners (line) above the departments' completion rates. */
export function renderOpsChart(m: OpsMetrics): Buffer {
  const parts = []
  if (m.weeks.length) {
    parts.push(
      drawChart({
        type: 'bar',
        data: {
          labels: m.weeks.map((w) => `${w.week.slice(5)}起`),
          datasets: [
            {
              type: 'bar',
              label: '学习小时',
              data: m.weeks.map((w) => w.hours),
              backgroundColor: PALETTE[0],
              yAxisID: 'y',
            },
            {
              type: 'line',
              label: '活跃学员',
              data: m.weeks.map((w) => w.activeLearners),
              borderColor: PALETTE[1],
              backgroundColor: PALETTE[1],
              yAxisID: 'y1',
            },
          ],
        },
        options: {
          plugins: {
            title: { display: true, text: '每周学习趋势', font: { size: 18, weight: 'bold' } },
            legend: { position: 'bottom' },
          },
          scales: {
            y: { beginAtZero: true, position: 'left', title: { display: true, text: '小时' } },
            y1: {
              beginAtZero: true,
              position: 'right',
              grid: { drawOnChartArea: false },
              ticks: { precision: 0 },
              title: { display: true, text: '人' },
            },
          },
        },
      }),
    )
  }
  const depts = [...m.departments]
    .sort((a, b) => b.learners - a.learners)
    .slice(0, 12)
    .sort((a, b) => b.completionRate - a.completionRate)
  parts.push(
    rankingChart(
      '各部门完成率（%）',
      depts.map((d) => ({ label: d.name, value: Math.round(d.completionRate * 1000) / 10 })),
      { color: PALETTE[4], xTitle: '完成率 %' },
    ),
  )
  return toPng(stackVertically(parts))
}

const GROUP_COLUMNS = (first: string): SheetSpec['columns'] => [
  { key: 'name', header: first },
  { key: 'learners', header: '学员数', kind: 'number' },
  { key: 'participants', header: '参与人数', kind: 'number' },
  { key: 'participationRate', header: '参与率', kind: 'number' },
  { key: 'records', header: '学习任务', kind: 'number' },
  { key: 'completed', header: '已完成', kind: 'number' },
  { key: 'completionRate', header: '完成率', kind: 'number' },
  { key: 'hours', header: '学习小时', kind: 'number' },
  { key: 'hoursPerLearner', header: '人均小时', kind: 'number' },
]

export function opsReportSheets(
  m: OpsMetrics,
  n: Narrative,
  records: readonly LearningRecord[],
  problems: readonly RowProblem[],
): SheetSpec[] {
  const overview = [
    ['周期', m.from && m.to ? `${m.from} 至 ${m.to}` : ''],
    ['学员数', m.learners],
    ['参与人数', m.participants],
    ['参与率', percent(m.participationRate)],
    ['学习任务', m.records],
    ['已完成任务', m.completed],
    ['完成率', percent(m.completionRate)],
    ['全部完成的学员', m.learnersAllDone],
    ['累计学习小时', m.hours],
    ['参与者人均小时', m.hoursPerParticipant],
    ['解读', n.text.replace(/\*\*/g, '')],
    ['解读来源', n.source === 'llm' ? 'AI' : '按数据生成'],
  ].map(([k, v]) => ({ k, v }))
  return [
    {
      name: '概览',
      columns: [
        { key: 'k', header: '指标' },
        { key: 'v', header: '数值', width: 80 },
      ],
      rows: overview,
    },
    { name: '按部门', columns: GROUP_COLUMNS('部门'), rows: rowsOf(m.departments) },
    { name: '按课程', columns: GROUP_COLUMNS('课程'), rows: rowsOf(m.courses) },
    {
      name: '按周',
      columns: [
        { key: 'week', header: '周（周一）' },
        { key: 'activeLearners', header: '活跃学员', kind: 'number' },
        { key: 'records', header: '学习记录', kind: 'number' },
        { key: 'completed', header: '完成', kind: 'number' },
        { key: 'hours', header: '学习小时', kind: 'number' },
      ],
      rows: rowsOf(m.weeks),
    },
    {
      name: '明细',
      columns: [
        { key: 'row', header: '原表行号', kind: 'number' },
        { key: 'learner', header: '学员' },
        { key: 'learnerId', header: '工号' },
        { key: 'department', header: '部门' },
        { key: 'course', header: '课程' },
        { key: 'minutes', header: '学习时长(分钟)', kind: 'number' },
        { key: 'completed', header: '是否完成' },
        { key: 'progress', header: '完成率', kind: 'number' },
        { key: 'date', header: '学习日期' },
      ],
      rows: rowsOf(records),
    },
    {
      name: '数据问题',
      columns: [
        { key: 'row', header: '原表行号', kind: 'number' },
        { key: 'problem', header: '问题', width: 60 },
      ],
      rows: rowsOf(problems),
    },
  ]
}

export function writeOpsWorkbook(
  target: string | Writable,
  m: OpsMetrics,
  n: Narrative,
  records: readonly LearningRecord[],
  problems: readonly RowProblem[],
): Promise<WorkbookResult> {
  return writeWorkbook(target, opsReportSheets(m, n, records, problems))
}
