import { describe, expect, it } from 'vitest'
import {
  days, emptySuggestion, mayReadStats, maySuggest, periodValid, referralStatsCsvUrl, regionBlocks, regionsUnder, statsQuery,
  suggestionBody, suggestionTargets, validateSuggestion, type ReferralStatsRow, type RegionNode,
} from './referralSupervision'

const node = (code: string, name_zh: string, children: RegionNode[] = []): RegionNode => ({
  code, name_zh, name_en: null, level: 'county', parent: null, children,
})
/** 浙江省 > 杭州市 > (上城区 > 湖滨街道, 西湖区); 宁波市 beside 杭州市. */
const TREE = [
  node('330000', '浙江省', [
    node('330100', '杭州市', [node('330102', '上城区', [node('330102001', '湖滨街道')]), node('330106', '西湖区')]),
    node('330200', '宁波市'),
  ]),
]

describe('who sees what', () => {
  it('shows the statistics to a judicial bureau and a procuratorate alone, as the server\'s policy does', () => {
    expect(mayReadStats('judicial_bureau')).toBe(true)
    expect(mayReadStats('procuratorate')).toBe(true)
    for (const kind of ['enforcement_department', 'township_government', 'public_security', 'discipline_inspection', '', null, undefined]) {
      expect(mayReadStats(kind)).toBe(false)
    }
  })

  it('lets a procuratorate alone suggest a referral', () => {
    expect(maySuggest('procuratorate')).toBe(true)
    for (const kind of ['judicial_bureau', 'enforcement_department', 'public_security', null]) expect(maySuggest(kind)).toBe(false)
  })
})

describe('the regions a body may choose', () => {
  it('are its own region and every region below it, parents first, with their depth', () => {
    const under = regionsUnder(TREE, '330100').map(({ region, depth }) => [region.code, depth])
    expect(under).toEqual([['330100', 0], ['330102', 1], ['330102001', 2], ['330106', 1]])
  })

  it('are none for a region the tree does not hold, or no region', () => {
    expect(regionsUnder(TREE, '999999')).toEqual([])
    expect(regionsUnder(TREE, null)).toEqual([])
  })
})

describe('the bodies a suggestion may go to', () => {
  const org = (id: string, kind: string, region: string, name_zh = id) => ({ id, kind, region, name_zh })
  const ORGS = [
    org('market', 'enforcement_department', '330102', '上城区市场监督管理局'),
    org('township', 'township_government', '330102001', '湖滨街道办事处'),
    org('police', 'public_security', '330102'),
    org('bureau', 'judicial_bureau', '330102'),
    org('west-market', 'enforcement_department', '330106', '西湖区市场监督管理局'),
    org('city-market', 'enforcement_department', '330100', '杭州市市场监督管理局'),
  ]

  it('are the enforcement departments and township governments of the procuratorate\'s region and below', () => {
    const ids = suggestionTargets(ORGS, TREE, '330102').map((o) => o.id)
    expect(ids.sort()).toEqual(['market', 'township'])
  })

  it('reach every county of a city procuratorate, never a sibling\'s or a higher region\'s body', () => {
    expect(suggestionTargets(ORGS, TREE, '330100').map((o) => o.id).sort()).toEqual(['city-market', 'market', 'township', 'west-market'])
    expect(suggestionTargets(ORGS, TREE, '330106').map((o) => o.id)).toEqual(['west-market'])
  })
})

