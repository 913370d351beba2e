// The "saved" indicator of the live minutes: green only when the server confirmed every local
// edit.
//
// The server applies an update, commits it, and only then broadcasts it and echoes it back to
// its sender (ARCHITECTURE.md, "durability before fan-out"). So what the server has durably is
// exactly what it sent us: the initial sync step 2 (sent after everything it had applied was
// committed), every update it relayed or echoed, and, on each (re)connection, its state vector
// (sync step 1), which becomes trustworthy once the step 2 that follows it arrived.
//
// `SaveTracker` keeps that knowledge as a state vector and a delete set, and the local updates
// not yet covered by it. A local edit is confirmed when every struct it created is below the
// confirmed state vector and every deletion it made is in the confirmed delete set (deleting
// creates no new clock, so comparing state vectors alone would call a pending deletion saved).
//
// `watchProvider` wires a tracker to a stock y-websocket `WebsocketProvider` by wrapping the
// provider's own sync message handler: nothing of the protocol is reimplemented, the handler
// only peeks at what the server sent before y-protocols applies it.
import * as Y from 'yjs'
import * as decoding from 'lib0/decoding'
import { ref, type Ref } from 'vue'

export type SyncState = 'connecting' | 'saving' | 'saved' | 'offline'

/** Sorted, merged, half-open ranges [start, end) of deleted clocks per client. */
type Ranges = Map<number, Array<[number, number]>>

function addRange(ranges: Ranges, client: number, start: number, end: number) {
  if (end <= start) return
  const list = ranges.get(client) ?? []
  list.push([start, end])
  list.sort((a, b) => a[0] - b[0])
  const merged: Array<[number, number]> = []
  for (const [s, e] of list) {
    const last = merged[merged.length - 1]
    if (last && s <= last[1]) last[1] = Math.max(last[1], e)
    else merged.push([s, e])
  }
  ranges.set(client, merged)
}

function covered(ranges: Ranges, client: number, start: number, end: number): boolean {
  if (end <= start) return true
  const list = ranges.get(client)
  if (!list) return false
  // Ranges are merged, so a covered range lies inside a single one.
  let lo = 0
  let hi = list.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    const [s, e] = list[mid]!
    if (start < s) hi = mid - 1
    else if (start >= e) lo = mid + 1
    else return end <= e
  }
  return false
}

function deletions(update: Uint8Array): Array<{ client: number; clock: number; len: number }> {
  const { ds } = Y.decodeUpdate(update)
  const out: Array<{ client: number; clock: number; len: number }> = []
  ds.clients.forEach((items, client) => {
    for (const item of items) out.push({ client, clock: item.clock, len: item.len })
  })
  return out
}

/** What the server has confirmed, and the local edits it has not confirmed yet. */
export class SaveTracker {
  private sv = new Map<number, number>()
  private deleted: Ranges = new Map()
  private tentative: Map<number, number> | null = null
  private pending: Uint8Array[] = []

  /** A local update (made here, not received from the server). */
  local(update: Uint8Array) {
    this.pending.push(update)
    // A long time offline makes many small updates: keep them as one.
    if (this.pending.length > 64) this.pending = [Y.mergeUpdates(this.pending)]
  }

  /** The server's sync step 1: its state vector, trusted once the following step 2 arrives. */
  serverStateVector(sv: Uint8Array) {
    this.tentative = Y.decodeStateVector(sv)
  }

  /**
   * An update the server sent (its sync step 2, a relayed update or the echo of ours): it is
   * committed on the server.
   */
  serverUpdate(update: Uint8Array, step2 = false) {
    const { to } = Y.parseUpdateMeta(update)
    to.forEach((clock, client) => this.raise(client, clock))
    for (const d of deletions(update)) addRange(this.deleted, d.client, d.clock, d.clock + d.len)
    if (step2 && this.tentative) {
      this.tentative.forEach((clock, client) => this.raise(client, clock))
      this.tentative = null
    }
    this.prune()
  }

  private raise(client: number, clock: number) {
    if ((this.sv.get(client) ?? 0) < clock) this.sv.set(client, clock)
  }

  /** Whether the server has everything this update holds. */
  contains(update: Uint8Array): boolean {
    const { from, to } = Y.parseUpdateMeta(update)
    for (const [client, end] of to) {
      if ((from.get(client) ?? 0) < end && (this.sv.get(client) ?? 0) < end) return false
    }
    return deletions(update).every((d) => covered(this.deleted, d.client, d.clock, d.clock + d.len))
  }

  private prune() {
    this.pending = this.pending.filter((u) => !this.contains(u))
  }

