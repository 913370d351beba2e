// Dates and times in the reader's language. Times are stored as Unix milliseconds; they are
// shown in the browser's time zone (for these users, China Standard Time).
import { i18n } from '../i18n'

function locale(): string {
  return i18n.global.locale.value
}

export function formatDateTime(ms: number | null | undefined): string {
  if (ms == null) return '—'
  return new Intl.DateTimeFormat(locale(), {
    year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
  }).format(new Date(ms))
}

export function formatDate(ms: number | null | undefined): string {
  if (ms == null) return '—'
  return new Intl.DateTimeFormat(locale(), { year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(ms))
}
