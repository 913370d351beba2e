import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import * as encoding from 'lib0/encoding'
import * as decoding from 'lib0/decoding'
import * as syncProtocol from 'y-protocols/sync'
import { WebsocketProvider } from 'y-websocket'
import { SaveTracker, peekSync, syncState, watchProvider, wsBase, type ProviderLike } from './sync'

/** A client doc whose local updates go into a tracker (and a list, to "send" them). */
function client() {
  const doc = new Y.Doc()
  const tracker = new SaveTracker()
  const sent: Uint8Array[] = []
  doc.on('update', (u: Uint8Array, origin: unknown) => {
    if (origin === 'server') return
    tracker.local(u)
    sent.push(u)
  })
  return { doc, tracker, sent }
}

describe('SaveTracker', () => {
  it('counts an insertion as pending until the server echoes it', () => {
    const server = new Y.Doc()
    const c = client()
    c.doc.getXmlFragment('body').insert(0, [new Y.XmlText('议定')])
    expect(c.tracker.pendingCount).toBe(1)
    const u = c.sent[0]!
    Y.applyUpdate(server, u)
    // Not confirmed merely because the server applied it: only what it sends back counts.
    expect(c.tracker.pendingCount).toBe(1)
    c.tracker.serverUpdate(u)
    expect(c.tracker.pendingCount).toBe(0)
  })

  it('keeps a deletion pending although the state vector did not move', () => {
    const server = new Y.Doc()
    const c = client()
    const text = c.doc.getText('t')
    text.insert(0, 'abcdef')
    for (const u of c.sent) {
      Y.applyUpdate(server, u)
      c.tracker.serverUpdate(u)
    }
    expect(c.tracker.pendingCount).toBe(0)
    const svBefore = Y.encodeStateVector(c.doc)
    text.delete(1, 3)
    expect(Y.encodeStateVector(c.doc)).toEqual(svBefore)
    expect(c.tracker.pendingCount).toBe(1)
    // Someone else's edit relayed by the server does not confirm ours.
    const other = new Y.Doc()
    Y.applyUpdate(other, Y.encodeStateAsUpdate(server))
    let relayed: Uint8Array | null = null
    other.on('update', (u: Uint8Array) => (relayed = u))
    other.getText('t').insert(0, 'x')
    c.tracker.serverUpdate(relayed!)
    expect(c.tracker.pendingCount).toBe(1)
    c.tracker.serverUpdate(c.sent[c.sent.length - 1]!)
    expect(c.tracker.pendingCount).toBe(0)
  })

  it('confirms edits whose echo was lost from the sync after reconnecting', () => {
    const server = new Y.Doc()
    const c = client()
    const text = c.doc.getText('t')
    text.insert(0, 'hello world')
    text.delete(0, 6)
    // The server got both edits, then the connection dropped before the echoes came.
    for (const u of c.sent) Y.applyUpdate(server, u)
    expect(c.tracker.pendingCount).toBe(2)
    // Reconnect: the server's step 1 alone is not trusted yet…
    c.tracker.serverStateVector(Y.encodeStateVector(server))
    expect(c.tracker.pendingCount).toBe(2)
    // …its step 2 (after its commit wait) is; it carries the server's whole delete set.
    c.tracker.serverUpdate(Y.encodeStateAsUpdate(server, Y.encodeStateVector(c.doc)), true)
    expect(c.tracker.pendingCount).toBe(0)
  })

  it('keeps edits the server never received pending across a reconnection', () => {
    const server = new Y.Doc()
    const c = client()
    c.doc.getText('t').insert(0, 'offline edit')
    c.tracker.serverStateVector(Y.encodeStateVector(server))
    c.tracker.serverUpdate(Y.encodeStateAsUpdate(server, Y.encodeStateVector(c.doc)), true)
    expect(c.tracker.pendingCount).toBe(1)
  })

  it('merges many offline edits and still confirms them', () => {
    const c = client()
    const text = c.doc.getText('t')
    for (let i = 0; i < 200; i++) text.insert(i, 'x')
    expect(c.tracker.pendingCount).toBeLessThanOrEqual(65)
    c.tracker.serverUpdate(Y.encodeStateAsUpdate(c.doc))
    expect(c.tracker.pendingCount).toBe(0)
  })
})

