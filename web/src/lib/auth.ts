// Signing in and out and asking who is signed in: every `/api/auth/...` request of the client.
//
// Only requests live here. It must never keep who is signed in (that is `session.ts`, which
// calls these) nor decide where a person goes next (the router and the sign-in page do).
import { del, get, post } from './api'
import type { Org, User } from './session'

/** An OpenID provider the server offers; `login_url` starts its redirect dance. */
export interface SignInProvider {
  id: string
  name: string
  login_url: string
}

/** How one may sign in here: the OpenID providers, and whether local accounts may. */
export function signInOptions(): Promise<{ local_login: boolean; providers: SignInProvider[] }> {
  return get('/api/auth/providers')
}

/** Signs in with a local account; the session arrives as a cookie. */
export function logIn(username: string, password: string): Promise<unknown> {
  return post('/api/auth/login', { username, password })
}

/** Who is signed in (a 401 for a visitor). Asking also counts as using the session. */
export function whoAmI(): Promise<{ user: User | null; org: Org | null }> {
  return get('/api/auth/me')
}

/** Ends the session; answers where to end it at the OpenID provider too, if anywhere. */
export function logOut(): Promise<{ end_session_url: string | null } | undefined> {
  return post('/api/auth/logout')
}

/** One of one's own live sessions (`GET /api/auth/sessions`). */
export interface SessionView {
  id: string
  /** The session this page is using. */
  current: boolean
  created_at: number
  last_seen_at: number
  expires_at: number
  ip: string | null
  user_agent: string | null
}

/** Changes one's own password; the server ends every other session of the account. */
export function changePassword(current: string, next: string): Promise<void> {
  return post('/api/auth/password', { current, new: next })
}

/** One's own live sessions, most recently used first. */
export async function listSessions(): Promise<SessionView[]> {
  const { sessions } = await get<{ sessions: SessionView[] }>('/api/auth/sessions')
  return sessions
}

/** Ends one of one's own sessions ("sign out that device"). */
export function revokeSession(id: string): Promise<void> {
  return del(`/api/auth/sessions/${encodeURIComponent(id)}`)
}

/**
 * A device as a person recognises it, from its browser's User-Agent: the browser and the
 * system (`Chrome · Windows`), or null when neither is recognised.
 */
export function deviceLabel(userAgent: string | null | undefined): string | null {
  if (!userAgent) return null
  const ua = userAgent
  const browser =
    /Edg\//.test(ua) ? 'Edge'
    : /MicroMessenger/i.test(ua) ? '微信'
    : /Firefox\//.test(ua) ? 'Firefox'
    : /(Chrome|Chromium)\//.test(ua) ? 'Chrome'
    : /Safari\//.test(ua) ? 'Safari'
    : /^curl\//.test(ua) ? 'curl'
    : null
  const system =
    /Windows/.test(ua) ? 'Windows'
    : /HarmonyOS|OpenHarmony/.test(ua) ? 'HarmonyOS'
    : /Android/.test(ua) ? 'Android'
    : /iPhone|iPad|iPod/.test(ua) ? 'iOS'
    : /Mac OS X|Macintosh/.test(ua) ? 'macOS'
    : /Linux/.test(ua) ? 'Linux'
    : null
  const parts = [browser, system].filter((p): p is string => !!p)
  return parts.length ? parts.join(' · ') : null
}
