import { describe, expect, it } from 'vitest'
import type { CommandOffer } from './commands'
import {
  aboutLink, canAcknowledge, canClose, canReply, composeRequest, eventIsAbout, eventLabelKey, isPending, orgLabel,
  receiptSummary, subjectLink, type ComposeForm, type Receipt, type ReceiptState,
} from './notices'

function receipt(org: string, state: ReceiptState, extra: Partial<Receipt> = {}): Receipt {
  return {
    notice_id: 'n1', org_id: org, state, delivered_at: 1, read_at: null, read_by: null, acknowledged_at: null,
    acknowledged_by: null, acknowledged_by_name: null, replied_at: null, replied_by: null, reply: null, closed_at: null,
    commands: [], ...extra,
  }
}

/** A receipt whose `commands` allow `allowed` and refuse the others, as the server sends them. */
function offering(...allowed: string[]): Pick<Receipt, 'commands'> {
  const commands: CommandOffer[] = ['read', 'acknowledge', 'reply', 'close'].map((command) => ({
    command, label_zh: command, label_en: command,
    allowed: allowed.includes(command),
    rule_zh: allowed.includes(command) ? null : `the server refuses ${command} now`, rule_en: allowed.includes(command) ? null : `the server refuses ${command} now`, rule_code: null,
  }))
  return { commands }
}

describe('what a body may do to a receipt', () => {
  it('is what the server offers, not a copy of its machine', () => {
    expect(canAcknowledge(offering('acknowledge'))).toBe(true)
    expect(canAcknowledge(offering('read', 'reply'))).toBe(false)
    expect(canAcknowledge(undefined)).toBe(false)
    expect(canReply(offering('reply'))).toBe(true)
    expect(canReply(offering('acknowledge'))).toBe(false)
    expect(canClose(offering('close'))).toBe(true)
    expect(canClose(offering())).toBe(false)
  })

  it('counts a notice as pending while 签收 or a reply is still owed', () => {
    expect(isPending(offering('acknowledge'))).toBe(true)
    expect(isPending(offering('reply'))).toBe(true)
    expect(isPending(offering('read'))).toBe(false)
    expect(isPending(undefined)).toBe(false)
  })
})

describe('the sender’s summary', () => {
  it('counts read, acknowledged, replied and unacknowledged bodies', () => {
    const receipts = [
      receipt('a', 'delivered'),
      receipt('b', 'read', { read_at: 5 }),
      receipt('c', 'acknowledged', { read_at: 5, acknowledged_at: 6, acknowledged_by_name: '张三' }),
      receipt('d', 'replied', { read_at: 5, acknowledged_at: 6, replied_at: 7, reply: '收到' }),
    ]
    expect(receiptSummary(receipts)).toEqual({ total: 4, read: 3, acknowledged: 2, replied: 1, unacknowledged: 2 })
  })
  it('owes no acknowledgement when none was asked', () => {
    expect(receiptSummary([receipt('a', 'read', { read_at: 1 })], false).unacknowledged).toBe(0)
  })
})

describe('composing', () => {
  const form: ComposeForm = {
    kind: 'information', title: ' 关于开展联合检查的通报 ', body: '请各单位知悉。', recipients: ['b', 'c', 'b', 'me'],
    requiresAck: true, requiresReply: false, replyDueAt: null,
  }
  it('builds the server’s request: trimmed, recipients once, never the sender', () => {
    expect(composeRequest(form, 'me', 0)).toEqual({
      body: { kind: 'information', title: '关于开展联合检查的通报', body: '请各单位知悉。', recipients: ['b', 'c'], requires_ack: true, requires_reply: false },
    })
  })
  it('names everything missing', () => {
    expect(composeRequest({ ...form, title: ' ', body: '', recipients: ['me'] }, 'me', 0)).toEqual({
      errors: ['inbox.compose.titleRequired', 'inbox.compose.bodyRequired', 'inbox.compose.recipientsRequired'],
    })
  })
  it('sends a reply deadline only with a reply, and only in the future', () => {
    expect(composeRequest({ ...form, replyDueAt: 500 }, 'me', 100)).not.toHaveProperty('body.reply_due_at')
    expect(composeRequest({ ...form, requiresReply: true, replyDueAt: 500 }, 'me', 100)).toHaveProperty('body.reply_due_at', 500)
    expect(composeRequest({ ...form, requiresReply: true, replyDueAt: 50 }, 'me', 100)).toEqual({ errors: ['inbox.compose.replyDueFuture'] })
  })
})

describe('helpers', () => {
  it('names a body in the reader’s language', () => {
    expect(orgLabel({ name_zh: '上城区司法局', name_en: 'Shangcheng Justice Bureau' }, 'zh-CN')).toBe('上城区司法局')
    expect(orgLabel({ name_zh: '上城区司法局', name_en: 'Shangcheng Justice Bureau' }, 'en')).toBe('Shangcheng Justice Bureau')
    expect(orgLabel({ name_zh: '上城区司法局', name_en: null }, 'en')).toBe('上城区司法局')
  })
  it('links an event subject to its page, and nothing else', () => {
    expect(subjectLink('task:abc')).toBe('/tasks/abc')
    expect(subjectLink('notice:n-1')).toBe('/notices/n-1')
    expect(subjectLink('meeting:m1')).toBe('/meetings/m1')
    expect(subjectLink('dispute:d1')).toBe('/disputes/d1')
    expect(subjectLink('investigation:g1')).toBe('/investigations/g1')
    expect(subjectLink('referral:r1')).toBe('/referrals/r1')
    expect(subjectLink('meeting:../x')).toBeNull()
    expect(subjectLink('user:u1')).toBeNull()
    expect(subjectLink('task:')).toBeNull()
  })
  it('matches events of the same version or series', () => {
    const n = { id: 'v2', series_id: 's' }
    expect(eventIsAbout({ subject: 'notice:v2', payload: {} }, n)).toBe(true)
    expect(eventIsAbout({ subject: 'notice:v1', payload: { notice_id: 'v1', series_id: 's' } }, n)).toBe(true)
    expect(eventIsAbout({ subject: 'notice:x', payload: { notice_id: 'x', series_id: 'other' } }, n)).toBe(false)
  })
  it('labels known event kinds and falls back for unknown ones', () => {
    const known = (key: string) => key === 'inbox.event.task.dispatched'
    expect(eventLabelKey('task.dispatched', known)).toBe('inbox.event.task.dispatched')
    expect(eventLabelKey('task.unheard_of', known)).toBe('inbox.event.other')
    expect(eventLabelKey('constructor', () => true)).toBe('inbox.event.other')
  })
})

describe('what a notice is about', () => {
  it('links a meeting, its signed minutes, or a dispute whose decision it sends', () => {
    expect(aboutLink({ about: { meeting_id: 'm1', minutes_version: null } })).toEqual({ to: '/meetings/m1', label: 'notices.about.meeting' })
    expect(aboutLink({ about: { meeting_id: 'm1', minutes_version: 2 } })?.to).toBe('/meetings/m1/archive')
    expect(aboutLink({ about: { dispute_id: 'd 1' } })).toEqual({ to: '/disputes/d%201', label: 'notices.about.dispute' })
    expect(aboutLink({ about: { investigation_id: 'g 1' } })).toEqual({ to: '/investigations/g%201', label: 'notices.about.investigation' })
    expect(aboutLink({ about: null })).toBeNull()
  })
})
