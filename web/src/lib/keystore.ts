// A person's signing key in this browser: a non-extractable WebCrypto Ed25519 key pair kept in
// IndexedDB (database `concord-keys`, one record per user id), with the key id the server
// gave it when it was enrolled. The private key never leaves the browser: IndexedDB stores the
// CryptoKey object itself, which cannot be exported.

export const DB_NAME = 'concord-keys'
const STORE = 'keys'

export interface StoredKey {
  userId: string
  keyPair: CryptoKeyPair
  publicKeyPem: string
  /** The server's id for the key, once enrolled. */
  keyId: string | null
  createdAt: number
}

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1)
    request.onupgradeneeded = () => {
      if (!request.result.objectStoreNames.contains(STORE)) {
        request.result.createObjectStore(STORE, { keyPath: 'userId' })
      }
    }
    request.onsuccess = () => resolve(request.result)
    request.onerror = () => reject(request.error ?? new Error('indexedDB open failed'))
  })
}

async function withStore<T>(mode: IDBTransactionMode, f: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await open()
  try {
    return await new Promise<T>((resolve, reject) => {
      const tx = db.transaction(STORE, mode)
      const request = f(tx.objectStore(STORE))
      let result: T
      request.onsuccess = () => (result = request.result)
      tx.oncomplete = () => resolve(result)
      tx.onerror = () => reject(tx.error ?? new Error('indexedDB transaction failed'))
      tx.onabort = () => reject(tx.error ?? new Error('indexedDB transaction aborted'))
    })
  } finally {
    db.close()
  }
}

export async function loadKey(userId: string): Promise<StoredKey | null> {
  const found = await withStore<StoredKey | undefined>('readonly', (s) => s.get(userId) as IDBRequest<StoredKey | undefined>)
  return found ?? null
}

export async function saveKey(record: StoredKey): Promise<void> {
  await withStore('readwrite', (s) => s.put(record))
}

export async function deleteKey(userId: string): Promise<void> {
  await withStore('readwrite', (s) => s.delete(userId))
}

/** Whether this browser can make Ed25519 keys (Chromium 113+, Firefox 129+, Safari 17+). */
export async function ed25519Supported(subtle: SubtleCrypto = crypto.subtle): Promise<boolean> {
  try {
    await subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify'])
    return true
  } catch {
    return false
  }
}