  /** Local edits the server has not confirmed yet. */
  get pendingCount(): number {
    return this.pending.length
  }
}

/** The indicator's state from the connection and the tracker. */
export function syncState(s: { connected: boolean; synced: boolean; everSynced: boolean; pending: number }): SyncState {
  if (!s.connected) return s.everSynced ? 'offline' : 'connecting'
  if (!s.synced) return s.everSynced ? 'saving' : 'connecting'
  return s.pending > 0 ? 'saving' : 'saved'
}

// ---- wiring to the stock WebsocketProvider ----

const MESSAGE_SYNC = 0
const MESSAGE_AUTH = 2
const SYNC_STEP1 = 0
const SYNC_STEP2 = 1
const SYNC_UPDATE = 2

type Handler = (encoder: unknown, decoder: decoding.Decoder, provider: unknown, emitSynced: boolean, type: number) => void

/** The parts of `WebsocketProvider` this module uses. */
export interface ProviderLike {
  doc: Y.Doc
  wsconnected: boolean
  synced: boolean
  messageHandlers: Handler[]
  on(event: 'status', f: (e: { status: string }) => void): void
  on(event: 'sync', f: (synced: boolean) => void): void
  off(event: 'status', f: (e: { status: string }) => void): void
  off(event: 'sync', f: (synced: boolean) => void): void
}

/** Reads what a sync message carries, without consuming the provider's decoder. */
export function peekSync(decoder: decoding.Decoder): { type: number; payload: Uint8Array } | null {
  try {
    const copy = decoding.clone(decoder)
    const type = decoding.readVarUint(copy)
    const payload = decoding.readVarUint8Array(copy)
    return { type, payload }
  } catch {
    return null
  }
}

export interface Watch {
  state: Ref<SyncState>
  pending: Ref<number>
  /** Set when the server refused an edit (the minutes are read-only). */
  refused: Ref<boolean>
  stop(): void
}

/**
 * Follows a provider: tracks local updates and what the server confirmed, and exposes the
 * indicator's state. Call before the provider connects (or right after constructing it).
 */
export function watchProvider(provider: ProviderLike): Watch {
  const tracker = new SaveTracker()
  const state = ref<SyncState>('connecting')
  const pending = ref(0)
  const refused = ref(false)
  let everSynced = false
  let stopped = false

  const refresh = () => {
    if (stopped) return
    if (provider.synced) everSynced = true
    pending.value = tracker.pendingCount
    state.value = syncState({ connected: provider.wsconnected, synced: provider.synced, everSynced, pending: tracker.pendingCount })
  }

  const onUpdate = (update: Uint8Array, origin: unknown) => {
    if (origin === provider) return
    tracker.local(update)
    refresh()
  }
  provider.doc.on('update', onUpdate)

  const originalSync = provider.messageHandlers[MESSAGE_SYNC]!
  const originalAuth = provider.messageHandlers[MESSAGE_AUTH]
  provider.messageHandlers[MESSAGE_SYNC] = (encoder, decoder, p, emitSynced, type) => {
    const message = emitSynced ? peekSync(decoder) : null
    originalSync(encoder, decoder, p, emitSynced, type)
    if (message) {
      try {
        if (message.type === SYNC_STEP1) tracker.serverStateVector(message.payload)
        else if (message.type === SYNC_STEP2) tracker.serverUpdate(message.payload, true)
        else if (message.type === SYNC_UPDATE) tracker.serverUpdate(message.payload)
      } catch {
        // An update the tracker cannot read is still applied by y-protocols; the indicator
        // then stays at "saving", which errs on the safe side.
      }
    }
    refresh()
  }
  provider.messageHandlers[MESSAGE_AUTH] = (encoder, decoder, p, emitSynced, type) => {
    refused.value = true
    if (originalAuth) originalAuth(encoder, decoder, p, emitSynced, type)
  }

  const onStatus = () => refresh()
  const onSync = () => refresh()
  provider.on('status', onStatus)
  provider.on('sync', onSync)
  refresh()

  return {
    state,
    pending,
    refused,
    stop() {
      stopped = true
      provider.doc.off('update', onUpdate)
      provider.off('status', onStatus)
      provider.off('sync', onSync)
      provider.messageHandlers[MESSAGE_SYNC] = originalSync
      if (originalAuth) provider.messageHandlers[MESSAGE_AUTH] = originalAuth
    },
  }
}

/** Where the document sockets live on this server (same origin; the session cookie signs in). */
export function wsBase(loc: { protocol: string; host: string } = location): string {
  return `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}/ws/docs`
}
