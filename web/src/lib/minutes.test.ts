import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import {
  addAgreed, agreedArray, agreedProblems, incompleteAgreed, isIsoDate, isoDateIn, presenceFrom, readAgreed,
  removeAgreed, setAgreedField,
} from './minutes'

describe('agreed items', () => {
  it('are Y.Maps with exactly the keys the schema allows', () => {
    const doc = new Y.Doc()
    const id = addAgreed(doc, { text: '完成整改', org_id: 'org-market', deadline: '2026-06-30' })
    const entry = agreedArray(doc).get(0)
    expect(entry).toBeInstanceOf(Y.Map)
    expect([...entry.keys()].sort()).toEqual(['deadline', 'id', 'org_id', 'text'])
    expect(readAgreed(doc)).toEqual([{ id, text: '完成整改', org_id: 'org-market', deadline: '2026-06-30' }])
  })

  it('edits and removes by id, and merges edits from two documents', () => {
    const a = new Y.Doc()
    const b = new Y.Doc()
    a.on('update', (u: Uint8Array) => Y.applyUpdate(b, u, 'remote'))
    b.on('update', (u: Uint8Array, origin: unknown) => origin !== 'remote' && Y.applyUpdate(a, u, 'remote'))
    const first = addAgreed(a, { text: '一' })
    const second = addAgreed(b, { text: '二' })
    expect(setAgreedField(b, first, 'org_id', 'org-police')).toBe(true)
    expect(setAgreedField(b, first, 'org_id', 'org-police')).toBe(false)
    expect(readAgreed(a).map((i) => i.org_id)).toEqual(['org-police', ''])
    expect(removeAgreed(a, second)).toBe(true)
    expect(removeAgreed(a, second)).toBe(false)
    expect(readAgreed(b).map((i) => i.text)).toEqual(['一'])
  })

  it('names what an incomplete item lacks', () => {
    expect(agreedProblems({ id: 'x', text: ' ', org_id: '', deadline: '2026-02-30' })).toEqual(['text', 'org_id', 'deadline'])
    expect(agreedProblems({ id: 'x', text: '整改', org_id: 'o', deadline: '2028-02-29' })).toEqual([])
    expect(incompleteAgreed([
      { id: 'a', text: '整改', org_id: 'o', deadline: '2026-01-31' },
      { id: 'b', text: '', org_id: 'o', deadline: '2026-01-31' },
    ])).toEqual([2])
  })

  it('accepts only existing dates written YYYY-MM-DD', () => {
    expect(isIsoDate('2026-06-30')).toBe(true)
    expect(isIsoDate('2026-6-30')).toBe(false)
    expect(isIsoDate('2026-13-01')).toBe(false)
    expect(isIsoDate('2027-02-29')).toBe(false)
    expect(isoDateIn(30, new Date(2026, 0, 15))).toBe('2026-02-14')
  })
})

describe('presence', () => {
  it('lists each person once, self first, from the server-written user', () => {
    const states = new Map<number, Record<string, unknown>>([
      [1, { user: { id: 'u-li', name: '李华', org: 'org-market', color: '#123456' } }],
      [2, { user: { id: 'u-zhang', name: '张明', org: 'org-bureau' } }],
      [3, { user: { id: 'u-li', name: '李华', org: 'org-market' } }],
      [4, { cursor: null }],
    ])
    const list = presenceFrom(states, 2)
    expect(list.map((p) => [p.name, p.orgId, p.self])).toEqual([
      ['张明', 'org-bureau', true],
      ['李华', 'org-market', false],
    ])
    expect(list[1]!.colour).toMatch(/^#/)
    // Our own local state carries no server-written identity: it comes from the session.
    const own = presenceFrom(new Map([[7, { user: { name: '张明', color: '#000' } }]]), 7, { id: 'u-zhang', orgId: 'org-bureau' })
    expect(own).toMatchObject([{ userId: 'u-zhang', orgId: 'org-bureau', self: true }])
  })
})
