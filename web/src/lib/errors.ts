// Turning a failure into what a civil servant reads: which action failed, why, in their
// language, and the server's own words as a detail for whoever helps them.
import { ElMessage } from 'element-plus'
import { i18n } from '../i18n'
import { errorKey } from './api'

/** "Saving failed: the record was changed meanwhile (detail)", translated. */
export function describeError(e: unknown, actionKey?: string): string {
  const t = i18n.global.t
  const te = i18n.global.te
  const { key, detail, said } = errorKey(e)
  const reason = said ?? (te(key) ? t(key) : t('errors.unknown'))
  const action = actionKey ? t(actionKey) : ''
  const head = action ? t('errors.failed', { action, reason }) : reason
  // A catalogued sentence says it all; other words from the server follow as detail.
  return detail && !said ? `${head}（${detail}）` : head
}

/** Shows a failed action as an error toast: the same failure twice is one toast (with a
 * count), and toasts start below the header so they never cover the navigation. */
export function showError(e: unknown, actionKey?: string) {
  ElMessage({
    type: 'error', message: describeError(e, actionKey), showClose: true, duration: 8000,
    grouping: true, offset: TOAST_OFFSET,
  })
}

/** Pixels from the top of the window to the first toast: below the header. */
export const TOAST_OFFSET = 72
