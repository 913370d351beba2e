// Signed documents in the browser (SIGNING.md): minutes, a dispute decision, and every kind
// that follows have one lifecycle on the server (freeze, open signing, sign in order, send
// back, archive) and the same requests below their own address; this module is their client.
//
// The person's Ed25519 key is made here, never leaves here, and is enrolled with the server
// once; the server hands out the exact bytes to sign (the DSSE PAE of the statement it built,
// with the kind's payload type), the browser signs them and sends the signature back with
// the statement unchanged.
//
// It names no resource: the module of the document's resource gives its address
// (`meetings.ts`'s `minutesDocument(id)`), so one signing panel serves every kind.
import { ApiError, get, post, request } from './api'
import { enrollKey, listKeys } from './keys'
import { loadKey, saveKey, type StoredKey } from './keystore'

// ---- a signed document as the server shows it ----

export type SignedState = 'draft' | 'frozen' | 'signing' | 'signed' | 'archived' | 'superseded'

/** A command of the lifecycle (`freeze`, `open_signing`, `sign`, `reopen`, `archive`) as the
 * server offers it to the caller: allowed now, or refused with the rule that says why. */
export type { CommandOffer } from './commands'
import type { CommandOffer } from './commands'

export interface SignatureView {
  step: number
  org_id: string
  signer_user_id: string
  /** The person who signed, by name. */
  signer_name?: string | null
  /** The body they signed for, by its Chinese name. */
  org_name?: string | null
  signed_at: number
  log_index: number
}

export interface VersionSummary {
  version: number
  state: SignedState
  manifest_sha256: string
  reopen_reason: string | null
  frozen_at: number
  /** Its printable PDF rendition's file name (`minutes.pdf`); null when it was frozen without
   * one (no Chinese font on the server then). */
  pdf?: string | null
  /** Its signature page's file name (签署页), once archived. */
  signature_page?: string | null
}

/** A signed document of any kind: what is signed, who signed in which step, its versions,
 * and what the caller may do now. */
export interface SignedDocView {
  /** The schema of its content, e.g. `concord.minutes/1`. */
  kind: string
  subject_id: string
  doc_id: string
  version: number
  state: SignedState
  manifest_sha256: string | null
  manifest_sm3: string | null
  steps: string[][]
  current_step: number | null
  signatures: SignatureView[]
  my_step: number | null
  my_turn: boolean
  /** Whether the caller manages it (freezes, opens signing, archives). */
  manages: boolean
  commands: CommandOffer[]
  versions: VersionSummary[]
}

/** What a signer's key must sign for a version: the statement and its PAE bytes (base64). */
export interface StatementToSign {
  /** The kind's DSSE payload type, which the PAE names. */
  payload_type?: string
  statement: string
  pae: string
  manifest_sha256: string
  step: number
}

/** Whether the server offers `command` to the caller now. */
export function allowed(view: Pick<SignedDocView, 'commands'> | null | undefined, command: string): boolean {
  return !!view?.commands?.some((c) => c.command === command && c.allowed)
}

// ---- its requests ----

/** The requests about one signed document, whatever its kind: what the signing panel and an
 * archive page call. */
export interface SignedDocApi {
  /** Its state: version, signing steps, signatures, earlier versions, the commands offered. */
  load(): Promise<SignedDocView>
  /** The manager freezes the draft; `steps` (organization ids per step) or the default order. */
  freeze(steps?: string[][]): Promise<unknown>
  /** The manager opens signing of a frozen version. */
  openSigning(version: number): Promise<unknown>
  /** The manager archives a fully signed version. */
  archive(version: number): Promise<unknown>
  /** Sends a frozen or signing version back for changes (a new draft), saying why. */
  reopen(version: number, reason: string): Promise<unknown>
  /** The statement `keyId` would sign for `version`. */
  statement(version: number, keyId: string | null): Promise<StatementToSign>
  /** Hands in a signature over the statement's PAE, with the statement unchanged. */
  submitSignature(signed: { version: number; statement: string; signature: string }): Promise<unknown>
  /** Where an archived version's bundle downloads from (a link's href: the cookie signs in). */
  bundleUrl(version: number): string
  /** An archived version's bundle, as bytes. */
  downloadBundle(version: number): Promise<ArrayBuffer>
  /** The rendition for people of a frozen version (`minutes.html`), as stored: the signed text
   * in office form. */
  renditionHtml(version: number, file: string): Promise<string>
  /** Where a stored file of a version opens from (a link's href: the cookie signs in): its
   * PDF rendition (`minutes.pdf`), its signature page. */
  fileUrl(version: number, file: string): string
}

