// The formatting buttons a document editor may offer, each naming the TipTap command it runs.
//
// A page picks which ones fit its schema (`DocEditor`'s `tools`); a button whose node or mark
// the schema lacks must not be offered, because its command would do nothing. This module
// never decides what a document may contain: the schema (the extensions) does, and the
// server's projection checks it again.
import type { Editor } from '@tiptap/core'

export const TOOL_KEYS = ['bold', 'italic', 'underline', 'strike', 'h1', 'h2', 'h3', 'bullet', 'ordered', 'quote'] as const
export type ToolKey = (typeof TOOL_KEYS)[number]

export interface Tool {
  key: ToolKey
  /** The i18n key of its label (`doc.editor.*`). */
  labelKey: string
  active: () => boolean
  run: () => void
}

/** The buttons `keys` for `editor`, in the order given. */
export function toolsFor(editor: Editor, keys: readonly ToolKey[]): Tool[] {
  const chain = () => editor.chain().focus()
  const all: Record<ToolKey, Omit<Tool, 'key'>> = {
    bold: { labelKey: 'doc.editor.bold', active: () => editor.isActive('bold'), run: () => chain().toggleBold().run() },
    italic: { labelKey: 'doc.editor.italic', active: () => editor.isActive('italic'), run: () => chain().toggleItalic().run() },
    underline: { labelKey: 'doc.editor.underline', active: () => editor.isActive('underline'), run: () => chain().toggleUnderline().run() },
    strike: { labelKey: 'doc.editor.strike', active: () => editor.isActive('strike'), run: () => chain().toggleStrike().run() },
    h1: { labelKey: 'doc.editor.h1', active: () => editor.isActive('heading', { level: 1 }), run: () => chain().toggleHeading({ level: 1 }).run() },
    h2: { labelKey: 'doc.editor.h2', active: () => editor.isActive('heading', { level: 2 }), run: () => chain().toggleHeading({ level: 2 }).run() },
    h3: { labelKey: 'doc.editor.h3', active: () => editor.isActive('heading', { level: 3 }), run: () => chain().toggleHeading({ level: 3 }).run() },
    bullet: { labelKey: 'doc.editor.bulletList', active: () => editor.isActive('bulletList'), run: () => chain().toggleBulletList().run() },
    ordered: { labelKey: 'doc.editor.orderedList', active: () => editor.isActive('orderedList'), run: () => chain().toggleOrderedList().run() },
    quote: { labelKey: 'doc.editor.blockquote', active: () => editor.isActive('blockquote'), run: () => chain().toggleBlockquote().run() },
  }
  return keys.map((key) => ({ key, ...all[key] }))
}
