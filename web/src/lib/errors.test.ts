import { afterEach, describe, expect, it, vi } from 'vitest'
import { i18n } from '../i18n'
import { ApiError, get } from './api'
import { describeError } from './errors'

afterEach(() => {
  vi.unstubAllGlobals()
  i18n.global.locale.value = 'zh-CN'
})

describe('a failure as a person reads it', () => {
  it('is the server own sentence alone when the server catalogued it', () => {
    const said = new ApiError(401, 'unauthenticated', '用户名或密码错误', 'auth.wrong_credentials')
    expect(describeError(said)).toBe('用户名或密码错误')
  })

  it('is our sentence for the code with the server words as detail when it did not', () => {
    const words = new ApiError(409, 'conflict', 'the meeting has not started')
    const described = describeError(words)
    expect(described.endsWith('（the meeting has not started）')).toBe(true)
    expect(described.startsWith('（')).toBe(false)
  })

  it('asks the server in the interface language and keeps the catalogue code', async () => {
    const seen: string[] = []
    vi.stubGlobal('fetch', async (_path: string, init: RequestInit) => {
      seen.push((init.headers as Record<string, string>)['Accept-Language'])
      return new Response(
        JSON.stringify({ error: { code: 'not_found', reason: 'not_found.meeting', message: 'no meeting with this id' } }),
        { status: 404, headers: { 'Content-Type': 'application/json' } },
      )
    })
    i18n.global.locale.value = 'en'
    const failure: ApiError = await get('/api/meetings/x').catch((e: ApiError) => e) as ApiError
    i18n.global.locale.value = 'zh-CN'
    await get('/api/meetings/x').catch(() => undefined)

    expect(seen).toEqual(['en', 'zh-CN'])
    expect(failure).toBeInstanceOf(ApiError)
    expect(failure.reason).toBe('not_found.meeting')
    expect(describeError(failure)).toBe('no meeting with this id')
  })
})
