import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import type { Canvas } from '@napi-rs/canvas'
import type { ChartConfiguration, ChartItem, Plugin } from 'chart.js'

/**
 * Server-side charts: Chart.js 4 drawing on @napi-rs/canvas (Skia, prebuilt binary shipped inside the
 * npm package — no browser, no download at install) with Noto Sans SC from @embedpdf/fonts-sc, so
 * Chinese labels render. Chart.js measures text with the real font, so CJK labels do not overlap.
 * Fonts are registered on first use (no I/O at import). Both libraries load on first use too (they
 * cost a start-up that never draws a chart — `andy ask`, `andy start` — hundreds of ms).
 */

export const CHART_FONT = 'Noto Sans SC'
export const CHART_WIDTH = 960
export const CHART_HEIGHT = 540

/** Tableau 10: distinguishable, print-safe. */
export const PALETTE = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
]

let ready = false
let libs: { canvas: typeof import('@napi-rs/canvas'); chart: typeof import('chart.js') } | undefined

/** @napi-rs/canvas and Chart.js, loaded (synchronously, their CommonJS builds) on first use. */
function lib(): NonNullable<typeof libs> {
  if (!libs) {
    const require = createRequire(import.meta.url)
    libs = { canvas: require('@napi-rs/canvas'), chart: require('chart.js') }
  }
  return libs
}

function createCanvas(width: number, height: number): Canvas {
  return lib().canvas.createCanvas(width, height)
}

/** Registers Chart.js parts and the CJK font once. */
export function ensureChartSetup(): void {
  if (ready) return
  const require = createRequire(import.meta.url)
  const { GlobalFonts } = lib().canvas
  const { Chart, registerables } = lib().chart
  // The package's main entry is dist/index.*; its fonts sit in ../fonts.
  const fonts = join(dirname(require.resolve('@embedpdf/fonts-sc')), '..', 'fonts')
  GlobalFonts.registerFromPath(join(fonts, 'NotoSansHans-Regular.otf'), CHART_FONT)
  GlobalFonts.registerFromPath(join(fonts, 'NotoSansHans-Bold.otf'), CHART_FONT)
  Chart.register(...registerables)
  Chart.defaults.font.family = CHART_FONT
  Chart.defaults.font.size = 14
  Chart.defaults.color = '#333'
  ready = true
}

const whiteBackground: Plugin = {
  id: 'andyWhiteBackground',
  beforeDraw(chart) {
    const { ctx, width, height } = chart
    ctx.save()
    ctx.fillStyle = '#ffffff'
    ctx.fillRect(0, 0, width, height)
    ctx.restore()
  },
}

/** Renders one Chart.js configuration to a canvas (synchronously; animation off). */
export function drawChart(config: ChartConfiguration, width = CHART_WIDTH, height = CHART_HEIGHT): Canvas {
  ensureChartSetup()
  // pdf.js (reading PDFs) puts its own @napi-rs/canvas build's Path2D on globalThis when there is none;
  // Chart.js, loaded after it, draws lines with the global Path2D, which this canvas refuses. Ours while drawing.
  const g = globalThis as { Path2D?: unknown }
  const had = Object.hasOwn(g, 'Path2D')
  const before = g.Path2D
  g.Path2D = lib().canvas.Path2D
  try {
    return draw(config, width, height)
  } finally {
    if (had) g.Path2D = before
    else delete g.Path2D
  }
}

function draw(config: ChartConfiguration, width: number, height: number): Canvas {
  const canvas = createCanvas(width, height)
  const ctx = canvas.getContext('2d')
  const chart = new (lib().chart.Chart)(ctx as unknown as ChartItem, {
    ...config,
    options: { layout: { padding: 12 }, ...config.options, responsive: false, animation: false, devicePixelRatio: 1 },
    plugins: [...(config.plugins ?? []), whiteBackground],
  })
  try {
    chart.draw()
    // destroy() clears the canvas it drew on, so the picture is copied out first.
    const out = createCanvas(width, height)
    out.getContext('2d').drawImage(canvas, 0, 0)
    return out
  } finally {
    chart.destroy()
  }
}

export function toPng(canvas: Canvas): Buffer {
  return canvas.toBuffer('image/png')
}

export interface StackedSeries {
  /** X labels (days, weeks or months). */
  labels: string[]
  series: Array<{ name: string; values: number[] }>
}

/** Size and type sizes of a chart (px at the canvas size). */
export interface ChartStyle {
  readonly width: number
  readonly height: number
  readonly title: number
  readonly subtitle: number
  readonly tick: number
  readonly legend: number
  /** At most this many labels on the category axis (the rest are skipped evenly). */
  readonly maxCategoryTicks: number
  /** At most this many labels on the value axis. */
  readonly maxValueTicks: number
}

/** The default (desktop, exports): 960×540, 14 px text. */
export const DESKTOP_STYLE: ChartStyle = {
  width: CHART_WIDTH,
  height: CHART_HEIGHT,
  title: 18,
  subtitle: 14,
  tick: 14,
  legend: 14,
  maxCategoryTicks: 31,
  maxValueTicks: 11,
}

/**
 * For the DingTalk chat, which shows a picture at about 358×350: a 720 px wide canvas (scaled by ~0.5)
 * with 24–32 px text, so labels read at 12–16 px on the phone; few labels, values written on the bars.
 */
