//! Every phrase the server says, in one walk: the general catalogue ([`super::phrases`]) and
//! each workflow's rules, declared beside its machine with `catalogue! { RULES: … }`. A new
//! workflow adds its list here, and the walk checks its phrases like the others'.
//!
//! Nothing depends on this module, so the lists it names may depend on the catalogue.

use super::message::Phrase;

/// Every phrase the server says: the catalogue and each workflow's rules.
pub fn everything() -> impl Iterator<Item = &'static Phrase> {
    [
        super::phrases::ALL,
        super::task::RULES,
        super::meeting::RULES,
        super::dispute::RULES,
        super::dispute_stats::RULES,
        super::stats::RULES,
        super::investigation::RULES,
        super::investigation::REPORT_RULES,
        super::investigation_work::RULES,
        super::notice::RULES,
        super::referral::RULES,
        super::filing::RULES,
        super::plan::RULES,
        super::campaign::RULES,
        super::library::RULES,
        super::review::RULES,
        super::review_sheet::RULES,
        super::supervision_doc::RULES,
        super::referral_stats::RULES,
        super::supervision::RULES,
        super::signed::RULES,
        super::minutes::RULES,
        super::limits::RULES,
    ]
    .into_iter()
    .flatten()
    .copied()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::message::placeholders;

    /// Walks the whole catalogue: every code once, both languages written, Chinese in the
    /// Chinese sentence and none in the English one, the same placeholders in both.
    #[test]
    fn every_phrase_of_the_catalogue_has_chinese_and_english_with_the_same_placeholders() {
        let mut codes = std::collections::BTreeSet::new();
        for phrase in everything() {
            assert!(codes.insert(phrase.code), "{} twice", phrase.code);
            assert!(
                phrase.code.contains('.') && phrase.code.is_ascii(),
                "{}",
                phrase.code
            );
            assert!(
                phrase
                    .zh
                    .chars()
                    .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{}: no Chinese in {:?}",
                phrase.code,
                phrase.zh
            );
            assert!(!phrase.en.trim().is_empty(), "{}", phrase.code);
            let mut zh = placeholders(phrase.zh);
            let mut en = placeholders(phrase.en);
            zh.sort_unstable();
            en.sort_unstable();
            assert_eq!(zh, en, "{}: placeholders differ", phrase.code);
        }
        assert!(codes.len() >= 150, "only {} phrases", codes.len());
    }
}
