// A body's API tokens (`/api/orgs/{id}/tokens`): what an agency system uses to act for the
// body without a person signing in. Only the body's admins see or make them.
//
// The secret is answered once, by `createToken`; this module must never keep it anywhere (the
// page shows it once and forgets it when it closes).
import { del, get, post } from './api'

/** The permissions a token may hold, in the order the page lists them (the server's names). */
export const TOKEN_PERMISSIONS = [
  'orgs:read', 'spaces:read', 'spaces:write', 'docs:read', 'docs:write',
  'tasks:read', 'tasks:write', 'notices:read', 'notices:write',
] as const
export type TokenPermission = (typeof TOKEN_PERMISSIONS)[number]

/** The longest a token may live, in days (the server's limit). */
export const MAX_TOKEN_DAYS = 366

export interface ApiToken {
  id: string
  org_id: string
  name: string
  permissions: string[]
  created_by: string
  created_at: number
  expires_at: number
  revoked_at: number | null
  last_used_at: number | null
  last_used_ip: string | null
}

/** A token just made, with its secret (`cct_…`): the only time the secret is answered. */
export interface CreatedToken extends ApiToken {
  token: string
}

export interface NewToken {
  name: string
  permissions: string[]
  expires_in_days: number
}

/** `active`, `revoked` or `expired` at `now`. */
export function tokenState(token: Pick<ApiToken, 'revoked_at' | 'expires_at'>, now: number): 'active' | 'revoked' | 'expired' {
  if (token.revoked_at != null) return 'revoked'
  return token.expires_at <= now ? 'expired' : 'active'
}

const tokensPath = (orgId: string) => `/api/orgs/${encodeURIComponent(orgId)}/tokens`

/** The body's tokens, revoked and expired ones included, newest first. */
export async function listTokens(orgId: string): Promise<ApiToken[]> {
  const { tokens } = await get<{ tokens: ApiToken[] }>(tokensPath(orgId))
  return tokens
}

/** Makes a token; the answer carries its secret, this once. */
export function createToken(orgId: string, token: NewToken): Promise<CreatedToken> {
  return post<CreatedToken>(tokensPath(orgId), token)
}

/** Revokes a token: the next request with it is refused. */
export function revokeToken(orgId: string, tokenId: string): Promise<void> {
  return del(`${tokensPath(orgId)}/${encodeURIComponent(tokenId)}`)
}
