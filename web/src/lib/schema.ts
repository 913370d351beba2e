// The server's request and response bodies by name, from the generated contract
// (`generated/api.ts`, made by `npm run gen:api` from docs/openapi.json). lib/<resource>.ts
// modules name their types through this instead of writing them again by hand.
import type { components } from './generated/api'

/** A schema of the REST interface: `Schema<'InboxPage'>`, `Schema<'SpaceBody'>`, … */
export type Schema<Name extends keyof components['schemas']> = components['schemas'][Name]
