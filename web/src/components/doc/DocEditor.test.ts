import { afterEach, describe, expect, it } from 'vitest'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import type { Component } from 'vue'
import * as Y from 'yjs'
import { Awareness } from 'y-protocols/awareness'
import StarterKit from '@tiptap/starter-kit'
import { i18n } from '../../i18n'
import DocEditor from './DocEditor.vue'
import MinutesEditor from '../room/MinutesEditor.vue'

const user = { name: '张明', color: '#1f77b4' }
const mounted: VueWrapper[] = []

/** A live document without a server: a Y.Doc and a provider that only carries awareness. */
function liveDoc() {
  const ydoc = new Y.Doc()
  return { ydoc, provider: { awareness: new Awareness(ydoc) } }
}

/** Writes a paragraph into a fragment as another person's edit would arrive. */
function paragraph(ydoc: Y.Doc, field: string, text: string) {
  const p = new Y.XmlElement('paragraph')
  p.insert(0, [new Y.XmlText(text)])
  ydoc.getXmlFragment(field).insert(0, [p])
}

/** Mounts with the app's i18n (zh-CN), in the document (ProseMirror wants to be attached). */
async function render(component: Component, props: Record<string, unknown>): Promise<VueWrapper> {
  const wrapper = mount(component, { props, global: { plugins: [i18n] }, attachTo: document.body }) as VueWrapper
  mounted.push(wrapper)
  await flushPromises()
  return wrapper
}

afterEach(() => {
  for (const w of mounted.splice(0)) w.unmount()
})

describe('DocEditor', () => {
  it('binds one editor per field, and leaves the read-only ones read-only', async () => {
    const { ydoc, provider } = liveDoc()
    paragraph(ydoc, 'applicant', '申请方陈述')
    paragraph(ydoc, 'respondent', '被申请方陈述')
    const wrapper = await render(DocEditor, {
      ydoc, provider, user, editable: true,
      fields: ['applicant', 'respondent'],
      extensions: () => [StarterKit.configure({ undoRedo: false, trailingNode: false })],
      readOnly: ['respondent'],
      label: (field: string) => `statement ${field}`,
      testid: (field: string) => `statement-${field}`,
      tools: ['bold', 'italic'],
    })
    const fields = wrapper.findAll('.doc-editor > .doc-field')
    expect(fields.map((f) => f.attributes('data-field'))).toEqual(['applicant', 'respondent'])

    const mine = wrapper.find('[data-testid="statement-applicant"]')
    const theirs = wrapper.find('[data-testid="statement-respondent"]')
    expect(mine.find('.ProseMirror').attributes('contenteditable')).toBe('true')
    expect(theirs.find('.ProseMirror').attributes('contenteditable')).toBe('false')
    expect(mine.find('.ProseMirror').attributes('aria-label')).toBe('statement applicant')
    expect(mine.text()).toBe('申请方陈述')
    expect(theirs.text()).toBe('被申请方陈述')
    // The toolbar only where one may write, with the buttons asked for.
    expect(fields[0]!.findAll('.toolbar .tool').map((b) => b.attributes('data-tool'))).toEqual(['bold', 'italic'])
    expect(fields[1]!.find('.toolbar').exists()).toBe(false)
    // The person's caret travels in awareness.
    expect(provider.awareness.getLocalState()?.user).toEqual(user)
  })

  it('takes a test on field names for the read-only parts, and follows `editable`', async () => {
    const { ydoc, provider } = liveDoc()
    const wrapper = await render(DocEditor, {
      ydoc, provider, user, editable: true,
      fields: ['section:market', 'section:police'],
      extensions: () => [StarterKit.configure({ undoRedo: false, trailingNode: false })],
      readOnly: (field: string) => field !== 'section:market',
      label: 'dossier',
    })
    const editable = () => wrapper.findAll('.ProseMirror').map((p) => p.attributes('contenteditable'))
    expect(editable()).toEqual(['true', 'false'])
    await wrapper.setProps({ editable: false })
    expect(editable()).toEqual(['false', 'false'])
  })
})

describe('MinutesEditor', () => {
  it('is one field, "body", in the DOM the room always had', async () => {
    const { ydoc, provider } = liveDoc()
    paragraph(ydoc, 'body', '一、司法局意见：')
    const wrapper = await render(MinutesEditor, { ydoc, provider, user, editable: true })
    const root = wrapper.element as HTMLElement
    expect(root.classList.contains('minutes-editor')).toBe(true)
    expect(wrapper.find('.doc-editor').exists()).toBe(false)
    const page = wrapper.find('[data-testid="minutes-editor"]')
    expect(page.classes()).toContain('page')
    expect(page.attributes('data-editable')).toBe('true')
    const editor = page.find('.ProseMirror')
    expect(editor.attributes('contenteditable')).toBe('true')
    expect(editor.attributes('aria-label')).toBe('会议纪要正文')
    expect(editor.attributes('role')).toBe('textbox')
    expect(editor.find('p').text()).toBe('一、司法局意见：')
    expect(wrapper.findAll('.toolbar .tool').map((b) => b.attributes('data-tool'))).toEqual([
      'bold', 'italic', 'underline', 'strike', 'h1', 'h2', 'h3', 'bullet', 'ordered', 'quote',
    ])
    expect(wrapper.find('.toolbar .tool').text()).toBe('加粗')

    await wrapper.setProps({ editable: false })
    expect(root.classList.contains('readonly')).toBe(true)
    expect(wrapper.find('.toolbar').exists()).toBe(false)
    expect(editor.attributes('contenteditable')).toBe('false')
  })
})
