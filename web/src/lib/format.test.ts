import { afterEach, describe, expect, it } from 'vitest'
import { i18n } from '../i18n'
import { formatDate, formatDateTime, formatDay, formatSpan } from './format'

// 2026-12-08 09:30 in Beijing is 01:30 UTC.
const MEETING = Date.UTC(2026, 11, 8, 1, 30)

describe('dates and times', () => {
  afterEach(() => {
    i18n.global.locale.value = 'zh-CN'
  })

  it('writes Beijing time the Chinese way, whatever the browser zone', () => {
    i18n.global.locale.value = 'zh-CN'
    expect(formatDateTime(MEETING)).toBe('2026年12月8日 9:30')
    expect(formatDate(MEETING)).toBe('2026年12月8日')
    expect(formatSpan(MEETING, MEETING + 90 * 60_000)).toBe('2026年12月8日 9:30—11:00')
    expect(formatDateTime(null)).toBe('—')
  })

  it('shows a working-day deadline on its last day at 23:59, never 00:00 of the next', () => {
    // The server's end of Friday 18 December 2026: its last millisecond in Beijing.
    const endOfFriday = Date.UTC(2026, 11, 18, 16, 0) - 1
    expect(formatDateTime(endOfFriday)).toBe('2026年12月18日 23:59')
  })

  it('writes English dates in English, still in Beijing time', () => {
    i18n.global.locale.value = 'en'
    expect(formatDateTime(MEETING)).toBe('8 Dec 2026, 9:30')
    expect(formatDay('2027-03-01')).toBe('1 Mar 2027')
  })

  it('writes a calendar day the Chinese way, and anything else as given', () => {
    i18n.global.locale.value = 'zh-CN'
    expect(formatDay('2027-03-01')).toBe('2027年3月1日')
    expect(formatDay('下月')).toBe('下月')
    expect(formatDay(null)).toBe('—')
  })
})
