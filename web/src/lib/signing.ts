// Signing minutes in the browser (SIGNING.md): the person's Ed25519 key is made here, never
// leaves here, and is enrolled with the server once; the server hands out the exact bytes to
// sign (the DSSE PAE of the statement it built), the browser signs them and sends the
// signature back with the statement unchanged.
import { ApiError } from './api'
import { enrollKey, listKeys } from './keys'
import { loadKey, saveKey, type StoredKey } from './keystore'
import { minutesStatement, submitMinutesSignature, type StatementToSign } from './meetings'

// ---- bytes ----

export function bytesToBase64(bytes: Uint8Array): string {
  let s = ''
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  }
  return btoa(s)
}

export function base64ToBytes(b64: string): Uint8Array {
  const s = atob(b64.replace(/\s+/g, ''))
  const out = new Uint8Array(s.length)
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i)
  return out
}

/** SPKI DER → `-----BEGIN PUBLIC KEY-----` PEM, 64 characters a line. */
export function spkiToPem(der: Uint8Array): string {
  const b64 = bytesToBase64(der)
  const lines = b64.match(/.{1,64}/g) ?? []
  return `-----BEGIN PUBLIC KEY-----\n${lines.join('\n')}\n-----END PUBLIC KEY-----\n`
}

export function pemToSpki(pem: string): Uint8Array {
  const body = pem.replace(/-----(BEGIN|END) PUBLIC KEY-----/g, '').replace(/\s+/g, '')
  return base64ToBytes(body)
}

/** Splits a hex digest in groups of 4 for reading aloud and comparing by eye. */
export function groupHex(hex: string, size = 4): string[] {
  return hex.match(new RegExp(`.{1,${size}}`, 'g')) ?? []
}

// ---- keys ----

export function subtle(): SubtleCrypto {
  if (!globalThis.crypto?.subtle) throw new SigningUnsupported()
  return globalThis.crypto.subtle
}

export class SigningUnsupported extends Error {
  constructor() {
    super('this browser cannot make Ed25519 keys (WebCrypto)')
    this.name = 'SigningUnsupported'
  }
}

/** A fresh non-extractable Ed25519 key pair, and its public half as PEM. */
export async function generateSigningKey(s: SubtleCrypto = subtle()): Promise<{ keyPair: CryptoKeyPair; publicKeyPem: string }> {
  let keyPair: CryptoKeyPair
  try {
    keyPair = (await s.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify'])) as CryptoKeyPair
  } catch {
    throw new SigningUnsupported()
  }
  const spki = new Uint8Array(await s.exportKey('spki', keyPair.publicKey))
  return { keyPair, publicKeyPem: spkiToPem(spki) }
}

export async function signBytes(privateKey: CryptoKey, bytes: Uint8Array, s: SubtleCrypto = subtle()): Promise<Uint8Array> {
  return new Uint8Array(await s.sign({ name: 'Ed25519' }, privateKey, bytes as BufferSource))
}

const samePem = (a: string, b: string) => a.replace(/\s+/g, '') === b.replace(/\s+/g, '')

/** Enrolls the stored key; if the server knows it already (enrolled before), finds its id. */
async function enroll(record: StoredKey): Promise<StoredKey> {
  try {
    const view = await enrollKey(record.publicKeyPem)
    record.keyId = view.key_id
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 409) throw e
    const keys = await listKeys()
    const known = keys.find((k) => k.purpose === 'person' && samePem(k.public_key_pem, record.publicKeyPem))
    if (!known || known.revoked_at != null) throw e
    record.keyId = known.key_id
  }
  await saveKey(record)
  return record
}

/** The person's key in this browser, made and enrolled on first use. */
export async function ensureKey(userId: string, fresh = false): Promise<StoredKey> {
  let record = fresh ? null : await loadKey(userId)
  if (!record) {
    const made = await generateSigningKey()
    record = { userId, keyPair: made.keyPair, publicKeyPem: made.publicKeyPem, keyId: null, createdAt: Date.now() }
    await saveKey(record)
  }
  if (!record.keyId) record = await enroll(record)
  return record
}

/** Whether the server refused the key itself (unknown, revoked, another person's). */
export function isKeyRefusal(e: unknown): boolean {
  return e instanceof ApiError && e.status === 409 && /enroll|key/i.test(e.detail)
}

/**
 * Signs version `version` of a meeting's minutes for the person's organization. If the server
 * no longer accepts the stored key (revoked, or enrolled on another server), a new key is made
 * and enrolled once. `expectHash` is the manifest hash the person saw and confirmed: the
 * statement must name exactly that.
 */
export async function signMinutes(meetingId: string, version: number, userId: string, expectHash: string): Promise<unknown> {
  let key = await ensureKey(userId)
  let toSign: StatementToSign
  try {
    toSign = await minutesStatement(meetingId, version, key.keyId)
  } catch (e) {
    if (!isKeyRefusal(e)) throw e
    key = await ensureKey(userId, true)
    toSign = await minutesStatement(meetingId, version, key.keyId)
  }
  if (toSign.manifest_sha256 !== expectHash) throw new ManifestChanged()
  const signature = await signBytes(key.keyPair.privateKey, base64ToBytes(toSign.pae))
  return submitMinutesSignature(meetingId, { version, statement: toSign.statement, signature: bytesToBase64(signature) })
}

export class ManifestChanged extends Error {
  constructor() {
    super('the minutes changed since you read them')
    this.name = 'ManifestChanged'
  }
}
