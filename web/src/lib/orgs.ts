// The directory of bodies (`GET /api/orgs`): the one request for it.
//
// Pages keep their own caches of the answer (`loadOrgs` in `meetings.ts`, `components/desk/orgs.ts`);
// this module must never cache, so a failure is retried by whoever asks next.
import { get } from './api'
import type { DirectoryOrg } from './notices'

/** Every body of the directory the caller may see. */
export async function listOrgs(): Promise<DirectoryOrg[]> {
  const answer = await get<{ orgs: DirectoryOrg[] }>('/api/orgs')
  return answer.orgs
}