describe('syncState', () => {
  it('is green only when connected, synced and nothing is pending', () => {
    expect(syncState({ connected: true, synced: true, everSynced: true, pending: 0 })).toBe('saved')
    expect(syncState({ connected: true, synced: true, everSynced: true, pending: 2 })).toBe('saving')
    expect(syncState({ connected: false, synced: false, everSynced: true, pending: 0 })).toBe('offline')
    expect(syncState({ connected: false, synced: false, everSynced: false, pending: 0 })).toBe('connecting')
    expect(syncState({ connected: true, synced: false, everSynced: false, pending: 0 })).toBe('connecting')
    expect(syncState({ connected: true, synced: false, everSynced: true, pending: 0 })).toBe('saving')
  })
})

describe('peekSync', () => {
  it('reads a sync message without consuming the decoder', () => {
    const e = encoding.createEncoder()
    encoding.writeVarUint(e, 2)
    encoding.writeVarUint8Array(e, new Uint8Array([7, 8, 9]))
    const d = decoding.createDecoder(encoding.toUint8Array(e))
    expect(peekSync(d)).toEqual({ type: 2, payload: new Uint8Array([7, 8, 9]) })
    expect(d.pos).toBe(0)
  })
})

describe('wsBase', () => {
  it('follows the page scheme', () => {
    expect(wsBase({ protocol: 'https:', host: 'concord.example' })).toBe('wss://concord.example/ws/docs')
    expect(wsBase({ protocol: 'http:', host: '127.0.0.1:8080' })).toBe('ws://127.0.0.1:8080/ws/docs')
  })
})

/** A socket standing in for the server: it answers like collab's session does. */
class FakeSocket {
  static last: FakeSocket | null = null
  static server = new Y.Doc()
  static OPEN = 1
  readonly OPEN = 1
  readyState = 0
  binaryType = 'arraybuffer'
  onopen: (() => void) | null = null
  onmessage: ((e: { data: ArrayBuffer }) => void) | null = null
  onclose: ((e: unknown) => void) | null = null
  onerror: ((e: unknown) => void) | null = null
  /** Updates received but not yet committed-and-echoed. */
  held: Uint8Array[] = []
  constructor(readonly url: string) {
    FakeSocket.last = this
  }
  open() {
    this.readyState = 1
    this.onopen?.()
    this.push((e) => syncProtocol.writeSyncStep1(e, FakeSocket.server))
  }
  push(write: (e: encoding.Encoder) => void) {
    const e = encoding.createEncoder()
    encoding.writeVarUint(e, 0)
    write(e)
    const bytes = encoding.toUint8Array(e)
    this.onmessage?.({ data: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer })
  }
  send(data: Uint8Array) {
    const d = decoding.createDecoder(data)
    if (decoding.readVarUint(d) !== 0) return // awareness
    const type = decoding.readVarUint(d)
    const payload = decoding.readVarUint8Array(d)
    if (type === 0) {
      const diff = Y.encodeStateAsUpdate(FakeSocket.server, payload)
      this.push((e) => {
        encoding.writeVarUint(e, syncProtocol.messageYjsSyncStep2)
        encoding.writeVarUint8Array(e, diff)
      })
    } else {
      Y.applyUpdate(FakeSocket.server, payload)
      this.held.push(payload)
    }
  }
  commit() {
    for (const u of this.held.splice(0)) this.push((e) => syncProtocol.writeUpdate(e, u))
  }
  close() {
    this.readyState = 3
  }
}

describe('watchProvider with the stock WebsocketProvider', () => {
  it('turns saved only after the server echoed the edit', () => {
    const doc = new Y.Doc()
    const provider = new WebsocketProvider('ws://test/ws/docs', 'doc1', doc, {
      connect: false,
      disableBc: true,
      WebSocketPolyfill: FakeSocket as unknown as typeof WebSocket,
    })
    const watch = watchProvider(provider as unknown as ProviderLike)
    expect(watch.state.value).toBe('connecting')
    provider.connect()
    const socket = FakeSocket.last!
    socket.open()
    expect(watch.state.value).toBe('saved')
    doc.getText('t').insert(0, '会议纪要')
    expect(watch.state.value).toBe('saving')
    expect(FakeSocket.server.getText('t').toString()).toBe('会议纪要')
    socket.commit()
    expect(watch.state.value).toBe('saved')
    watch.stop()
    provider.destroy()
  })
})
