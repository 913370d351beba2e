// How connected this tab is, for the header's indicator: online, reconnecting or offline.
//
// Three things say it, and the indicator must never be greener than the worst of them:
// - the browser's own network state (`navigator.onLine` and the `online`/`offline` events):
//   without a network nothing is live, whatever a socket that has not noticed yet believes;
// - the event stream (`events.ts`): open, or trying again;
// - each live document socket a page holds (`useDocument` reports them): one that was
//   connected and is not now is being re-established.
// A socket that has never connected yet (a page just opened) is not counted as lost.
//
// It only observes; reconnecting is the event stream's and the provider's own business.
import { computed, reactive, ref } from 'vue'
import { streamOpen } from './events'

export type Connection = 'online' | 'reconnecting' | 'offline'

/** The indicator's state from what is known. */
export function connectionOf(s: { browserOnline: boolean; streamOpen: boolean; socketsDown: number }): Connection {
  if (!s.browserOnline) return 'offline'
  if (!s.streamOpen || s.socketsDown > 0) return 'reconnecting'
  return 'online'
}

const browserOnline = ref(typeof navigator === 'undefined' ? true : navigator.onLine !== false)
if (typeof window !== 'undefined') {
  window.addEventListener('online', () => (browserOnline.value = true))
  window.addEventListener('offline', () => (browserOnline.value = false))
}

/** Live document sockets that were connected and are not now. */
const socketsDown = reactive(new Set<symbol>())

/** One live document socket's part in the indicator; `useDocument` holds one per provider. */
export interface SocketReport {
  /** The provider's status event: `connected`, `connecting` or `disconnected`. */
  status(status: string): void
  /** The socket is closed for good (the page left): it no longer counts. */
  forget(): void
}

export function reportSocket(): SocketReport {
  const id = Symbol('socket')
  let everConnected = false
  return {
    status(status) {
      if (status === 'connected') {
        everConnected = true
        socketsDown.delete(id)
      } else if (everConnected) {
        socketsDown.add(id)
      }
    },
    forget() {
      socketsDown.delete(id)
    },
  }
}

/** The tab's connection, as the header shows it. */
export const connection = computed<Connection>(() =>
  connectionOf({ browserOnline: browserOnline.value, streamOpen: streamOpen.value, socketsDown: socketsDown.size }),
)
