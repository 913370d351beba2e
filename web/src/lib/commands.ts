// What the server offers a person to do to a task, a meeting or a notice's receipt: every
// command of the workflow for the caller's side, allowed now or refused with the rule that
// says why (`domain::kernel::offers` on the server). Pages render their buttons from these
// and never decide by themselves which command a state allows; the server decides again
// when the command arrives.

/** One command as the server offers it (`CommandOffer`). */
export interface CommandOffer {
  /** The command's name, as a request gives it (`acknowledge`). */
  command: string
  label_zh: string
  label_en: string
  /** Whether the caller may give it now. */
  allowed: boolean
  /** When not allowed: the rule that refuses it, in Chinese, for a person. */
  rule_zh: string | null
  /** When not allowed: the same rule in English. */
  rule_en: string | null
  /** When not allowed: the rule's stable code. */
  rule_code: string | null
}

/** The names of the commands allowed now, in the server's order (the order of the buttons). */
export function allowedCommands(offers: readonly CommandOffer[] | null | undefined): string[] {
  return (offers ?? []).filter((o) => o.allowed).map((o) => o.command)
}

/** Whether `command` is offered and allowed now. */
export function isOffered(offers: readonly CommandOffer[] | null | undefined, command: string): boolean {
  return (offers ?? []).some((o) => o.command === command && o.allowed)
}

/** Why `command` is refused now, in the reader's language (`zh-CN` unless English), or null
 * when it is allowed or not offered at all. */
export function refusal(
  offers: readonly CommandOffer[] | null | undefined,
  command: string,
  locale: string = 'zh-CN',
): string | null {
  const offer = (offers ?? []).find((o) => o.command === command)
  if (!offer || offer.allowed) return null
  return locale.startsWith('en') ? offer.rule_en : offer.rule_zh
}
