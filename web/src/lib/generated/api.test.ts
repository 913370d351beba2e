// The client's types of the REST interface are generated from docs/openapi.json, which the
// server's own test keeps equal to what the server describes. This test fails when the
// committed types are not what the generator makes of that document today.
import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
// @ts-expect-error: a plain ES module script without type declarations.
import { generate, target } from '../../../scripts/gen-api.mjs'

describe('the generated API types', () => {
  it('are what docs/openapi.json generates (run `npm run gen:api` after an API change)', async () => {
    const committed = await readFile(target, 'utf8')
    const fresh: string = await generate()
    expect(committed === fresh, 'src/lib/generated/api.ts is stale: run `npm run gen:api` in web/ and commit it').toBe(true)
  })
})
