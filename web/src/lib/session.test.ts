import { describe, expect, it } from 'vitest'
import { keepAliveWhileWorking } from './session'

describe('keepAliveWhileWorking', () => {
  it('renews at the first edit, then at most once per period while edits continue', () => {
    let clock = 1_000_000
    let pings = 0
    const edited = keepAliveWhileWorking(async () => void pings++, 60_000, () => clock)
    edited()
    expect(pings).toBe(1)
    for (let i = 0; i < 50; i++) {
      clock += 1_000
      edited()
    }
    expect(pings).toBe(1) // 50 s of typing: still inside the first period
    clock += 10_000
    edited()
    expect(pings).toBe(2)
  })

  it('does not renew a session nobody works in', () => {
    let pings = 0
    keepAliveWhileWorking(async () => void pings++, 60_000, () => 0)
    expect(pings).toBe(0)
  })

  it('swallows a failed renewal', async () => {
    const edited = keepAliveWhileWorking(() => Promise.reject(new Error('offline')), 1, () => 0)
    expect(() => edited()).not.toThrow()
    await new Promise((resolve) => setTimeout(resolve, 0))
  })
})
