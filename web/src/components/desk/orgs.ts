// The directory of bodies (`listOrgs`, `lib/orgs.ts`), loaded once per tab and shared by the
// desk pages: task and notice rows carry only org ids, and pages show names.
import { computed, reactive } from 'vue'
import { useI18n } from 'vue-i18n'
import { orgLabel, type DirectoryOrg } from '../../lib/notices'
import { listOrgs } from '../../lib/orgs'

const state = reactive<{ list: DirectoryOrg[]; byId: Record<string, DirectoryOrg>; loaded: boolean }>({
  list: [],
  byId: {},
  loaded: false,
})
let pending: Promise<void> | null = null

/** Loads the directory (once; later calls wait for the same request). Throws on failure. */
export function loadOrgs(force = false): Promise<void> {
  if (state.loaded && !force) return Promise.resolve()
  if (!pending) {
    pending = listOrgs()
      .then((orgs) => {
        state.list = orgs
        state.byId = Object.fromEntries(orgs.map((o) => [o.id, o]))
        state.loaded = true
      })
      .finally(() => {
        pending = null
      })
  }
  return pending
}

/** `orgName(id)` in the current language; a placeholder while unknown (never the raw id). */
export function useOrgs() {
  const { t, locale } = useI18n()
  const orgName = (id: string | null | undefined): string => {
    if (!id) return '—'
    const org = state.byId[id]
    return org ? orgLabel(org, locale.value) : t('dashboard.unknownOrg')
  }
  const options = computed(() =>
    state.list.map((o) => ({ value: o.id, label: orgLabel(o, locale.value) })),
  )
  return { orgs: state, orgName, options }
}