describe('the statistics', () => {
  it('ask for the period and, when chosen, the region; the CSV at the same query', () => {
    expect(statsQuery('2026-01-01', '2026-12-31')).toBe('from=2026-01-01&to=2026-12-31')
    expect(statsQuery('2026-01-01', '2026-12-31', '330102')).toBe('from=2026-01-01&to=2026-12-31&region=330102')
    expect(referralStatsCsvUrl('2026-01-01', '2026-06-30', '330102')).toBe('/api/referrals/stats.csv?from=2026-01-01&to=2026-06-30&region=330102')
  })

  it('take a period of two dates in order only', () => {
    expect(periodValid('2026-01-01', '2026-12-31')).toBe(true)
    expect(periodValid('2026-03-01', '2026-03-01')).toBe(true)
    expect(periodValid('2026-12-31', '2026-01-01')).toBe(false)
    expect(periodValid('', '2026-01-01')).toBe(false)
  })

  it('show a median with one decimal at most, and a dash when nothing was counted', () => {
    expect(days(2)).toBe('2')
    expect(days(1.5)).toBe('1.5')
    expect(days(1.25)).toBe('1.3')
    expect(days(null)).toBe('—')
    expect(days(undefined)).toBe('—')
  })

  const tally = { referred: 0, received: 0, received_on_time: 0, decided_on_time: 0, accepted: 0, not_accepted: 0, returned: 0, withdrawn: 0, open: 0, overdue: 0 }
  const row = (scope: ReferralStatsRow['scope'], region: string, kind: ReferralStatsRow['kind']): ReferralStatsRow => ({
    ...tally, scope, region, region_name: region, kind, kind_label_zh: kind ?? '全部',
  })

  it('group the rows by region in the server\'s order, every kind together first', () => {
    const rows = [
      row('child', '330102001', null), row('child', '330102001', 'jurisdiction'), row('child', '330102001', 'criminal'),
      row('own', '330102', null), row('own', '330102', 'jurisdiction'), row('own', '330102', 'criminal'),
      row('total', '330102', null), row('total', '330102', 'jurisdiction'), row('total', '330102', 'criminal'),
    ]
    const blocks = regionBlocks({ rows, kinds: ['jurisdiction', 'criminal'] })
    expect(blocks.map((b) => [b.scope, b.region, b.rows.map((r) => r.kind ?? 'all')])).toEqual([
      ['child', '330102001', ['all', 'jurisdiction', 'criminal']],
      ['own', '330102', ['all', 'jurisdiction', 'criminal']],
      ['total', '330102', ['all', 'jurisdiction', 'criminal']],
    ])
  })

  it('leave out the all-kinds row when one kind alone is counted (a procuratorate\'s table)', () => {
    const rows = [row('own', '330102', null), row('own', '330102', 'criminal'), row('total', '330102', null), row('total', '330102', 'criminal')]
    const blocks = regionBlocks({ rows, kinds: ['criminal'] })
    expect(blocks.map((b) => [b.scope, b.rows.map((r) => r.kind)])).toEqual([['own', ['criminal']], ['total', ['criminal']]])
  })
})

describe('the suggestion form', () => {
  const filled = () => ({ org_id: 'market', case_name: ' 销售假冒注册商标食品案 ', case_number: '', reason: ' 货值金额逾十五万元。 ' })

  it('asks for the body, the case name and the reasons', () => {
    expect(validateSuggestion(emptySuggestion())).toEqual(['org', 'caseName', 'reason'])
    expect(validateSuggestion(filled())).toEqual([])
  })

  it('refuses a case name or number on two lines or too long, as the server would', () => {
    expect(validateSuggestion({ ...filled(), case_name: '甲\n乙' })).toEqual(['caseNameShape'])
    expect(validateSuggestion({ ...filled(), case_name: '案'.repeat(201) })).toEqual(['caseNameShape'])
    expect(validateSuggestion({ ...filled(), case_name: '案'.repeat(200) })).toEqual([])
    expect(validateSuggestion({ ...filled(), case_number: '1\n2' })).toEqual(['caseNumber'])
    expect(validateSuggestion({ ...filled(), reason: '由'.repeat(20_001) })).toEqual(['reasonLength'])
  })

  it('sends the trimmed words, the case number only when given', () => {
    expect(suggestionBody(filled())).toEqual({ org_id: 'market', case_name: '销售假冒注册商标食品案', reason: '货值金额逾十五万元。' })
    expect(suggestionBody({ ...filled(), case_number: ' 上市监立〔2026〕7号 ' }).case_number).toBe('上市监立〔2026〕7号')
  })
})
