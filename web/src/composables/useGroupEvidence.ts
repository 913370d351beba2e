// A group's evidence lists (`GET /api/investigations/{id}/evidence`), read once for the page
// and shared by every section's `EvidenceList`, so a dossier of six sections asks once, not six
// times. Reloaded when an event about the group arrives (a piece added or withdrawn by another
// body, the group moving on) and after one's own upload or withdrawal.
import { onUnmounted, ref, type Ref } from 'vue'
import { onEvent } from '../lib/events'
import { listEvidence, touchesGroup, type EvidencePage } from '../lib/investigationWork'

interface Shared {
  page: Ref<EvidencePage | null>
  error: Ref<unknown>
  users: number
  loading: Promise<void> | null
  stop: () => void
  reload: () => Promise<void>
}

const shared = new Map<string, Shared>()

function make(groupId: string): Shared {
  const s: Shared = {
    page: ref(null),
    error: ref(null),
    users: 0,
    loading: null,
    stop: () => {},
    reload: () => {
      if (s.loading) return s.loading
      s.loading = listEvidence(groupId)
        .then((p) => {
          s.page.value = p
          s.error.value = null
        })
        .catch((e) => {
          s.error.value = e
        })
        .finally(() => {
          s.loading = null
        })
      return s.loading
    },
  }
  s.stop = onEvent((event) => {
    if (touchesGroup(event, groupId)) void s.reload()
  }, 'investigation.')
  void s.reload()
  return s
}

/** The group's evidence page, shared while any section shows it. */
export function useGroupEvidence(groupId: string): { page: Ref<EvidencePage | null>; error: Ref<unknown>; reload: () => Promise<void> } {
  let s = shared.get(groupId)
  if (!s) {
    s = make(groupId)
    shared.set(groupId, s)
  }
  s.users++
  const mine = s
  onUnmounted(() => {
    mine.users--
    if (mine.users === 0) {
      mine.stop()
      shared.delete(groupId)
    }
  })
  return { page: mine.page, error: mine.error, reload: mine.reload }
}
