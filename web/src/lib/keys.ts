// Signing keys as the server knows them. The person's own (`/api/keys`): enrolling a public
// key, listing the enrolled ones and revoking one. An organization's (`/api/orgs/{id}/keys`),
// for its admins and operators: listing them and revoking one.
//
// Only public halves travel here. It must never see a private key: those stay in the
// browser's key store (`keystore.ts`) and sign in `signing.ts`.
import { get, post } from './api'
import type { Schema } from './schema'

export interface KeyView {
  /** The first 16 bytes of SHA-256 of the key's SPKI, hex: its fingerprint. */
  key_id: string
  public_key_pem: string
  revoked_at: number | null
  purpose: string
  /** `ed25519` for a person's key. */
  algorithm?: string
  /** When its binding to the person and their body was logged. */
  bound_at?: number
}

/** Enrolls a public key (PEM) for the signed-in person; a 409 when it is enrolled already. */
export function enrollKey(publicKeyPem: string): Promise<KeyView> {
  return post<KeyView>('/api/keys', { public_key_pem: publicKeyPem })
}

/** The keys enrolled for the signed-in person. */
export async function listKeys(): Promise<KeyView[]> {
  const { keys } = await get<{ keys: KeyView[] }>('/api/keys')
  return keys
}

/** Revokes one of the signed-in person's keys from now on; earlier signatures stay valid. */
export function revokeKey(keyId: string, reason: string): Promise<KeyView> {
  return post<KeyView>(`/api/keys/${encodeURIComponent(keyId)}/revoke`, { reason })
}

/**
 * A fingerprint as a person can compare it: hex in groups of four, only the first and last
 * groups unless `full` (`3f2a 91c0 … 7be4 0d19`).
 */
export function foldFingerprint(hex: string, full = false): string {
  const groups = hex.toLowerCase().match(/.{1,4}/g) ?? []
  if (full || groups.length <= 4) return groups.join(' ')
  return [...groups.slice(0, 2), '…', ...groups.slice(-2)].join(' ')
}

/** A signing key bound to an organization, as its admins and operators see it. */
export type OrgKeyView = Schema<'OrgKeyView'>

/** Every key bound to the organization (its people's and its seal), newest first. */
export async function listOrgKeys(orgId: string): Promise<OrgKeyView[]> {
  const { keys } = await get<Schema<'OrgKeyList'>>(`/api/orgs/${encodeURIComponent(orgId)}/keys`)
  return keys
}

/**
 * Revokes a key of the organization from now on (a person's: its admins and operators; the
 * seal: operators). Signatures made before stay valid.
 */
export function revokeOrgKey(orgId: string, keyId: string, reason: string): Promise<OrgKeyView> {
  return post<OrgKeyView>(
    `/api/orgs/${encodeURIComponent(orgId)}/keys/${encodeURIComponent(keyId)}/revoke`,
    { reason },
  )
}
