import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, effectScope, h, nextTick, ref } from 'vue'
import { mount } from '@vue/test-utils'
import * as Y from 'yjs'
import * as encoding from 'lib0/encoding'
import * as decoding from 'lib0/decoding'
import * as syncProtocol from 'y-protocols/sync'
import { useDocument, type DocumentHandle, type DocumentOptions } from './useDocument'
import { connection } from '../lib/connection'
import { streamOpen } from '../lib/events'

/**
 * The browser's WebSocket as the stock provider sees it, standing in for collab's session: it
 * answers the sync handshake from its own doc, and echoes the updates it received when told
 * they are committed (`commit()`).
 */
class FakeSocket {
  static all: FakeSocket[] = []
  static OPEN = 1
  readonly OPEN = 1
  readyState = 0
  binaryType = 'arraybuffer'
  onopen: (() => void) | null = null
  onmessage: ((e: { data: ArrayBuffer }) => void) | null = null
  onclose: ((e: unknown) => void) | null = null
  onerror: ((e: unknown) => void) | null = null
  readonly server = new Y.Doc()
  /** Updates received but not yet committed-and-echoed. */
  held: Uint8Array[] = []
  constructor(readonly url: string) {
    FakeSocket.all.push(this)
  }
  static get last(): FakeSocket {
    return FakeSocket.all[FakeSocket.all.length - 1]!
  }
  open() {
    this.readyState = 1
    this.onopen?.()
    this.push((e) => syncProtocol.writeSyncStep1(e, this.server))
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
    if (type === syncProtocol.messageYjsSyncStep1) {
      const diff = Y.encodeStateAsUpdate(this.server, payload)
      this.push((e) => {
        encoding.writeVarUint(e, syncProtocol.messageYjsSyncStep2)
        encoding.writeVarUint8Array(e, diff)
      })
    } else {
      Y.applyUpdate(this.server, payload)
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

const me = { name: '张明', color: '#1f77b4' }

const scopes: Array<ReturnType<typeof effectScope>> = []

/** `useDocument` in a scope of its own; `stop()` ends it as an unmount would. */
function open(docId: Parameters<typeof useDocument>[0], options: DocumentOptions = { user: me, keepAlive: () => {} }) {
  const scope = effectScope()
  scopes.push(scope)
  const handle = scope.run(() => useDocument(docId, options))!
  return { handle, stop: () => scope.stop() }
}

function awarenessClock(handle: DocumentHandle): number {
  const p = handle.provider.value!
  return p.awareness.meta.get(p.awareness.clientID)!.clock
}

beforeEach(() => {
  FakeSocket.all = []
  vi.stubGlobal('WebSocket', FakeSocket)
})
afterEach(() => {
  // A failed test must not leave its window listeners to the next one.
  for (const scope of scopes.splice(0)) scope.stop()
  vi.restoreAllMocks()
  vi.unstubAllGlobals()
})

describe('useDocument', () => {
  it('opens nothing until the document id is known, then connects to /ws/docs/{id}', async () => {
    const id = ref<string | null>(null)
    const { handle, stop } = open(id)
    expect(handle.ydoc.value).toBeNull()
    expect(handle.provider.value).toBeNull()
    expect(handle.sync.value).toBeNull()
    expect(FakeSocket.all).toHaveLength(0)

    id.value = 'doc-1'
    await nextTick()
    expect(handle.ydoc.value).toBeInstanceOf(Y.Doc)
    expect(handle.awareness.value).toBe(handle.provider.value!.awareness)
    expect(FakeSocket.all).toHaveLength(1)
    expect(FakeSocket.last.url).toBe(`ws://${location.host}/ws/docs/doc-1`)
    expect(handle.sync.value!.state.value).toBe('connecting')

    FakeSocket.last.open()
    expect(handle.sync.value!.state.value).toBe('saved')
    handle.ydoc.value!.getText('t').insert(0, '会议纪要')
    expect(handle.sync.value!.state.value).toBe('saving')
    expect(FakeSocket.last.server.getText('t').toString()).toBe('会议纪要')
    FakeSocket.last.commit()
    expect(handle.sync.value!.state.value).toBe('saved')
    stop()
  })

  it('states the person in awareness and restates it twice on each reconnection', () => {
    const { handle, stop } = open('doc-1')
    const p = handle.provider.value!
    expect(p.awareness.getLocalState()?.user).toEqual(me)
    FakeSocket.last.open()
    const before = awarenessClock(handle)

    handle.reconnect()
    expect(FakeSocket.all).toHaveLength(2)
    expect(FakeSocket.all[0]!.readyState).toBe(3)
    FakeSocket.last.open()
    expect(awarenessClock(handle)).toBe(before + 2)
    expect(p.awareness.getLocalState()?.user).toEqual(me)
    stop()
  })

  it('follows a change of the person', async () => {
    const user = ref({ ...me })
    const { handle, stop } = open('doc-1', { user, keepAlive: () => {} })
    user.value = { name: '张明（司法局）', color: '#d62728' }
    await nextTick()
    expect(handle.provider.value!.awareness.getLocalState()?.user).toEqual({ name: '张明（司法局）', color: '#d62728' })
    stop()
  })

  it('keeps the session alive on local edits only', () => {
    const keepAlive = vi.fn()
    const { handle, stop } = open('doc-1', { user: me, keepAlive })
    FakeSocket.last.open()
    const doc = handle.ydoc.value!
    doc.getText('t').insert(0, '本地')
    expect(keepAlive).toHaveBeenCalledTimes(1)

    const other = new Y.Doc()
    let remote: Uint8Array | null = null
    other.on('update', (u: Uint8Array) => (remote = u))
    other.getText('t').insert(0, '他人')
    FakeSocket.last.push((e) => syncProtocol.writeUpdate(e, remote!))
    expect(doc.getText('t').toString()).toContain('他人')
    expect(keepAlive).toHaveBeenCalledTimes(1)
    stop()
  })

  it('closes the socket when the browser goes offline and reopens it when it is back', () => {
    const { handle, stop } = open('doc-1')
    FakeSocket.last.open()
    expect(handle.provider.value!.wsconnected).toBe(true)

    window.dispatchEvent(new Event('offline'))
    expect(FakeSocket.last.readyState).toBe(3)
    expect(handle.provider.value!.wsconnected).toBe(false)
    expect(handle.sync.value!.state.value).toBe('offline')
    // Typing offline stays in the doc, pending.
    handle.ydoc.value!.getText('t').insert(0, '断网期间')
    expect(handle.sync.value!.pending.value).toBe(1)

    window.dispatchEvent(new Event('online'))
    expect(FakeSocket.all).toHaveLength(2)
    FakeSocket.last.open()
    expect(FakeSocket.last.server.getText('t').toString()).toBe('断网期间')
    FakeSocket.last.commit()
    expect(handle.sync.value!.state.value).toBe('saved')
    stop()
  })

  it('tells the header indicator when its socket is lost and back', () => {
    streamOpen.value = true
    const { stop } = open('doc-1')
    // Opening for the first time is not a lost connection.
    expect(connection.value).toBe('online')
    FakeSocket.last.open()
    expect(connection.value).toBe('online')

    window.dispatchEvent(new Event('offline'))
    expect(connection.value).toBe('offline')
    window.dispatchEvent(new Event('online'))
    // The network is back, the document's socket not yet.
    expect(connection.value).toBe('reconnecting')
    FakeSocket.last.open()
    expect(connection.value).toBe('online')

    FakeSocket.last.onclose?.({ code: 1006 })
    expect(connection.value).toBe('reconnecting')
    // The page leaves: its socket no longer counts.
    stop()
    expect(connection.value).toBe('online')
    streamOpen.value = false
  })

  it('destroys the provider and the doc and removes its listeners when the scope ends', () => {
    const added = vi.spyOn(window, 'addEventListener')
    const removed = vi.spyOn(window, 'removeEventListener')
    const { handle, stop } = open('doc-1')
    FakeSocket.last.open()
    const doc = handle.ydoc.value!
    const provider = handle.provider.value!
    let destroyed = false
    doc.on('destroy', () => (destroyed = true))
    const listeners = added.mock.calls.filter(([type]) => type === 'offline' || type === 'online')
    expect(listeners.map(([type]) => type).sort()).toEqual(['offline', 'online'])

    stop()
    expect(destroyed).toBe(true)
    expect(provider.shouldConnect).toBe(false)
    expect(FakeSocket.last.readyState).toBe(3)
    for (const [type, listener] of listeners) expect(removed).toHaveBeenCalledWith(type, listener)
    expect(handle.ydoc.value).toBeNull()
    expect(handle.provider.value).toBeNull()
    expect(handle.sync.value).toBeNull()
    // Nothing reopens it.
    window.dispatchEvent(new Event('online'))
    handle.reconnect()
    expect(FakeSocket.all).toHaveLength(1)
  })

  it('closes the old document when the id changes', async () => {
    const id = ref('doc-1')
    const { handle, stop } = open(id)
    const first = handle.ydoc.value!
    let destroyed = false
    first.on('destroy', () => (destroyed = true))
    id.value = 'doc-2'
    await nextTick()
    expect(destroyed).toBe(true)
    expect(handle.ydoc.value).not.toBe(first)
    expect(FakeSocket.all.map((s) => s.url.split('/').pop())).toEqual(['doc-1', 'doc-2'])
    expect(FakeSocket.all[0]!.readyState).toBe(3)
    stop()
  })

  it('closes with the component that opened it', () => {
    let handle: DocumentHandle | null = null
    const Page = defineComponent({
      setup() {
        handle = useDocument('doc-1', { user: me, keepAlive: () => {} })
        return () => h('div')
      },
    })
    const wrapper = mount(Page)
    const doc = handle!.ydoc.value!
    let destroyed = false
    doc.on('destroy', () => (destroyed = true))
    wrapper.unmount()
    expect(destroyed).toBe(true)
    expect(FakeSocket.last.readyState).toBe(3)
  })
})
