import { describe, expect, it } from 'vitest'
import { caseCommandBody, searchQuery } from './library'

describe('the case library', () => {
  it('asks only for the parts of a search given', () => {
    expect(searchQuery({})).toBe('')
    expect(searchQuery({ q: ' 许可证 ', field: '', case_kind: 'licensing', legal_basis: '  ' })).toBe('?q=%E8%AE%B8%E5%8F%AF%E8%AF%81&case_kind=licensing')
  })

  it('sends a reason with sending back and withdrawing, the public mark with publishing', () => {
    expect(caseCommandBody('submit', 3, 'ignored', true)).toEqual({ body: { command: 'submit', revision: 3 } })
    expect(caseCommandBody('publish', 3, '', false)).toEqual({ body: { command: 'publish', revision: 3, public: false } })
    expect(caseCommandBody('send_back', 3, '  ', true)).toEqual({ error: 'library.reasonRequired' })
    expect(caseCommandBody('withdraw', 3, ' 法条已修订 ', true)).toEqual({ body: { command: 'withdraw', revision: 3, reason: '法条已修订' } })
  })
})
