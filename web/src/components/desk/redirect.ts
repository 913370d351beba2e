// Where to go after signing in: the page the person was sent away from, but only a path of
// this site (`/…`), never another origin (`//host`, `/\host`, `https://…`) — an open redirect
// would let a link dressed as ours send a freshly signed-in person anywhere.

export function safeNext(next: unknown): string {
  const value = Array.isArray(next) ? next[0] : next
  if (typeof value !== 'string' || value === '') return '/'
  if (!value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return '/'
  // Control characters (a tab or newline inside "/\t/evil") are dropped by URL parsers.
  if (/[\u0000-\u001f\u007f\\]/.test(value)) return '/'
  if (value === '/login' || value.startsWith('/login?') || value.startsWith('/login#')) return '/'
  return value
}
