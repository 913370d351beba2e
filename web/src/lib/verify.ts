// Checking a minutes bundle with this server's verifier (`POST /api/verify`): the same checks
// as `concord verify`, trusting this server's log key.
//
// It only sends the bytes and reads the report; it must never judge a bundle itself: what
// counts as verified is the server's answer.
import { request } from './api'
import type { VerifyReport } from './meetings'

/** The verifier's report on a bundle (the .zip bytes as received). */
export async function verifyBundle(bytes: ArrayBuffer | Blob): Promise<VerifyReport> {
  const response = await request('POST', '/api/verify', new Blob([bytes], { type: 'application/zip' }))
  return (await response.json()) as VerifyReport
}
