// Signing in and out and asking who is signed in: every `/api/auth/...` request of the client.
//
// Only requests live here. It must never keep who is signed in (that is `session.ts`, which
// calls these) nor decide where a person goes next (the router and the sign-in page do).
import { get, post } from './api'
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