/** The requests of the signed document whose address is `base` (every kind answers the same
 * requests below its own: `/freeze`, `/open-signing`, `/statement`, `/signatures`, …). Only a
 * resource's module calls this, with an address it owns. */
export function signedDocumentApi(base: string): SignedDocApi {
  const bundleUrl = (version: number) => `${base}/versions/${version}/bundle.zip`
  return {
    load: () => get<SignedDocView>(base),
    freeze: (steps) => post(`${base}/freeze`, steps ? { steps } : {}),
    openSigning: (version) => post(`${base}/open-signing`, { version }),
    archive: (version) => post(`${base}/archive`, { version }),
    reopen: (version, reason) => post(`${base}/reopen`, { version, reason }),
    statement: (version, keyId) => post<StatementToSign>(`${base}/statement`, { version, key_id: keyId }),
    submitSignature: (signed) => post(`${base}/signatures`, signed),
    bundleUrl,
    downloadBundle: async (version) => (await request('GET', bundleUrl(version))).arrayBuffer(),
    renditionHtml: async (version, file) =>
      (await request('GET', `${base}/versions/${version}/${encodeURIComponent(file)}`)).text(),
    fileUrl: (version, file) => `${base}/versions/${version}/${encodeURIComponent(file)}`,
  }
}

/**
 * The requests of a signed document whose commands go through one route as a typed body
 * (`POST {base}/actions` `{"act": "freeze", …}`, the server's `SignedAction`): a dispute's
 * decision (`/api/disputes/{id}/decision`). Reads as {@link signedDocumentApi}.
 */
export function signedActionsApi(base: string): SignedDocApi {
  const read = signedDocumentApi(base)
  const act = (act: string, body: Record<string, unknown> = {}) => post(`${base}/actions`, { act, ...body })
  return {
    ...read,
    freeze: (steps) => act('freeze', steps ? { steps } : {}),
    openSigning: (version) => act('open_signing', { version }),
    archive: (version) => act('archive', { version }),
    reopen: (version, reason) => act('reopen', { version, reason }),
    submitSignature: (signed) => act('sign', { ...signed }),
  }
}

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
  return e instanceof ApiError && e.status === 409 && (e.reason === 'signing.key_not_usable' || /enroll|key/i.test(e.detail))
}

/**
 * Signs version `version` of a signed document for the person's organization. If the server
 * no longer accepts the stored key (revoked, or enrolled on another server), a new key is made
 * and enrolled once. `expectHash` is the manifest hash the person saw and confirmed: the
 * statement must name exactly that.
 */
export async function signDocument(doc: SignedDocApi, version: number, userId: string, expectHash: string): Promise<unknown> {
  let key = await ensureKey(userId)
  let toSign: StatementToSign
  try {
    toSign = await doc.statement(version, key.keyId)
  } catch (e) {
    if (!isKeyRefusal(e)) throw e
    key = await ensureKey(userId, true)
    toSign = await doc.statement(version, key.keyId)
  }
  if (toSign.manifest_sha256 !== expectHash) throw new ManifestChanged()
  const signature = await signBytes(key.keyPair.privateKey, base64ToBytes(toSign.pae))
  return doc.submitSignature({ version, statement: toSign.statement, signature: bytesToBase64(signature) })
}

export class ManifestChanged extends Error {
  constructor() {
    super('the document changed since you read it')
    this.name = 'ManifestChanged'
  }
}

/** A signed document's archived versions, newest first: each with its bundle (and PDF) to
 * download (a group's report, a referral's receipt). */
export function archivedVersions(view: Pick<SignedDocView, 'versions'> | null | undefined): VersionSummary[] {
  return [...(view?.versions ?? [])].filter((v) => v.state === 'archived').sort((a, b) => b.version - a.version)
}
