// Dates and times in the reader's language. Times are stored as Unix milliseconds and shown in
// Beijing time (Asia/Shanghai) whatever the browser's own zone, the way the bodies using this
// write them: `2026年12月8日 9:30` in Chinese, `8 Dec 2026, 9:30` in English.
//
// Deadlines: a limit of days (calendar or working days) ends at 24:00 of its last day, which
// the server stores as the last millisecond of that day, so a deadline always shows its last
// day itself at 23:59 (never 00:00 of the next day); `tasks.create.deadlineRule` says so where a
// limit in working days is set.
import { i18n } from '../i18n'

/** The time zone every date and time is shown in. */
export const OFFICE_TIME_ZONE = 'Asia/Shanghai'

function locale(): string {
  return i18n.global.locale.value
}

/** The Beijing-time parts of an instant. */
export function beijingParts(ms: number): { year: number; month: number; day: number; hour: number; minute: number } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: OFFICE_TIME_ZONE, year: 'numeric', month: 'numeric', day: 'numeric',
    hour: 'numeric', minute: 'numeric', hourCycle: 'h23',
  }).formatToParts(new Date(ms))
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0)
  return { year: get('year'), month: get('month'), day: get('day'), hour: get('hour') % 24, minute: get('minute') }
}

const pad = (n: number) => String(n).padStart(2, '0')
const MONTHS_EN = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

function dateText(p: ReturnType<typeof beijingParts>, lang: string): string {
  return lang.startsWith('zh') ? `${p.year}年${p.month}月${p.day}日` : `${p.day} ${MONTHS_EN[p.month - 1]} ${p.year}`
}

/** `2026年12月8日 9:30` (Beijing time); `—` when there is none. */
export function formatDateTime(ms: number | null | undefined): string {
  if (ms == null) return '—'
  const p = beijingParts(ms)
  const lang = locale()
  return `${dateText(p, lang)}${lang.startsWith('zh') ? ' ' : ', '}${p.hour}:${pad(p.minute)}`
}

/** `2026年12月8日` (Beijing time); `—` when there is none. */
export function formatDate(ms: number | null | undefined): string {
  if (ms == null) return '—'
  return dateText(beijingParts(ms), locale())
}

/** A calendar day given as `2026-12-08`: `2026年12月8日` (`8 Dec 2026` in English); as given when it is not one. */
export function formatDay(ymd: string | null | undefined): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(ymd ?? '')
  if (!m) return ymd || '—'
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])]
  return locale().startsWith('zh') ? `${year}年${month}月${day}日` : `${day} ${MONTHS_EN[month - 1]} ${year}`
}

/** From `start` to `end`: `2026年12月8日 9:30—11:00`, the second day written only when it differs. */
export function formatSpan(start: number | null | undefined, end: number | null | undefined): string {
  if (start == null) return '—'
  if (end == null) return formatDateTime(start)
  const a = beijingParts(start)
  const b = beijingParts(end)
  const sameDay = a.year === b.year && a.month === b.month && a.day === b.day
  return `${formatDateTime(start)}—${sameDay ? `${b.hour}:${pad(b.minute)}` : formatDateTime(end)}`
}
