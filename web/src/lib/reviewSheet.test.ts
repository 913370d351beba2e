import { describe, expect, it } from 'vitest'
import { addItem, copySheet, mayRemoveItem, removeItem, sheetChanged, sheetTotals } from './reviewSheet'
import type { Sheet } from './reviews'

const shipped: Sheet = {
  name: '测试评查表',
  version: 1,
  excellent: 90,
  pass: 60,
  groups: [
    {
      name: '执法主体',
      items: [
        { id: 'subject.lawful', text: '主体合法', points: 10, veto: true, deductions: [{ id: 'subject.unlawful', text: '主体不合法', points: 10 }] },
        { id: 'subject.officers', text: '执法人员', points: 5, veto: false, deductions: [{ id: 'subject.no_certificate', text: '无证', points: 5 }] },
      ],
    },
    {
      name: '执法程序',
      items: [{ id: 'procedure.lawful', text: '程序合法', points: 85, veto: false, deductions: [{ id: 'procedure.late', text: '送达超期', points: 2.5 }] }],
    },
  ],
}

describe('reviewSheet', () => {
  it('adds up the sheet and each group in exact tenths', () => {
    const sheet = copySheet(shipped)
    sheet.groups[0].items[1].points = 2.1
    sheet.groups[1].items[0].points = 0.2
    expect(sheetTotals(sheet)).toEqual({ total: 12.3, groups: [12.1, 0.2] })
  })

  it('edits a copy that shares nothing with the sheet it came from', () => {
    const sheet = copySheet(shipped)
    expect(sheetChanged(sheet, shipped)).toBe(false)
    sheet.groups[0].items[0].deductions[0].points = 3
    expect(shipped.groups[0].items[0].deductions[0].points).toBe(10)
    expect(sheetChanged(sheet, shipped)).toBe(true)
  })

  it('adds items under ids new to the sheet, named after their group', () => {
    const sheet = copySheet(shipped)
    const first = addItem(sheet, 0)
    const second = addItem(sheet, 0, 2.5)
    expect(first.id).toBe('subject.added_1')
    expect(first.deductions).toEqual([{ id: 'subject.added_1.found', text: '', points: 5 }])
    expect(second.id).toBe('subject.added_2')
    expect(second.points).toBe(2.5)
    expect(sheet.groups[0].items.map((i) => i.id)).toEqual(['subject.lawful', 'subject.officers', 'subject.added_1', 'subject.added_2'])
    expect(sheetTotals(sheet).total).toBe(107.5)
  })

  it('removes an item but never a group\'s last', () => {
    const sheet = copySheet(shipped)
    removeItem(sheet, 0, 0)
    expect(sheet.groups[0].items.map((i) => i.id)).toEqual(['subject.officers'])
    expect(mayRemoveItem(sheet, 0)).toBe(false)
    removeItem(sheet, 0, 0)
    removeItem(sheet, 1, 0)
    expect(sheet.groups.map((g) => g.items.length)).toEqual([1, 1])
  })
})
