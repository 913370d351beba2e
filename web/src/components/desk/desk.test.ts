import { describe, expect, it } from 'vitest'
import { safeNext } from './redirect'
import { annualCounts, dateMs, upcomingMeetings } from './meetings'

describe('the page after signing in', () => {
  it('keeps a path of this site', () => {
    expect(safeNext('/tasks/abc?x=1')).toBe('/tasks/abc?x=1')
    expect(safeNext(['/inbox', '/other'])).toBe('/inbox')
  })
  it('refuses anything that could leave the site or loop', () => {
    for (const bad of ['//evil.example', '/\\evil.example', 'https://evil.example', 'evil', '', '/\t/evil', '/login', '/login?next=/x', undefined, null, 42]) {
      expect(safeNext(bad), String(bad)).toBe('/')
    }
  })
})

describe('the dashboard’s meetings', () => {
  it('keeps meetings to come or under way, soonest first', () => {
    const meetings = [
      { id: 'a', state: 'scheduled', starts_at: 30 },
      { id: 'b', state: 'ended', starts_at: 10 },
      { id: 'c', state: 'in_progress', starts_at: 5 },
      { id: 'd', state: 'cancelled', starts_at: 1 },
      { id: 'e', state: 'draft', starts_at: 20 },
      { id: 'f', state: 'closed', starts_at: 2 },
    ]
    expect(upcomingMeetings(meetings).map((m) => m.id)).toEqual(['c', 'e', 'a'])
    expect(upcomingMeetings(meetings, 2).map((m) => m.id)).toEqual(['c', 'e'])
  })
  it('counts the annual status of the bureaus', () => {
    expect(annualCounts([{ status: 'held' }, { status: 'none' }, { status: 'none' }, { status: 'scheduled' }])).toEqual({ held: 1, scheduled: 1, none: 2 })
  })
  it('reads a due date as local midnight', () => {
    const ms = dateMs('2026-03-31')!
    const d = new Date(ms)
    expect([d.getFullYear(), d.getMonth(), d.getDate(), d.getHours()]).toEqual([2026, 2, 31, 0])
    expect(dateMs('31/03/2026')).toBeNull()
  })
})
