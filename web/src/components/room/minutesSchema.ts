// The TipTap schema of the minutes' body: the nodes and marks docs/minutes-schema.md allows
// and nothing else. The server's projection refuses a document holding anything more, so this
// list must never grow without that document and the projection growing first.
import type { Extensions } from '@tiptap/core'
import StarterKit from '@tiptap/starter-kit'

/** Fresh extensions for one editor of the minutes' body (Collaboration is added by DocEditor). */
export function minutesExtensions(): Extensions {
  return [
    StarterKit.configure({
      // Refused by the projection (minutes-schema.md) or brought by Collaboration.
      code: false,
      codeBlock: false,
      hardBreak: false,
      horizontalRule: false,
      undoRedo: false,
      // Appends paragraphs by itself, which would write into a document others read.
      trailingNode: false,
      heading: { levels: [1, 2, 3] },
      link: { openOnClick: false, autolink: true },
    }),
  ]
}
