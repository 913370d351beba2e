import { describe, expect, it } from 'vitest'
import { commandBody, eventIsAbout, periodOf, stateTagType } from './campaigns'
import { KINDS } from './events'

describe('campaigns', () => {
  it('asks reasons of a withdrawal only', () => {
    expect(commandBody('launch', 3, '')).toEqual({ body: { command: 'launch', revision: 3 } })
    expect(commandBody('withdraw', 3, '  ')).toEqual({ error: 'campaigns.dialog.reasonRequired' })
    expect(commandBody('withdraw', 3, ' 重复 ')).toEqual({ body: { command: 'withdraw', revision: 3, reason: '重复' } })
  })

  it('takes a period of two days in order', () => {
    expect(periodOf(['2027-03-01', '2027-06-30'])).toEqual({ starts_on: '2027-03-01', ends_on: '2027-06-30' })
    expect(periodOf(null)).toEqual({ error: 'campaigns.create.periodRequired' })
    expect(periodOf(['2027-07-01', '2027-06-30'])).toEqual({ error: 'campaigns.create.periodOrder' })
  })

  it('listens to every kind of event a campaign and its summary send', () => {
    for (const kind of ['launched', 'concluded', 'withdrawn', 'summarised']) expect(KINDS).toContain(`campaign.${kind}`)
    for (const act of ['frozen', 'sign_requested', 'signed', 'reopened', 'archived']) expect(KINDS).toContain(`campaign_summary.${act}`)
    expect(KINDS).toContain('filing.filed')
  })

  it('tags states and recognises its events', () => {
    expect(stateTagType('summarised')).toBe('success')
    expect(stateTagType('withdrawn')).toBe('info')
    expect(eventIsAbout({ subject: 'campaign:c1' }, 'c1')).toBe(true)
    expect(eventIsAbout({ subject: 'signed_doc:x', payload: { campaign_id: 'c1' } }, 'c1')).toBe(true)
    expect(eventIsAbout({ subject: 'campaign:c2' }, 'c1')).toBe(false)
  })
})
