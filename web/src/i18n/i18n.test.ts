import { describe, expect, it } from 'vitest'
import { deepMerge, messages } from './index'

type Tree = { [key: string]: string | Tree }

function keys(tree: Tree, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([key, value]) =>
    typeof value === 'object' ? keys(value, `${prefix}${key}.`) : [`${prefix}${key}`],
  )
}

describe('messages', () => {
  it('has the same keys in zh-CN and English', () => {
    expect(keys(messages.en).sort()).toEqual(keys(messages['zh-CN']).sort())
  })

  it('writes every zh-CN string in Chinese, not English', () => {
    // A zh-CN string may carry placeholders, numbers, punctuation and a few fixed names (PDF,
    // SM2…), but at least one Chinese character; a string with none was left untranslated.
    const untranslated = keys(messages['zh-CN']).filter((key) => {
      const value = key.split('.').reduce<string | Tree>((node, part) => (node as Tree)[part], messages['zh-CN'])
      return typeof value === 'string' && value.trim() !== '' && !/[\u4e00-\u9fff]/.test(value.replace(/\{[^}]*\}/g, ''))
    })
    expect(untranslated).toEqual([])
  })

  it('refuses a key defined twice', () => {
    expect(() => deepMerge({ a: { b: 'x' } }, { a: { b: 'y' } })).toThrow(/defined twice/)
  })
})
