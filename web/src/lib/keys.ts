// The person's signing keys as the server knows them (`/api/keys`): enrolling a public key
// and listing the enrolled ones.
//
// Only public halves travel here. It must never see a private key: those stay in the
// browser's key store (`keystore.ts`) and sign in `signing.ts`.
import { get, post } from './api'

export interface KeyView {
  key_id: string
  public_key_pem: string
  revoked_at: number | null
  purpose: string
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
