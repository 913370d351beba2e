// One live document for a page: the Y.Doc, the stock y-websocket provider on `/ws/docs/{id}`,
// and everything a page co-editing it needs around them.
//
// A page calls `useDocument(docId, { user })` in its setup and gets reactive refs: `ydoc` and
// `provider` (null until `docId` is known), `awareness` for the presence list, `sync` (the
// saved-state watcher of `lib/sync.ts`: state, pending, refused) and `reconnect()`. It owns:
//
// - opening: a Y.Doc and a `WebsocketProvider` (`wsBase()`, no BroadcastChannel: every tab
//   talks to the server, which alone decides what is saved), watched before it connects;
// - presence: the person's name and caret colour in the awareness local state, restated on
//   every reconnection (see `restatePresence`);
// - keeping the session alive while the person types (typing talks only to the socket);
// - the browser going offline or online: the socket is closed or reopened at once;
// - the header's connection indicator: the socket's status is reported to `lib/connection`;
// - closing: when `docId` changes and when the page's scope ends (unmount), the watcher is
//   stopped, the provider and the doc destroyed, and the window listeners removed.
//
// It must never interpret the document (which fields exist, what they mean, who may write
// them: that is the page's and the server's business), never write into it, and never decide
// whether an edit was saved by itself (only `watchProvider`'s evidence from the server counts).
import {
  computed, getCurrentInstance, getCurrentScope, onScopeDispose, onUnmounted, shallowRef, toValue, watch,
  type ComputedRef, type MaybeRefOrGetter, type ShallowRef,
} from 'vue'
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import { reportSocket } from '../lib/connection'
import { keepAliveWhileWorking } from '../lib/session'
import { watchProvider, wsBase, type ProviderLike, type Watch } from '../lib/sync'

/** Who is editing, as other people's carets and presence lists show them. */
export interface DocUser {
  name: string
  color: string
}

export interface DocumentOptions {
  /** The person at this browser; their awareness `user` field (the server adds who they are). */
  user?: MaybeRefOrGetter<DocUser | null | undefined>
  /**
   * Called on each local edit; the default renews the session at most every five minutes
   * (`keepAliveWhileWorking`). A page that edits nothing may pass `() => {}`.
   */
  keepAlive?: () => void
  /** Makes the provider, not connected yet; the default is the stock one on this server. */
  createProvider?: (docId: string, doc: Y.Doc) => WebsocketProvider
}

export interface DocumentHandle {
  ydoc: Readonly<ShallowRef<Y.Doc | null>>
  provider: Readonly<ShallowRef<WebsocketProvider | null>>
  /** The provider's awareness (who is here), or null while no document is open. */
  awareness: ComputedRef<WebsocketProvider['awareness'] | null>
  /** The saved indicator's state (`sync.value.state.value` …), or null while no document is open. */
  sync: Readonly<ShallowRef<Watch | null>>
  /** Closes the socket and opens a new one: the server then decides access afresh. */
  reconnect(): void
}

function stockProvider(docId: string, doc: Y.Doc): WebsocketProvider {
  return new WebsocketProvider(wsBase(), docId, doc, { connect: false, disableBc: true })
}

/**
 * When a socket closes, the server removes this browser's cursor and presence with a newer
 * clock than ours, so on reconnecting our unchanged state would be ignored until it is renewed
 * (up to 30 s). Restating it twice makes it newer than the removal at once.
 */
function restatePresence(provider: WebsocketProvider) {
  const local = provider.awareness.getLocalState()
  if (local) {
    provider.awareness.setLocalState({ ...local })
    provider.awareness.setLocalState({ ...local })
  }
}

/** Opens the live document `docId` (when it is a non-empty string) for the current scope. */
export function useDocument(docId: MaybeRefOrGetter<string | null | undefined>, options: DocumentOptions = {}): DocumentHandle {
  const ydoc = shallowRef<Y.Doc | null>(null)
  const provider = shallowRef<WebsocketProvider | null>(null)
  const sync = shallowRef<Watch | null>(null)
  const awareness = computed(() => provider.value?.awareness ?? null)
  let close: (() => void) | null = null

  function open(id: string) {
    const doc = new Y.Doc()
    const p = (options.createProvider ?? stockProvider)(id, doc)
    const watcher = watchProvider(p as unknown as ProviderLike)

    const socket = reportSocket()
    const onStatus = ({ status }: { status: string }) => {
      socket.status(status)
      if (status === 'connected') restatePresence(p)
    }
    p.on('status', onStatus)

    const working = options.keepAlive ?? keepAliveWhileWorking()
    const onUpdate = (_update: Uint8Array, origin: unknown) => {
      if (origin !== p) working()
    }
    doc.on('update', onUpdate)

    // Going offline closes the socket at once (the browser may not notice for a while); edits
    // stay in the Y.Doc and merge when the connection comes back.
    const goOffline = () => p.disconnect()
    const goOnline = () => p.connect()
    window.addEventListener('offline', goOffline)
    window.addEventListener('online', goOnline)

    const stopUser = watch(
      () => toValue(options.user),
      (user) => {
        if (user) p.awareness.setLocalStateField('user', { name: user.name, color: user.color })
      },
      { immediate: true },
    )

    p.connect()
    ydoc.value = doc
    provider.value = p
    sync.value = watcher

    close = () => {
      stopUser()
      window.removeEventListener('offline', goOffline)
      window.removeEventListener('online', goOnline)
      p.off('status', onStatus)
      socket.forget()
      doc.off('update', onUpdate)
      watcher.stop()
      p.destroy()
      doc.destroy()
      ydoc.value = null
      provider.value = null
      sync.value = null
    }
  }

  function shut() {
    const f = close
    close = null
    f?.()
  }

  watch(
    () => toValue(docId) || null,
    (id) => {
      shut()
      if (id) open(id)
    },
    { immediate: true },
  )
  // In a component, close after its children are gone (the editor first lets go of the doc and
  // the provider, as when the page did this by hand); elsewhere, when the scope ends.
  if (getCurrentInstance()) onUnmounted(shut)
  else if (getCurrentScope()) onScopeDispose(shut)

  return {
    ydoc,
    provider,
    awareness,
    sync,
    reconnect() {
      const p = provider.value
      if (!p) return
      p.disconnect()
      p.connect()
    },
  }
}
