import { describe, expect, it } from 'vitest'
import { eventsUrl } from './events'

describe('the event stream address', () => {
  it('resumes after the last event seen when the stream is made anew', () => {
    expect(eventsUrl()).toBe('/api/events')
    expect(eventsUrl('42')).toBe('/api/events?after=42')
    // Only a sequence number is put in the address.
    expect(eventsUrl('42&x=1')).toBe('/api/events')
  })
})
