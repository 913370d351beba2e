// The case library (案例库), server/src/work/library.rs: typical cases (典型案例) made of
// reviewed files, their anonymised write-ups written live by the reviewing bureau, checked by
// the file's body and published to the bureau's region; searched by words, field, kind and
// legal basis; a public one exported for publication. Every request under `/api/library`,
// and marking a file typical under its review.
//
// Which command is allowed now is the server's to say (`commands`).
import { get, post } from './api'
import type { Schema } from './schema'
import type { CaseKind } from './reviews'

export type LibraryCase = Schema<'LibraryCaseBody'>
export type CaseState = Schema<'CaseState'>
export type MarkBody = Schema<'MarkTypical'>

const path = (id: string) => `/api/library/${encodeURIComponent(id)}`

export interface LibrarySearch {
  q?: string
  field?: string
  case_kind?: CaseKind | ''
  legal_basis?: string
}

/** The query string of a search: only the parts given. */
export function searchQuery(search: LibrarySearch): string {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(search)) {
    if (typeof value === 'string' && value.trim()) params.set(key, value.trim())
  }
  const query = params.toString()
  return query ? `?${query}` : ''
}

export async function searchLibrary(search: LibrarySearch): Promise<LibraryCase[]> {
  return (await get<Schema<'LibraryPage'>>(`/api/library${searchQuery(search)}`)).cases
}

export function loadCase(id: string): Promise<LibraryCase> {
  return get<LibraryCase>(path(id))
}

export function actOnCase(id: string, body: Record<string, unknown>): Promise<LibraryCase> {
  return post<LibraryCase>(`${path(id)}/actions`, body)
}

/** The organising bureau marks a confirmed file of its review typical. */
export function markTypical(reviewId: string, fileId: string, body: MarkBody): Promise<LibraryCase> {
  return post<LibraryCase>(`/api/reviews/${encodeURIComponent(reviewId)}/files/${encodeURIComponent(fileId)}/library`, body)
}

/** Where a published public case is exported: `html` for a web page, `json` for a publishing system. */
export function exportUrl(id: string, format: 'html' | 'json'): string {
  return `${path(id)}/export.${format}`
}

/** The request body of a case command at `revision`, or the message key of what is missing. */
export function caseCommandBody(command: string, revision: number, reason: string, isPublic: boolean): { body: Record<string, unknown> } | { error: string } {
  if (command === 'publish') return { body: { command, revision, public: isPublic } }
  if (command === 'send_back' || command === 'withdraw') {
    const text = reason.trim()
    if (!text) return { error: 'library.reasonRequired' }
    return { body: { command, revision, reason: text } }
  }
  return { body: { command, revision } }
}

export function caseTagType(state: CaseState): 'primary' | 'success' | 'warning' | 'info' {
  switch (state) {
    case 'drafting':
      return 'primary'
    case 'checking':
      return 'warning'
    case 'published':
      return 'success'
    default:
      return 'info'
  }
}

/** Whether an event is about case `id`. */
export function eventIsAboutCase(event: { subject: string; payload?: Record<string, unknown> | null }, id: string): boolean {
  return event.subject === `library:${id}` || event.payload?.case_id === id
}
