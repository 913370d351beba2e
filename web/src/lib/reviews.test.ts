import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { commandBody, eventIsAbout, mayNameReviewers, organiserOf, planBodies, preview, readMarks, setComment, setCount, writesSheet, type Sheet } from './reviews'

const sheet: Sheet = {
  name: '测试评查表',
  version: 1,
  excellent: 90,
  pass: 60,
  groups: [
    {
      name: '执法主体',
      items: [
        { id: 'subject.lawful', text: '主体合法', points: 10, veto: true, deductions: [{ id: 'subject.unlawful', text: '主体不合法', points: 10 }] },
      ],
    },
    {
      name: '执法程序',
      items: [
        {
          id: 'procedure.lawful', text: '程序合法', points: 90, veto: false,
          deductions: [{ id: 'procedure.signature', text: '未签名', points: 2 }, { id: 'procedure.late', text: '送达超期', points: 2.5 }],
        },
      ],
    },
  ],
}

describe('reviews', () => {
  it('previews a score with each item capped at its points, in exact tenths', () => {
    expect(preview(sheet, {})).toMatchObject({ total: 100, outOf: 100, grade: 'excellent' })
    expect(preview(sheet, { 'procedure.late': 3 })).toMatchObject({ total: 92.5, grade: 'excellent' })
    expect(preview(sheet, { 'procedure.late': 1, 'procedure.signature': 3 })).toMatchObject({ total: 91.5 })
    // 50 × 2 = 100 would exceed the item's 90.
    const capped = preview(sheet, { 'procedure.signature': 50 })
    expect(capped.deducted['procedure.lawful']).toBe(90)
    expect(capped).toMatchObject({ total: 10, grade: 'fail' })
    // A veto item fails the file whatever it totals.
    expect(preview(sheet, { 'subject.unlawful': 1 })).toMatchObject({ total: 90, grade: 'fail' })
  })

  it('reads and writes marks in the two maps the server reads', () => {
    const doc = new Y.Doc()
    setCount(doc, 'procedure.signature', 2.4)
    setCount(doc, 'procedure.late', -3)
    setComment(doc, 'procedure.lawful', '两处未签名')
    expect(readMarks(doc)).toEqual({
      counts: { 'procedure.signature': 2, 'procedure.late': 0 },
      comments: { 'procedure.lawful': '两处未签名' },
    })
    expect(doc.getMap('deductions').get('procedure.signature')).toBe(2)
  })

  it('asks for reasons before withdrawing', () => {
    expect(commandBody('draw', 3, '')).toEqual({ body: { command: 'draw', revision: 3 } })
    expect(commandBody('withdraw', 3, ' ')).toEqual({ error: 'reviews.dialog.reasonRequired' })
    expect(commandBody('withdraw', 3, '重复')).toEqual({ body: { command: 'withdraw', revision: 3, reason: '重复' } })
  })

  it('knows the events about a review', () => {
    expect(eventIsAbout({ subject: 'review:r1' }, 'r1')).toBe(true)
    expect(eventIsAbout({ subject: 'task:t', payload: { review_id: 'r1' } }, 'r1')).toBe(true)
    expect(eventIsAbout({ subject: 'review:r2' }, 'r1')).toBe(false)
  })

  it('offers naming reviewers to the reviewing body\'s admin, and the sheet to the named people alone once any are', () => {
    const file = { state: 'scoring' as const, reviewer_org_id: 'market', reviewers: [] as { user_id: string; name: string }[] }
    expect(mayNameReviewers(file, { org_id: 'market', org_role: 'admin' })).toBe(true)
    expect(mayNameReviewers(file, { org_id: 'market', org_role: 'member' })).toBe(false)
    expect(mayNameReviewers(file, { org_id: 'township', org_role: 'admin' })).toBe(false)
    expect(mayNameReviewers({ ...file, state: 'submitted' }, { org_id: 'market', org_role: 'admin' })).toBe(false)
    expect(writesSheet(file, 'market', 'u1')).toBe(true)
    const named = { ...file, reviewers: [{ user_id: 'u2', name: '李四' }] }
    expect(writesSheet(named, 'market', 'u1')).toBe(false)
    expect(writesSheet(named, 'market', 'u2')).toBe(true)
    expect(writesSheet(named, 'township', 'u2')).toBe(false)
  })
})

describe('the bodies a plan offers', () => {
  const org = (id: string, kind: string, parent_id: string | null = null) => ({ id, name_zh: id, kind, parent_id })
  const orgs = [
    org('bureau', 'judicial_bureau'),
    org('city-bureau', 'judicial_bureau'),
    org('market', 'enforcement_department'),
    org('squad', 'other', 'market'),
    org('station', 'other', 'squad'),
    org('township', 'township_government'),
    org('ecology', 'enforcement_department'),
    org('ecology-squad', 'other', 'ecology'),
  ]
  const ids = (list: { id: string }[]) => list.map((o) => o.id)

  it('are every body but bureaus for a bureau, and a department its own field at any depth', () => {
    expect(ids(planBodies(orgs, { id: 'bureau', kind: 'judicial_bureau' }))).toEqual(['market', 'squad', 'station', 'township', 'ecology', 'ecology-squad'])
    expect(ids(planBodies(orgs, { id: 'market', kind: 'enforcement_department' }))).toEqual(['market', 'squad', 'station'])
    expect(ids(planBodies(orgs, { id: 'township', kind: 'township_government' }))).toEqual([])
    expect(planBodies(orgs, null)).toEqual([])
  })

  it('come from bureaus and enforcement departments alone', () => {
    expect(organiserOf('judicial_bureau')).toBe('bureau')
    expect(organiserOf('enforcement_department')).toBe('department')
    expect(organiserOf('township_government')).toBeNull()
    expect(organiserOf(undefined)).toBeNull()
  })
})