export const CHAT_STYLE: ChartStyle = {
  width: 720,
  height: 440,
  title: 32,
  subtitle: 24,
  tick: 24,
  legend: 24,
  maxCategoryTicks: 8,
  maxValueTicks: 5,
}

const titles = (title: string, subtitle: string | undefined, st: ChartStyle) => ({
  title: {
    display: true,
    text: title,
    font: { size: st.title, weight: 'bold' as const },
    padding: { top: 4, bottom: subtitle ? 2 : 10 },
  },
  subtitle: {
    display: !!subtitle,
    text: subtitle ?? '',
    font: { size: st.subtitle },
    color: '#666',
    padding: { bottom: 10 },
  },
})

/** Writes each bar's value at its end (horizontal bars), so nobody has to read it off the axis. */
const valueLabels = (size: number): Plugin => ({
  id: 'andyValueLabels',
  afterDatasetsDraw(chart) {
    const { ctx } = chart
    const meta = chart.getDatasetMeta(0)
    const values = chart.data.datasets[0]?.data ?? []
    ctx.save()
    ctx.font = `${size}px "${CHART_FONT}"`
    ctx.fillStyle = '#333'
    ctx.textBaseline = 'middle'
    meta.data.forEach((bar, i) => {
      const { x, y } = bar.getProps(['x', 'y'], true) as { x: number; y: number }
      ctx.fillText(String(values[i] ?? ''), x + 8, y)
    })
    ctx.restore()
  },
})

/** Stacked bars: one bar per label, one colour per series. */
export function stackedBarChart(
  title: string,
  data: StackedSeries,
  o: { yTitle?: string; subtitle?: string; style?: ChartStyle } = {},
): Canvas {
  const st = o.style ?? DESKTOP_STYLE
  return drawChart(
    {
      type: 'bar',
      data: {
        labels: data.labels,
        datasets: data.series.map((s, i) => ({
          label: s.name,
          data: s.values,
          backgroundColor: PALETTE[i % PALETTE.length],
          borderWidth: 0,
        })),
      },
      options: {
        plugins: {
          ...titles(title, o.subtitle, st),
          legend: {
            position: 'bottom',
            labels: { font: { size: st.legend }, boxWidth: st.legend, padding: Math.round(st.legend * 0.6) },
          },
        },
        scales: {
          x: {
            stacked: true,
            grid: { display: false },
            ticks: { maxRotation: 0, autoSkip: true, maxTicksLimit: st.maxCategoryTicks, font: { size: st.tick } },
          },
          y: {
            stacked: true,
            beginAtZero: true,
            ticks: { precision: 0, maxTicksLimit: st.maxValueTicks, font: { size: st.tick } },
            title: { display: !!o.yTitle, text: o.yTitle ?? '', font: { size: st.tick } },
          },
        },
      },
    },
    st.width,
    st.height,
  )
}

/** Keeps a trailing "（…4711）" (what tells two people with one nickname apart) when a label is shortened. */
function shorten(label: string, max: number): string {
  if (label.length <= max) return label
  const tail = /（[^（）]*）$/.exec(label)?.[0] ?? ''
  return `${label.slice(0, Math.max(1, max - tail.length - 1))}…${tail}`
}

/** Horizontal bars, largest first (top users, intents, departments). */
export function rankingChart(
  title: string,
  items: Array<{ label: string; value: number }>,
  o: { color?: string; xTitle?: string; height?: number; subtitle?: string; style?: ChartStyle; values?: boolean } = {},
): Canvas {
  const st = o.style ?? DESKTOP_STYLE
  const max = Math.max(0, ...items.map((i) => i.value))
  return drawChart(
    {
      type: 'bar',
      data: {
        labels: items.map((i) => shorten(i.label, 16)),
        datasets: [
          {
            label: o.xTitle ?? '',
            data: items.map((i) => i.value),
            backgroundColor: o.color ?? PALETTE[0],
            borderWidth: 0,
          },
        ],
      },
      options: {
        indexAxis: 'y',
        layout: { padding: { top: 12, left: 12, bottom: 12, right: o.values ? 24 : 12 } },
        plugins: { ...titles(title, o.subtitle, st), legend: { display: false } },
        scales: {
          x: {
            beginAtZero: true,
            suggestedMax: o.values ? Math.ceil(max * 1.15) : undefined,
            // With the values written on the bars the axis labels would only repeat them.
            ticks: { display: !o.values, precision: 0, maxTicksLimit: st.maxValueTicks, font: { size: st.tick } },
            title: { display: !!o.xTitle, text: o.xTitle ?? '', font: { size: st.tick } },
          },
          y: { grid: { display: false }, ticks: { autoSkip: false, font: { size: st.tick } } },
        },
      },
      plugins: o.values ? [valueLabels(st.tick)] : [],
    },
    st.width,
    o.height ?? st.height,
  )
}

/** Stacks canvases vertically into one picture (one upload, one message: DingTalk API calls are metered). */
export function stackVertically(parts: readonly Canvas[]): Canvas {
  const width = Math.max(...parts.map((p) => p.width))
  const height = parts.reduce((s, p) => s + p.height, 0)
  const out = createCanvas(width, height)
  const ctx = out.getContext('2d')
  ctx.fillStyle = '#ffffff'
  ctx.fillRect(0, 0, width, height)
  let y = 0
  for (const p of parts) {
    ctx.drawImage(p, 0, y)
    y += p.height
  }
  return out
}
