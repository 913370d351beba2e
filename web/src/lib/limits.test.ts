import { describe, expect, it } from 'vitest'
import { limitSource, type EffectiveLimit } from './limits'

const limit = (over: Partial<EffectiveLimit>): EffectiveLimit => ({
  kind: 'notice_remind', kind_zh: '通报签收提醒', kind_en: 'Reminder to acknowledge a notice',
  unit: 'working_days', unit_zh: '工作日', unit_en: 'working days',
  amount: 1, default_amount: 1, source: 'default', own: false,
  from_region: null, from_region_name_zh: null, from_region_name_en: null,
  ...over,
})

describe('where a time limit comes from', () => {
  it('says set here, inherited from the region above by name, the deployment, or the default', () => {
    expect(limitSource(limit({ source: 'region', own: true, from_region: '330102' }), false)).toEqual({ key: 'own' })
    const inherited = limit({ source: 'region', from_region: '330100', from_region_name_zh: '杭州市', from_region_name_en: 'Hangzhou' })
    expect(limitSource(inherited, false)).toEqual({ key: 'inherited', region: '杭州市' })
    expect(limitSource(inherited, true)).toEqual({ key: 'inherited', region: 'Hangzhou' })
    expect(limitSource(limit({ source: 'region', from_region: '330000', from_region_name_zh: '浙江省' }), true)).toEqual({ key: 'inherited', region: '浙江省' })
    expect(limitSource(limit({ source: 'deployment' }), false)).toEqual({ key: 'deployment' })
    expect(limitSource(limit({ source: 'default' }), false)).toEqual({ key: 'default' })
  })
})
