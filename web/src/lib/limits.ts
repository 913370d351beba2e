// Time limits by region (时限设置): a region's effective limits, each with where it comes from,
// and setting or clearing the region's own (an operator, or the region's bureau admin; the
// server's `can_manage` says which). Each kind has one unit; a region sets only how many.
import { del, get, put } from './api'
import type { Schema } from './schema'

export type RegionLimits = Schema<'RegionLimits'>
export type EffectiveLimit = Schema<'EffectiveLimit'>
export type LimitKind = Schema<'LimitKind'>

/** The largest amount a region may set (the server refuses more). */
export const MAX_LIMIT = 365

const path = (code: string) => `/api/regions/${encodeURIComponent(code)}/limits`

export function regionLimits(code: string): Promise<RegionLimits> {
  return get<RegionLimits>(path(code))
}

/** Sets the region's own limit of `kind`, in the kind's own unit; answers the limits after it. */
export function setRegionLimit(code: string, limit: EffectiveLimit, amount: number): Promise<RegionLimits> {
  return put<RegionLimits>(`${path(code)}/${limit.kind}`, { unit: limit.unit, amount })
}

/** Clears the region's own limit of `kind`, so it inherits again. */
export function clearRegionLimit(code: string, kind: LimitKind): Promise<RegionLimits> {
  return del<RegionLimits>(`${path(code)}/${kind}`)
}

/**
 * Where a limit comes from, as the i18n key and its values: `own` (本区划设置),
 * `inherited` (继承自 <region>), `deployment` (部署默认), `default` (默认).
 */
export function limitSource(limit: EffectiveLimit, english: boolean): { key: string; region?: string } {
  if (limit.source === 'region') {
    if (limit.own) return { key: 'own' }
    const name = (english && limit.from_region_name_en) || limit.from_region_name_zh || limit.from_region || ''
    return { key: 'inherited', region: name }
  }
  return { key: limit.source }
}
