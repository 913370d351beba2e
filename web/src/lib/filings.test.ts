import { describe, expect, it } from 'vitest'
import { allowedCommands, createBody, mayFile, mayPlan, reportYear } from './filings'

describe('filings', () => {
  it('names a year only for an annual report', () => {
    expect(createBody('annual_report', 2026, '年度报告', '正文')).toEqual({ kind: 'annual_report', year: 2026, title: '年度报告', text: '正文' })
    expect(createBody('inspection_result', 2026, '检查结果', '正文')).toEqual({ kind: 'inspection_result', title: '检查结果', text: '正文' })
  })

  it('files as an enforcement body and plans as a bureau', () => {
    expect(mayFile({ kind: 'township_government' })).toBe(true)
    expect(mayFile({ kind: 'public_security' })).toBe(false)
    expect(mayPlan({ kind: 'judicial_bureau' })).toBe(true)
    expect(mayPlan(null)).toBe(false)
  })

  it('counts the year in Beijing time', () => {
    expect(reportYear(Date.UTC(2026, 11, 31, 16, 30))).toBe(2027)
    expect(reportYear(Date.UTC(2026, 11, 31, 15, 59))).toBe(2026)
  })

  it('shows the allowed commands only', () => {
    const offers = [
      { command: 'acknowledge', label_zh: '签收', label_en: 'Acknowledge', allowed: true, rule_zh: null, rule_en: null, rule_code: null },
      { command: 'refile', label_zh: '重新报备', label_en: 'File again', allowed: false, rule_zh: '只有报备单位', rule_en: 'only', rule_code: 'filing.by_the_body' },
    ]
    expect(allowedCommands(offers).map((o) => o.command)).toEqual(['acknowledge'])
  })
})
