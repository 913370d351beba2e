//! Document numbers (发文字号, 文号) of signed documents, written as GB/T 9704 (党政机关公文格式)
//! writes them: the issuing body's short name (机关代字), the word of the kind of document (纪
//! for minutes), the year in hexagonal brackets 〔〕 and the sequence number, without leading
//! zeros, followed by 号: `宁司纪〔2026〕3号`.
//!
//! Each issuing body numbers each kind per calendar year (Beijing time) from 1; the server
//! assigns the next number when a document is first frozen and stores it, so a number is never
//! given twice and a document keeps its number through later versions (`db::numbers`).
//!
//! The short name is the one stored for the body when an operator has set it; otherwise
//! [`default_prefix`] derives one from the body's name. A real 机关代字 (宁 for 南京) cannot be
//! derived from a name, which is why a stored one wins; the default is a readable stand-in.
//!
//! This module never does I/O.

/// The word (类别字) of meeting minutes (会议纪要) in their number.
pub const MINUTES_WORD: &str = "纪";

/// The word of a dispute decision (协调意见书): `上司协〔2026〕1号`.
pub const DECISION_WORD: &str = "协";

/// A document number as assigned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocNumber {
    /// The issuing body.
    pub org_id: String,
    /// 机关代字, as it was when the number was assigned.
    pub prefix: String,
    /// 类别字: [`MINUTES_WORD`] for minutes.
    pub word: String,
    /// The year, in Beijing time, of the first freeze.
    pub year: i32,
    /// 1 for the body's first document of this word in the year.
    pub seq: i64,
}

impl DocNumber {
    /// The number as people write it: `宁司纪〔2026〕3号`.
    pub fn text(&self) -> String {
        format!(
            "{}{}〔{}〕{}号",
            self.prefix, self.word, self.year, self.seq
        )
    }
}

/// Suffixes of region names (省, 市, 县, 区, …) dropped to find the region's own name.
const REGION_SUFFIXES: [&str; 8] = ["自治区", "自治州", "自治县", "省", "市", "县", "区", "镇"];

/// The default 机关代字 of a body named `org_name` in the region named `region_name`: the first
/// character of the region's own name and the first character of what the body's name says
/// after the region (司 of 司法局, 市 of 市场监督管理局), so `南京市司法局` in `南京市` is `南司`.
/// A name that does not start with its region's name gives its first two characters. Never
/// empty for a non-empty name.
pub fn default_prefix(org_name: &str, region_name: Option<&str>) -> String {
    let name = org_name.trim();
    let region = region_name.map(str::trim).unwrap_or("");
    let region_own = REGION_SUFFIXES
        .iter()
        .find_map(|suffix| region.strip_suffix(suffix).filter(|s| !s.is_empty()))
        .unwrap_or(region);
    let rest = [region, region_own]
        .into_iter()
        .filter(|r| !r.is_empty())
        .find_map(|r| name.strip_prefix(r));
    match (region_own.chars().next(), rest) {
        (Some(first), Some(rest)) => {
            // 人民政府, 人民法院, 人民检察院: the word that tells the body is after 人民.
            let rest = rest.strip_prefix("人民").unwrap_or(rest);
            match rest.chars().next() {
                Some(second) => [first, second].iter().collect(),
                None => first.to_string(),
            }
        }
        _ => name.chars().take(2).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_number_is_written_as_gb_t_9704_writes_it() {
        let number = DocNumber {
            org_id: "o".into(),
            prefix: "宁司".into(),
            word: MINUTES_WORD.into(),
            year: 2026,
            seq: 3,
        };

        assert_eq!(number.text(), "宁司纪〔2026〕3号");
    }

    #[test]
    fn the_default_prefix_is_the_region_and_the_body() {
        assert_eq!(default_prefix("南京市司法局", Some("南京市")), "南司");
        assert_eq!(
            default_prefix("南京市市场监督管理局", Some("南京市")),
            "南市"
        );
        assert_eq!(default_prefix("鼓楼区人民法院", Some("鼓楼区")), "鼓法");
        assert_eq!(default_prefix("江宁区司法局", Some("江宁区")), "江司");
        // Written without the region's suffix.
        assert_eq!(default_prefix("南京司法局", Some("南京市")), "南司");
        // A name that does not start with its region: its first two characters.
        assert_eq!(default_prefix("市司法局", Some("南京市")), "市司");
        assert_eq!(default_prefix("公安局", None), "公安");
        assert_eq!(default_prefix("局", None), "局");
    }
}
