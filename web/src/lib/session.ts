// Who is signed in: the person and their body, from `GET /api/auth/me` (`auth.ts`).
import { reactive } from 'vue'
import { ApiError } from './api'
import { logOut, whoAmI } from './auth'

export interface User {
  id: string
  username: string | null
  display_name: string
  org_id: string | null
  org_role: 'admin' | 'member' | null
  operator: boolean
}

export interface Org {
  id: string
  code: string
  name_zh: string
  name_en: string
  kind: string
  region: string
  parent_id: string | null
}

export const session = reactive<{ loaded: boolean; user: User | null; org: Org | null }>({
  loaded: false,
  user: null,
  org: null,
})

export async function loadSession(): Promise<void> {
  try {
    const me = await whoAmI()
    session.user = me.user
    session.org = me.org
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 401) throw e
    session.user = null
    session.org = null
  }
  session.loaded = true
}

export async function signOut(): Promise<string | null> {
  const out = await logOut()
  session.user = null
  session.org = null
  return out?.end_session_url ?? null
}

/**
 * Counts work done only over a document socket (typing the minutes) as use of the session.
 *
 * The server extends a session's idle limit when it is used for a request; a person writing
 * the minutes for half an hour sends only socket frames, and would find themselves signed out
 * at their next click. Calling the returned function on each local edit asks the server who we
 * are at most once every `everyMs`, which renews the session while someone is actually
 * working (and only then: an open but untouched tab still times out).
 */
export function keepAliveWhileWorking(
  ping: () => Promise<unknown> = whoAmI,
  everyMs = 5 * 60_000,
  now: () => number = Date.now,
): () => void {
  let last = -Infinity
  return () => {
    const at = now()
    if (at - last < everyMs) return
    last = at
    // A failure needs no handling here: a 401 sends the person to sign in (api.ts), and a
    // network error is shown by the connection indicator.
    ping().catch(() => {})
  }
}
