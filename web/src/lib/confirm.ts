// Asking before an action that cannot be taken back (定稿, 发起会签, 归档, 发出通知, 开始会议…).
//
// The question names what follows, in the words of the page that asks: a person who clicked by
// mistake learns what would have happened and can step back; nothing is sent before they
// confirm. Cancelling, closing the box or pressing Escape all mean no.
import { ElMessageBox } from 'element-plus'

export interface Question {
  /** The box's title: the action (“定稿”). */
  title: string
  /** What follows, in full sentences. */
  message: string
  /** The confirming button, named for the action (“确认定稿”). */
  confirm: string
  /** The cancelling button (“取消”). */
  cancel: string
  /** A destructive action (removing, cancelling): the confirming button is red. */
  danger?: boolean
}

/** Resolves true only when the person confirmed. */
export async function confirmFirst(q: Question): Promise<boolean> {
  try {
    await ElMessageBox.confirm(q.message, q.title, {
      confirmButtonText: q.confirm,
      cancelButtonText: q.cancel,
      type: 'warning',
      confirmButtonClass: q.danger ? 'el-button--danger' : undefined,
      customClass: 'confirm-first',
    })
    return true
  } catch {
    return false
  }
}
