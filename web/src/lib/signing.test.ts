import 'fake-indexeddb/auto'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { webcrypto } from 'node:crypto'
import {
  allowed, base64ToBytes, bytesToBase64, generateSigningKey, groupHex, pemToSpki, signBytes, signedDocumentApi, spkiToPem,
  signDocument,
} from './signing'
import { deleteKey, loadKey, saveKey } from './keystore'
import { minutesDocument } from './meetings'

const subtle = (globalThis.crypto?.subtle ?? webcrypto.subtle) as SubtleCrypto

describe('bytes', () => {
  it('round-trips base64 for all byte values and long inputs', () => {
    const bytes = new Uint8Array(70000).map((_, i) => (i * 7) % 256)
    expect(base64ToBytes(bytesToBase64(bytes))).toEqual(bytes)
    expect(bytesToBase64(new TextEncoder().encode('纪要'))).toBe('57qq6KaB')
    expect(base64ToBytes('AAEC\n/w==')).toEqual(new Uint8Array([0, 1, 2, 255]))
  })

  it('writes SPKI as PEM with 64-character lines', () => {
    const der = new Uint8Array(100).map((_, i) => i)
    const pem = spkiToPem(der)
    const lines = pem.trim().split('\n')
    expect(lines[0]).toBe('-----BEGIN PUBLIC KEY-----')
    expect(lines[lines.length - 1]).toBe('-----END PUBLIC KEY-----')
    expect(lines.slice(1, -1).every((l) => l.length <= 64)).toBe(true)
    expect(lines[1]!.length).toBe(64)
    expect(pemToSpki(pem)).toEqual(der)
  })

  it('groups a digest for reading', () => {
    expect(groupHex('0123456789')).toEqual(['0123', '4567', '89'])
  })
})

describe('Ed25519 in WebCrypto', () => {
  it('makes a non-extractable key whose PEM is an Ed25519 SPKI, and signs verifiably', async () => {
    const { keyPair, publicKeyPem } = await generateSigningKey(subtle)
    expect(keyPair.privateKey.extractable).toBe(false)
    const der = pemToSpki(publicKeyPem)
    // SEQUENCE { SEQUENCE { OID 1.3.101.112 } BIT STRING (32 bytes) }: 44 bytes.
    expect(der.length).toBe(44)
    expect(Array.from(der.slice(0, 12))).toEqual([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00])
    await expect(subtle.exportKey('pkcs8', keyPair.privateKey)).rejects.toThrow()
    const pae = new TextEncoder().encode('DSSEv1 34 application/vnd.concord.minutes-signature+json 2 {}')
    const sig = await signBytes(keyPair.privateKey, pae, subtle)
    expect(sig.length).toBe(64)
    const publicKey = await subtle.importKey('spki', der as BufferSource, { name: 'Ed25519' }, true, ['verify'])
    expect(await subtle.verify({ name: 'Ed25519' }, publicKey, sig as BufferSource, pae as BufferSource)).toBe(true)
    const tampered = pae.slice()
    tampered[0] ^= 1
    expect(await subtle.verify({ name: 'Ed25519' }, publicKey, sig as BufferSource, tampered as BufferSource)).toBe(false)
  })
})

describe('keystore', () => {
  it('keeps the CryptoKeyPair in IndexedDB per user and it still signs after loading', async () => {
    const { keyPair, publicKeyPem } = await generateSigningKey(subtle)
    await saveKey({ userId: 'u1', keyPair, publicKeyPem, keyId: null, createdAt: 1 })
    expect(await loadKey('u2')).toBeNull()
    const loaded = await loadKey('u1')
    expect(loaded?.publicKeyPem).toBe(publicKeyPem)
    expect(loaded?.keyPair.privateKey.extractable).toBe(false)
    const msg = new Uint8Array([1, 2, 3])
    const sig = await signBytes(loaded!.keyPair.privateKey, msg, subtle)
    expect(await subtle.verify({ name: 'Ed25519' }, loaded!.keyPair.publicKey, sig as BufferSource, msg as BufferSource)).toBe(true)
    await saveKey({ ...loaded!, keyId: 'k1' })
    expect((await loadKey('u1'))?.keyId).toBe('k1')
    await deleteKey('u1')
    expect(await loadKey('u1')).toBeNull()
  })
})

