import { dirname, join } from 'node:path'
import { createRequire } from 'node:module'
import { createCanvas, GlobalFonts, type Canvas } from '@napi-rs/canvas'
import { Chart, registerables, type ChartConfiguration, type ChartItem, type Plugin } from 'chart.js'

/**
 * Server-side charts: Chart.js 4 drawing on @napi-rs/canvas (Skia, prebuilt binary shipped inside the
 * npm package — no browser, no download at install) with Noto Sans SC from @embedpdf/fonts-sc, so
 * Chinese labels render. Chart.js measures text with the real font, so CJK labels do not overlap.
 * Fonts are registered on first use (no I/O at import).
 */

export const CHART_FONT = 'Noto Sans SC'
export const CHART_WIDTH = 960
export const CHART_HEIGHT = 540

/** Tableau 10: distinguishable, print-safe. */
export const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac']

let ready = false

/** Registers Chart.js parts and the CJK font once. */
export function ensureChartSetup(): void {
  if (ready) return
  const require = createRequire(import.meta.url)
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
  const canvas = createCanvas(width, height)
  const ctx = canvas.getContext('2d')
  const chart = new Chart(ctx as unknown as ChartItem, {
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

/** Stacked bars: one bar per label, one colour per series. */
export function stackedBarChart(title: string, data: StackedSeries, o: { yTitle?: string } = {}): Canvas {
  return drawChart({
    type: 'bar',
    data: {
      labels: data.labels,
      datasets: data.series.map((s, i) => ({ label: s.name, data: s.values, backgroundColor: PALETTE[i % PALETTE.length], borderWidth: 0 })),
    },
    options: {
      plugins: { title: { display: true, text: title, font: { size: 18, weight: 'bold' } }, legend: { position: 'bottom' } },
      scales: {
        x: { stacked: true, grid: { display: false }, ticks: { maxRotation: 0, autoSkip: true } },
        y: { stacked: true, beginAtZero: true, ticks: { precision: 0 }, title: { display: !!o.yTitle, text: o.yTitle ?? '' } },
      },
    },
  })
}

/** Horizontal bars, largest first (top users, intents, departments). */
export function rankingChart(title: string, items: Array<{ label: string; value: number }>, o: { color?: string; xTitle?: string; height?: number } = {}): Canvas {
  return drawChart(
    {
      type: 'bar',
      data: {
        labels: items.map((i) => (i.label.length > 16 ? `${i.label.slice(0, 15)}…` : i.label)),
        datasets: [{ label: o.xTitle ?? '', data: items.map((i) => i.value), backgroundColor: o.color ?? PALETTE[0], borderWidth: 0 }],
      },
      options: {
        indexAxis: 'y',
        plugins: { title: { display: true, text: title, font: { size: 18, weight: 'bold' } }, legend: { display: false } },
        scales: {
          x: { beginAtZero: true, ticks: { precision: 0 }, title: { display: !!o.xTitle, text: o.xTitle ?? '' } },
          y: { grid: { display: false } },
        },
      },
    },
    CHART_WIDTH,
    o.height ?? CHART_HEIGHT,
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
