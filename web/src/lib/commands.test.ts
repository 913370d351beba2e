import { describe, expect, it } from 'vitest'
import { allowedCommands, isOffered, refusal, type CommandOffer } from './commands'

const offer = (command: string, rule: string | null = null): CommandOffer => ({
  command, label_zh: command, label_en: command, allowed: rule === null,
  rule_en: rule, rule_zh: rule && `中文：${rule}`, rule_code: rule && `task.${command}`,
})

const offers = [
  offer('dispatch', 'a task can be dispatched only while it is a draft; it is now dispatched'),
  offer('acknowledge'),
  offer('start', 'work on a task can start only after it has been acknowledged; it is now dispatched'),
  offer('return'),
]

describe('the commands the server offers', () => {
  it('are the allowed ones, in the server order', () => {
    expect(allowedCommands(offers)).toEqual(['acknowledge', 'return'])
    expect(allowedCommands(undefined)).toEqual([])
  })

  it('say whether one command may be given now', () => {
    expect(isOffered(offers, 'acknowledge')).toBe(true)
    expect(isOffered(offers, 'start')).toBe(false)
    expect(isOffered(offers, 'reassign')).toBe(false)
    expect(isOffered(null, 'acknowledge')).toBe(false)
  })

  it('keep the rule that refuses a command, in the reader\'s language', () => {
    expect(refusal(offers, 'start')).toMatch(/^中文：.*acknowledged/)
    expect(refusal(offers, 'start', 'en')).toMatch(/^work on a task/)
    expect(refusal(offers, 'acknowledge')).toBeNull()
    expect(refusal(offers, 'reassign')).toBeNull()
  })
})
