// The scoring sheet (评查表) a bureau adjusts before it plans a review: it starts from the sheet
// the server ships (`GET /api/reviews/sheets/default`) and may rename it, give it a new
// version, change an item's points and each deduction's points per occurrence (每处扣分), add
// items to a group or remove them, and move the grade thresholds. Whether the result is a sheet
// a review may use is the server's to say (`domain::review_sheet`, its refusals in Chinese);
// these helpers only edit a copy and add up its points, in tenths as the server counts them.
import { get } from './api'
import type { Sheet } from './reviews'

type Item = Sheet['groups'][number]['items'][number]

/** The sheet that ships, in the shape a plan's `sheet` takes. */
export function loadDefaultSheet(): Promise<Sheet> {
  return get<Sheet>('/api/reviews/sheets/default')
}

/** A copy to edit, sharing nothing with `sheet`. */
export function copySheet(sheet: Sheet): Sheet {
  return JSON.parse(JSON.stringify(sheet)) as Sheet
}

const tenths = (points: number) => Math.round(points * 10)

/** The sheet's total and each group's, in points (2.5 + 2.5 is exactly 5). */
export function sheetTotals(sheet: Sheet): { total: number; groups: number[] } {
  const groups = sheet.groups.map((g) => g.items.reduce((sum, i) => sum + tenths(i.points), 0))
  return { total: groups.reduce((a, b) => a + b, 0) / 10, groups: groups.map((g) => g / 10) }
}

/** Every id the sheet uses, items' and deductions' alike (they share one namespace). */
function idsOf(sheet: Sheet): Set<string> {
  const ids = new Set<string>()
  for (const group of sheet.groups) {
    for (const item of group.items) {
      ids.add(item.id)
      for (const d of item.deductions) ids.add(d.id)
    }
  }
  return ids
}

/** The first part of the group's item ids (`evidence` of `evidence.facts`), else `item`. */
function stemOf(items: Item[]): string {
  const stem = items[0]?.id.split('.')[0] ?? ''
  return /^[a-z0-9_]{1,20}$/.test(stem) ? stem : 'item'
}

/**
 * Adds an item to group `g` worth `points`, with one deduction of the same points per
 * occurrence; its id (`evidence.added_1`) and its deduction's (`evidence.added_1.found`) are
 * new to the sheet. The texts are the planner's to write. Returns the new item.
 */
export function addItem(sheet: Sheet, g: number, points = 5): Item {
  const group = sheet.groups[g]
  const ids = idsOf(sheet)
  const stem = stemOf(group.items)
  let n = 1
  while (ids.has(`${stem}.added_${n}`) || ids.has(`${stem}.added_${n}.found`)) n += 1
  const id = `${stem}.added_${n}`
  const item: Item = { id, text: '', points, veto: false, deductions: [{ id: `${id}.found`, text: '', points }] }
  group.items.push(item)
  return item
}

/** Whether item `i` of group `g` may be removed: a group keeps at least one item. */
export function mayRemoveItem(sheet: Sheet, g: number): boolean {
  return sheet.groups[g].items.length > 1
}

/** Removes item `i` of group `g`, unless it is the group's last. */
export function removeItem(sheet: Sheet, g: number, i: number): void {
  if (mayRemoveItem(sheet, g)) sheet.groups[g].items.splice(i, 1)
}

/** Whether `sheet` differs from `from` (the default it was copied from). */
export function sheetChanged(sheet: Sheet, from: Sheet): boolean {
  return JSON.stringify(sheet) !== JSON.stringify(from)
}
