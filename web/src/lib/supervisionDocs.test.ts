import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { KINDS } from './events'
import { commandBody, eventIsAbout, readAct, shownCommands, writeAct } from './supervisionDocs'

describe('supervision documents', () => {
  it('builds each command with exactly its words, and names what is missing', () => {
    expect(commandBody('accept', 3, 'ignored')).toEqual({ body: { command: 'accept', revision: 3 } })
    expect(commandBody('submit_report', 3, ' 已整改 ')).toEqual({ body: { command: 'submit_report', revision: 3, text: '已整改' } })
    expect(commandBody('send_back', 4, '缺清单')).toEqual({ body: { command: 'send_back', revision: 4, reason: '缺清单' } })
    expect(commandBody('send_back', 4, '  ')).toEqual({ error: 'supervisionDocs.dialog.reasonRequired' })
    expect(commandBody('submit_report', 4, '')).toEqual({ error: 'supervisionDocs.dialog.textRequired' })
  })

  it('shows only the commands the server allows', () => {
    const offer = (command: string, allowed: boolean) => ({ command, allowed, label_zh: command, label_en: command })
    const shown = shownCommands({ commands: [offer('accept', true), offer('close', false)] } as never)
    expect(shown.map((c) => c.command)).toEqual(['accept'])
  })

  it('reads and writes a decision\'s act in the text\'s map, dropping an emptied field', () => {
    const doc = new Y.Doc()
    expect(readAct(doc)).toEqual({ name: '', order: '' })
    writeAct(doc, 'name', '上市监罚〔2026〕8号')
    writeAct(doc, 'order', 'revoke')
    expect(readAct(doc)).toEqual({ name: '上市监罚〔2026〕8号', order: 'revoke' })
    writeAct(doc, 'name', '')
    expect(doc.getMap('act').has('name')).toBe(false)
    doc.getMap('act').set('order', 'pardon')
    expect(readAct(doc).order).toBe('')
  })

  it('listens to every event of a document and knows which are about it', () => {
    for (const kind of ['supervision.issued', 'supervision.received', 'supervision.overdue', 'supervision_doc.signed']) {
      expect(KINDS).toContain(kind)
    }
    expect(eventIsAbout({ subject: 'supervision:s1' }, 's1')).toBe(true)
    expect(eventIsAbout({ subject: 'notice:n1', payload: { supervision_id: 's1' } }, 's1')).toBe(true)
    expect(eventIsAbout({ subject: 'supervision:s2' }, 's1')).toBe(false)
  })
})
