// The one way the client talks to the server's JSON API.
//
// Every request is same-origin with the session cookie (the server checks Origin on writes,
// which the browser sends by itself). A failure becomes an `ApiError` carrying the server's
// `{"error": {"code", "reason", "message"}}`. Every request says the interface's language
// (`Accept-Language`), so the server's message is in the reader's language; when it is one of
// the server's catalogued sentences (`reason` set), `describeError` shows it as it is, else a
// sentence of our own for the code with the server's words as detail.
import { i18n } from '../i18n'

export class ApiError extends Error {
  constructor(
    readonly status: number,
    /** The server's error code (`bad_request`, `conflict`, …) or `network` / `invalid_response`. */
    readonly code: string,
    /** The server's explanation, in the language asked for when `reason` is set. */
    readonly detail: string,
    /** The server's catalogue code of the explanation (`auth.wrong_credentials`, …), if any. */
    readonly reason: string | null = null,
  ) {
    super(`${status} ${code}: ${detail}`)
    this.name = 'ApiError'
  }
}

/** Called when any request answers 401, so the app can send the person to sign in. */
let onUnauthenticated: (() => void) | null = null
export function setUnauthenticatedHandler(handler: () => void) {
  onUnauthenticated = handler
}

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

export async function request(method: Method, path: string, body?: unknown): Promise<Response> {
  const init: RequestInit = {
    method,
    credentials: 'same-origin',
    headers: { 'Accept-Language': String(i18n.global.locale.value) },
  }
  if (body instanceof FormData || body instanceof Blob || body instanceof ArrayBuffer) {
    init.body = body as BodyInit
  } else if (body !== undefined) {
    ;(init.headers as Record<string, string>)['Content-Type'] = 'application/json'
    init.body = JSON.stringify(body)
  }
  let response: Response
  try {
    response = await fetch(path, init)
  } catch (e) {
    throw new ApiError(0, 'network', e instanceof Error ? e.message : String(e))
  }
  if (!response.ok) {
    let code = 'http_' + response.status
    let detail = response.statusText
    let reason: string | null = null
    try {
      const parsed = await response.json()
      if (parsed?.error?.code) code = String(parsed.error.code)
      if (parsed?.error?.message) detail = String(parsed.error.message)
      if (parsed?.error?.reason) reason = String(parsed.error.reason)
    } catch {
      // Not our JSON error shape (a proxy's page, say): keep the status.
    }
    if (response.status === 401 && onUnauthenticated) onUnauthenticated()
    throw new ApiError(response.status, code, detail, reason)
  }
  return response
}

/** A JSON request; resolves to the parsed body (`undefined` for 204). */
export async function api<T = unknown>(method: Method, path: string, body?: unknown): Promise<T> {
  const response = await request(method, path, body)
  if (response.status === 204) return undefined as T
  const text = await response.text()
  if (!text) return undefined as T
  try {
    return JSON.parse(text) as T
  } catch {
    throw new ApiError(response.status, 'invalid_response', 'the server answered something that is not JSON')
  }
}

export const get = <T = unknown>(path: string) => api<T>('GET', path)
export const post = <T = unknown>(path: string, body?: unknown) => api<T>('POST', path, body ?? {})
export const put = <T = unknown>(path: string, body?: unknown) => api<T>('PUT', path, body ?? {})
export const del = <T = unknown>(path: string) => api<T>('DELETE', path)

/** The i18n keys of an error: `errors.<code>` (falling back to `errors.unknown`) and the detail;
 * `said` is the server's own sentence when it is a catalogued one, already in the reader's
 * language. */
export function errorKey(e: unknown): { key: string; detail: string; said: string | null } {
  if (e instanceof ApiError) {
    return { key: `errors.${e.code}`, detail: e.detail, said: e.reason ? e.detail : null }
  }
  return { key: 'errors.unknown', detail: e instanceof Error ? e.message : String(e), said: null }
}
