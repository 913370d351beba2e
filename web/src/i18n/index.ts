// Every visible string, zh-CN first (the default) and English second.
//
// Each feature keeps its strings in `messages/<feature>.ts`, exporting
// `{ 'zh-CN': {...}, en: {...} }`; they are merged here, so features do not edit one big file.
// A key missing in English falls back to nothing silently in production but is reported by
// the unit test that compares the two trees (`i18n.test.ts`).
import { createI18n } from 'vue-i18n'

export const LOCALES = ['zh-CN', 'en'] as const
export type Locale = (typeof LOCALES)[number]
const STORAGE_KEY = 'concord.locale'

type Tree = { [key: string]: string | Tree }

export function deepMerge(target: Tree, source: Tree): Tree {
  for (const [key, value] of Object.entries(source)) {
    const existing = target[key]
    if (typeof value === 'object' && typeof existing === 'object') deepMerge(existing, value)
    else if (existing !== undefined) throw new Error(`i18n key defined twice: ${key}`)
    else target[key] = typeof value === 'object' ? deepMerge({}, value) : value
  }
  return target
}

const modules = import.meta.glob<{ default: Record<Locale, Tree> }>('./messages/*.ts', { eager: true })

export const messages: Record<Locale, Tree> = { 'zh-CN': {}, en: {} }
for (const module of Object.values(modules)) {
  for (const locale of LOCALES) deepMerge(messages[locale], module.default[locale] ?? {})
}

function initialLocale(): Locale {
  const stored = typeof localStorage !== 'undefined' ? localStorage.getItem(STORAGE_KEY) : null
  return stored === 'en' ? 'en' : 'zh-CN'
}

export const i18n = createI18n({
  legacy: false,
  locale: initialLocale(),
  fallbackLocale: 'zh-CN',
  messages,
  missingWarn: false,
  fallbackWarn: false,
})

export function setLocale(locale: Locale) {
  i18n.global.locale.value = locale
  localStorage.setItem(STORAGE_KEY, locale)
  document.documentElement.lang = locale
}