describe('signDocument', () => {
  afterEach(() => vi.unstubAllGlobals())

  it('enrolls once, signs the PAE the server gave and sends the statement back', async () => {
    const calls: Array<{ url: string; body: Record<string, unknown> }> = []
    const pae = new TextEncoder().encode('the exact bytes')
    let enrolledPem = ''
    vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
      const body = init.body ? JSON.parse(String(init.body)) : {}
      calls.push({ url, body })
      const json = (value: unknown, status = 200) => new Response(JSON.stringify(value), { status, headers: { 'Content-Type': 'application/json' } })
      if (url === '/api/keys') {
        enrolledPem = body.public_key_pem
        return json({ key_id: 'key-1', public_key_pem: enrolledPem, revoked_at: null, purpose: 'person' }, 201)
      }
      if (url.endsWith('/statement')) return json({ statement: 'U1RBVEVNRU5U', pae: bytesToBase64(pae), manifest_sha256: 'ab'.repeat(32), step: 1 })
      if (url.endsWith('/signatures')) return json({ state: 'signing' })
      return json({ error: { code: 'not_found', message: 'no' } }, 404)
    })
    await signDocument(minutesDocument('m1'), 1, 'user-sign', 'ab'.repeat(32))
    expect(calls.map((c) => c.url)).toEqual(['/api/keys', '/api/meetings/m1/minutes/statement', '/api/meetings/m1/minutes/signatures'])
    expect(calls[1]!.body).toEqual({ version: 1, key_id: 'key-1' })
    const sent = calls[2]!.body as { statement: string; signature: string; version: number }
    expect(sent.statement).toBe('U1RBVEVNRU5U')
    const publicKey = await subtle.importKey('spki', pemToSpki(enrolledPem) as BufferSource, { name: 'Ed25519' }, true, ['verify'])
    expect(await subtle.verify({ name: 'Ed25519' }, publicKey, base64ToBytes(sent.signature) as BufferSource, pae as BufferSource)).toBe(true)
    // The second time the enrolled key is reused.
    calls.length = 0
    await signDocument(minutesDocument('m1'), 1, 'user-sign', 'ab'.repeat(32))
    expect(calls.map((c) => c.url)).toEqual(['/api/meetings/m1/minutes/statement', '/api/meetings/m1/minutes/signatures'])
  })

  it('refuses to sign when the statement names another manifest', async () => {
    vi.stubGlobal('fetch', async (url: string) => {
      const json = (value: unknown, status = 200) => new Response(JSON.stringify(value), { status })
      if (url === '/api/keys') return json({ key_id: 'key-2', public_key_pem: '', revoked_at: null, purpose: 'person' }, 201)
      if (url.endsWith('/statement')) return json({ statement: 'eA==', pae: 'eA==', manifest_sha256: 'cd'.repeat(32), step: 1 })
      throw new Error('must not be called: ' + url)
    })
    await expect(signDocument(minutesDocument('m1'), 1, 'user-other', 'ab'.repeat(32))).rejects.toThrow(/changed/)
  })
})

describe('a signed document of any kind', () => {
  it('offers exactly the commands the server allows the caller', () => {
    const offer = (command: string, ok: boolean) => ({ command, label_zh: '', label_en: '', allowed: ok, rule_zh: ok ? null : '不', rule_en: ok ? null : 'no', rule_code: ok ? null : 'x.no' })
    const view = { commands: [offer('freeze', false), offer('sign', true)] }
    expect(allowed(view, 'sign')).toBe(true)
    expect(allowed(view, 'freeze')).toBe(false)
    expect(allowed(view, 'archive')).toBe(false)
    expect(allowed(null, 'sign')).toBe(false)
  })

  it('asks the same requests below whatever address its resource gives', () => {
    const decision = signedDocumentApi('/api/disputes/d1/decision')
    expect(decision.bundleUrl(2)).toBe('/api/disputes/d1/decision/versions/2/bundle.zip')
  })
})
