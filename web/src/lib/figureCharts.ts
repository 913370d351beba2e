// The charts of the region's figures (评议考核) on 监督台: which bodies each chart shows, in
// which order, its series and which figure a bar links to. Pure data, so it is tested without a
// browser; `components/figures/FiguresCharts.vue` turns it into ECharts options.
import type { BodyFigures, LinkedFigure } from './regionFigures'

/** The charts the desk draws. */
export const FIGURE_CHARTS = ['overdue', 'acknowledgement', 'rectification'] as const
export type FigureChartKind = (typeof FIGURE_CHARTS)[number]

/** One series of a chart: its i18n key, a value per body, and the figure its bars link to. */
export interface ChartSeries {
  key: string
  values: number[]
  link: LinkedFigure
  color: string
}

/** A horizontal bar chart: one category per body (its name), a series or a stack of them. */
export interface ChartData {
  kind: FigureChartKind
  names: string[]
  orgIds: string[]
  series: ChartSeries[]
  /** Stacked series (parts of a whole), or one measure. */
  stacked: boolean
  /** Values are percentages. */
  percent: boolean
}

const RED = '#c45656'
const GREEN = '#529b2e'
const BLUE = '#1f4e9e'

/** Sorted by `key` (largest first), then by name, so the worst stands on top. */
function ranked(bodies: BodyFigures[], key: (b: BodyFigures) => number): BodyFigures[] {
  return [...bodies].sort((a, b) => key(b) - key(a) || a.org_name.localeCompare(b.org_name, 'zh-CN'))
}

function chart(kind: FigureChartKind, shown: BodyFigures[], series: Omit<ChartSeries, 'values'>[], values: ((b: BodyFigures) => number)[], percent = false): ChartData {
  return {
    kind,
    names: shown.map((b) => b.org_name),
    orgIds: shown.map((b) => b.org_id),
    series: series.map((s, i) => ({ ...s, values: shown.map(values[i]) })),
    stacked: series.length > 1,
    percent,
  }
}

/** 任务超期率: the bodies that were assigned tasks, highest overdue rate first; a bar opens the
 * body's overdue tasks. */
export function overdueChart(bodies: BodyFigures[]): ChartData {
  const shown = ranked(bodies.filter((b) => b.tasks_assigned > 0), (b) => b.tasks_overdue_rate ?? 0)
  return chart('overdue', shown, [{ key: 'overdueRate', link: 'tasks_overdue', color: RED }], [(b) => b.tasks_overdue_rate ?? 0], true)
}

/** 通报签收: the bodies that had notices to sign for, most late first: signed on time and late,
 * stacked; each part opens its notices. */
export function acknowledgementChart(bodies: BodyFigures[]): ChartData {
  const shown = ranked(bodies.filter((b) => b.notices_to_acknowledge > 0), (b) => b.notices_unacknowledged_late)
  return chart(
    'acknowledgement',
    shown,
    [
      { key: 'acknowledgedOnTime', link: 'notices_to_acknowledge', color: GREEN },
      { key: 'unacknowledgedLate', link: 'notices_unacknowledged_late', color: RED },
    ],
    [(b) => b.notices_to_acknowledge - b.notices_unacknowledged_late, (b) => b.notices_unacknowledged_late],
  )
}

/** 监督文书整改: the bodies supervision documents were issued to, most first: rectified on time
 * and the rest (late or not yet accepted), stacked; each part opens the body's documents. */
export function rectificationChart(bodies: BodyFigures[]): ChartData {
  const shown = ranked(bodies.filter((b) => b.supervision_documents > 0), (b) => b.supervision_documents)
  return chart(
    'rectification',
    shown,
    [
      { key: 'rectifiedOnTime', link: 'rectified_on_time', color: GREEN },
      { key: 'notRectifiedOnTime', link: 'supervision_documents', color: BLUE },
    ],
    [(b) => b.rectified_on_time, (b) => b.supervision_documents - b.rectified_on_time],
  )
}

/** Every chart of the desk, in order. */
export function figureCharts(bodies: BodyFigures[]): ChartData[] {
  return [overdueChart(bodies), acknowledgementChart(bodies), rectificationChart(bodies)]
}

/** A chart's height in pixels: room for each body's bar and the axis, at least 160. */
export function chartHeight(data: ChartData): number {
  return Math.max(160, 56 + 30 * data.names.length)
}

/** The figure and body a clicked bar stands for (ECharts gives the series and the category). */
export function barTarget(data: ChartData, seriesIndex: number, dataIndex: number): { figure: LinkedFigure; org: string } | null {
  const series = data.series[seriesIndex]
  const org = data.orgIds[dataIndex]
  return series && org ? { figure: series.link, org } : null
}
