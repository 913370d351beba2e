// The minutes document (docs/minutes-schema.md, `concord.minutes/1`) as the room edits it:
// the body is TipTap's business (XmlFragment "body"); the agreed items (议定事项) are the
// Y.Array "agreed" of Y.Maps {id, text, org_id, deadline} edited here. No other key may be
// written: the server's projection refuses anything it does not know.
//
// It makes no requests: the minutes as a record (state, freezing, signing, the bundle) are
// asked for through `meetings.ts`, so pages that only read the record do not load Yjs.
import * as Y from 'yjs'

export const BODY_FIELD = 'body'
export const AGREED_FIELD = 'agreed'

export interface AgreedItem {
  id: string
  text: string
  org_id: string
  /** YYYY-MM-DD */
  deadline: string
}

export type AgreedField = 'text' | 'org_id' | 'deadline'

/** The minutes' state in which the document may still change. */
export function minutesEditable(state: string | null | undefined): boolean {
  return state === 'draft'
}

export function agreedArray(doc: Y.Doc): Y.Array<Y.Map<string>> {
  return doc.getArray<Y.Map<string>>(AGREED_FIELD)
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : ''
}

/** The agreed items in order (entries that are not maps are read as plain objects). */
export function readAgreed(doc: Y.Doc): AgreedItem[] {
  return agreedArray(doc)
    .toArray()
    .map((entry, index) => {
      const get = (key: string): unknown =>
        entry instanceof Y.Map ? entry.get(key) : (entry as unknown as Record<string, unknown>)?.[key]
      return {
        id: str(get('id')) || `#${index}`,
        text: str(get('text')),
        org_id: str(get('org_id')),
        deadline: str(get('deadline')),
      }
    })
}

export function newItemId(): string {
  const bytes = new Uint8Array(8)
  crypto.getRandomValues(bytes)
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}

/** Appends an agreed item; answers its id. */
export function addAgreed(doc: Y.Doc, item: Partial<Omit<AgreedItem, 'id'>> = {}, origin?: unknown): string {
  const id = newItemId()
  doc.transact(() => {
    const map = new Y.Map<string>()
    map.set('id', id)
    map.set('text', item.text ?? '')
    map.set('org_id', item.org_id ?? '')
    map.set('deadline', item.deadline ?? '')
    agreedArray(doc).push([map])
  }, origin)
  return id
}

function indexOf(doc: Y.Doc, id: string): number {
  return readAgreed(doc).findIndex((item) => item.id === id)
}

export function removeAgreed(doc: Y.Doc, id: string, origin?: unknown): boolean {
  const index = indexOf(doc, id)
  if (index < 0) return false
  doc.transact(() => agreedArray(doc).delete(index, 1), origin)
  return true
}

/** Sets one field of an item; a no-op when the value is unchanged (no needless update). */
export function setAgreedField(doc: Y.Doc, id: string, field: AgreedField, value: string, origin?: unknown): boolean {
  const index = indexOf(doc, id)
  if (index < 0) return false
  const entry = agreedArray(doc).get(index)
  if (!(entry instanceof Y.Map)) return false
  if (entry.get(field) === value) return false
  doc.transact(() => entry.set(field, value), origin)
  return true
}

/** Whether `s` is an existing calendar date written YYYY-MM-DD. */
export function isIsoDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s)
  if (!m) return false
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  const date = new Date(Date.UTC(y, mo - 1, d))
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d
}

/** What is missing for the projection to accept an item (empty when it is complete). */
export function agreedProblems(item: AgreedItem): AgreedField[] {
  const problems: AgreedField[] = []
  if (!item.text.trim()) problems.push('text')
  if (!item.org_id.trim()) problems.push('org_id')
  if (!isIsoDate(item.deadline)) problems.push('deadline')
  return problems
}

/** The 1-based positions of incomplete items (the server would refuse to freeze). */
export function incompleteAgreed(items: AgreedItem[]): number[] {
  return items.flatMap((item, i) => (agreedProblems(item).length ? [i + 1] : []))
}

/** A date `days` from `from`, as YYYY-MM-DD in local time. */
export function isoDateIn(days: number, from: Date = new Date()): string {
  const d = new Date(from.getFullYear(), from.getMonth(), from.getDate() + days)
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`
}

/** A stable colour for a person's caret, from their id. */
export function colourFor(id: string): string {
  const palette = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#ff7f0e']
  let h = 0
  for (const ch of id) h = (h * 31 + ch.charCodeAt(0)) >>> 0
  return palette[h % palette.length]!
}

export interface Presence {
  clientId: number
  userId: string
  name: string
  orgId: string
  colour: string
  self: boolean
}

/** Who is in the room, from awareness states (the server writes `user`), one entry per person. */
export function presenceFrom(
  states: Map<number, Record<string, unknown>>,
  selfClientId: number,
  me?: { id: string; orgId: string },
): Presence[] {
  const byPerson = new Map<string, Presence>()
  for (const [clientId, state] of states) {
    let user = state?.user as Record<string, unknown> | undefined
    // Our own state is the one we set; the server writes who we are only into what others get.
    if (clientId === selfClientId && me && user) user = { ...user, id: me.id, org: me.orgId }
    if (!user || typeof user.name !== 'string') continue
    const userId = typeof user.id === 'string' ? user.id : `client-${clientId}`
    const entry: Presence = {
      clientId,
      userId,
      name: user.name,
      orgId: typeof user.org === 'string' ? user.org : '',
      colour: typeof user.color === 'string' ? user.color : colourFor(userId),
      self: clientId === selfClientId,
    }
    const seen = byPerson.get(userId)
    if (!seen || entry.self) byPerson.set(userId, { ...entry, self: entry.self || (seen?.self ?? false) })
  }
  return [...byPerson.values()].sort((a, b) => Number(b.self) - Number(a.self) || a.name.localeCompare(b.name, 'zh-CN'))
}

