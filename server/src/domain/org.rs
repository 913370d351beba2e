//! Organizations, regions and roles: the words every other rule is written in.
//!
//! Every enum here is stored and sent as its `snake_case` name (`judicial_bureau`), and knows
//! its Chinese and English label for people. Every newtype parses, so a value that exists is
//! valid: a handler that holds an [`OrgCode`] never checks it again.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::message::{Message, Phrase};
use super::phrases;

/// Why a value was refused, in words for the person who typed it: a phrase of the catalogue
/// with its values, said in the reader's language when known (English in logs).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Invalid(pub Message);

impl Invalid {
    /// Refused by `phrase` with no values.
    pub fn by(phrase: &'static Phrase) -> Invalid {
        Invalid(phrase.message())
    }
}

macro_rules! labelled_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident { $( $(#[$vmeta:meta])* $variant:ident = ($text:literal, $zh:literal, $en:literal) ),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, ::serde::Serialize, ::serde::Deserialize, ::utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $( $(#[$vmeta])* $variant ),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored and transmitted name, e.g. `judicial_bureau`.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// The label people see in zh-CN, the interface's first language.
            pub fn label_zh(self) -> &'static str {
                match self { $($name::$variant => $zh),+ }
            }

            /// The label people see in English.
            pub fn label_en(self) -> &'static str {
                match self { $($name::$variant => $en),+ }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl $crate::domain::kernel::Label for $name {
            const ALL: &'static [$name] = $name::ALL;
            fn as_str(self) -> &'static str {
                $name::as_str(self)
            }
            fn label_zh(self) -> &'static str {
                $name::label_zh(self)
            }
            fn label_en(self) -> &'static str {
                $name::label_en(self)
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::domain::org::Invalid;
            fn from_str(s: &str) -> Result<Self, $crate::domain::org::Invalid> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err($crate::domain::org::Invalid(
                        $crate::domain::phrases::UNKNOWN_WORD
                            .with("value", format!("{s:?}"))
                            .with("expected", [$($text),+].join(", ")),
                    )),
                }
            }
        }
    };
}

/// Shared with the other vocabularies of the domain (tasks, notifications, calendars).
pub(crate) use labelled_enum;

labelled_enum! {
    /// What kind of body an organization is (DOMAIN.md, "Who uses it").
    pub enum OrgKind {
        /// 司法局: convenes coordination meetings, decides escalated disputes, supervises.
        JudicialBureau = ("judicial_bureau", "司法局", "Judicial bureau"),
        /// 行政执法部门: market regulation, environment, urban management, ...
        EnforcementDepartment = ("enforcement_department", "行政执法部门", "Enforcement department"),
        /// 乡镇人民政府 / 综合行政执法办公室: holds powers delegated from county departments.
        TownshipGovernment = ("township_government", "乡镇人民政府（综合行政执法办公室）", "Township government / comprehensive enforcement office"),
        /// 司法所: the judicial bureau's outpost in a township.
        JudicialOffice = ("judicial_office", "司法所", "Judicial office"),
        /// 公安机关.
        PublicSecurity = ("public_security", "公安机关", "Public security"),
        /// 检察院.
        Procuratorate = ("procuratorate", "检察院", "Procuratorate"),
        /// 法院.
        Court = ("court", "法院", "Court"),
        /// 纪检监察机关.
        DisciplineInspection = ("discipline_inspection", "纪检监察机关", "Discipline inspection and supervision"),
        /// Anything else (outside participants' bodies, for instance).
        Other = ("other", "其他", "Other"),
    }
}

labelled_enum! {
    /// The level of administration of a region, and so of the bodies in it. Ordered from the
    /// top: `Province < City < County < Township`.
    pub enum Level {
        Province = ("province", "省级", "Province"),
        City = ("city", "市级", "City"),
        /// County or district (县/区).
        County = ("county", "县级", "County / district"),
        /// Township or sub-district (乡镇/街道).
        Township = ("township", "乡镇级", "Township / sub-district"),
    }
}

labelled_enum! {
    /// A user's role within their own organization.
    pub enum OrgRole {
        /// Manages the organization's users, API tokens and details; reads its audit rows.
        Admin = ("admin", "管理员", "Administrator"),
        Member = ("member", "成员", "Member"),
    }
}

labelled_enum! {
    /// An organization's role in a space (a meeting, an investigation group, a dispute).
    pub enum SpaceRole {
        /// 召集单位 / 牵头单位: convenes or leads the space, manages who takes part.
        Convener = ("convener", "召集/牵头单位", "Convener / lead"),
        /// 参与单位: takes part and co-edits.
        Member = ("member", "参与单位", "Participant"),
        /// 列席单位: reads, does not edit.
        Observer = ("observer", "列席单位", "Observer"),
    }
}

labelled_enum! {
    /// What a document of a space is for, which decides who writes it.
    pub enum DocRole {
        /// 共同编辑: every convening and member body writes it.
        Shared = ("shared", "共同编辑", "Shared"),
        /// 会议纪要: a meeting's minutes, written like a shared document until frozen.
        Minutes = ("minutes", "会议纪要", "Minutes"),
        /// 分工章节: a section of a joint dossier that one member body keeps.
        Section = ("section", "分工章节", "Section"),
        /// 当事方陈述: a party's statement in a dispute, written by that party alone.
        Statement = ("statement", "当事方陈述", "Party statement"),
        /// 协调意见: the decision the convening bureau writes; the parties read it.
        Decision = ("decision", "协调意见", "Decision"),
        /// 存档记录: a record made of a workflow's facts alone (a referral's receipt), signed
        /// but written by nobody; every body of the space reads it.
        Record = ("record", "存档记录", "Record"),
        /// 评查表: a file's live scoring sheet in a case-file review, written by its
        /// reviewing body alone and read by it and the organiser alone (never by the body
        /// whose file it scores, nor by the bureaus above: they read the submitted result).
        Sheet = ("sheet", "评查表", "Scoring sheet"),
    }
}

impl DocRole {
    /// Whether one body owns (alone writes) a document of this role.
    pub fn is_owned(self) -> bool {
        matches!(self, DocRole::Section | DocRole::Statement | DocRole::Sheet)
    }
}

/// One organization's part in a space.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpaceMember {
    pub org_id: String,
    pub role: SpaceRole,
}

impl SpaceMember {
    pub fn new(org_id: impl Into<String>, role: SpaceRole) -> SpaceMember {
        SpaceMember {
            org_id: org_id.into(),
            role,
        }
    }
}

labelled_enum! {
    /// What a space is. The kinds' own workflows arrive with later work (#5 and after); access
    /// follows the same policy for all of them.
    pub enum SpaceKind {
        /// 协调会议 / 会商 / 联席会议.
        Meeting = ("meeting", "会议", "Meeting"),
        /// 联合调查组.
        Investigation = ("investigation", "联合调查组", "Joint investigation group"),
        /// 执法争议 / 管辖争议.
        Dispute = ("dispute", "执法争议", "Jurisdiction dispute"),
        /// 案件移送.
        Referral = ("referral", "案件移送", "Case referral"),
        /// 监督文书: a judicial bureau's supervision document to a body of its region.
        Supervision = ("supervision", "监督文书", "Supervision document"),
        /// 报备: a body's filing with the judicial bureau of its region (domain::filing).
        Filing = ("filing", "报备", "Filing"),
        /// 年度行政执法监督工作方案: a bureau's annual plan, published to its region.
        Plan = ("plan", "年度监督工作方案", "Annual supervision plan"),
        /// 专项监督 / 执法检查: a bureau's campaign over bodies of its region (domain::campaign).
        Campaign = ("campaign", "专项监督", "Supervision campaign"),
        /// 案卷评查: a bureau's review of its region's case files (domain::review).
        Review = ("review", "案卷评查", "Case-file review"),
    }
}

impl SpaceKind {
    /// Whether who takes part and which documents exist are its workflow's to decide (a
    /// group's invitations and sections, a dispute's parties and statements): the generic
    /// space routes then change neither.
    pub fn managed_by_its_workflow(self) -> bool {
        matches!(
            self,
            SpaceKind::Investigation
                | SpaceKind::Dispute
                | SpaceKind::Referral
                | SpaceKind::Supervision
                | SpaceKind::Filing
                | SpaceKind::Plan
                | SpaceKind::Campaign
                | SpaceKind::Review
        )
    }
}

/// An administrative division code (行政区划代码): six digits for a province, city or county
/// (`330000`, `330100`, `330102`), nine or twelve for a township (`330102001`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RegionCode(String);

impl RegionCode {
    pub fn parse(s: &str) -> Result<RegionCode, Invalid> {
        let s = s.trim();
        let digits = s.bytes().all(|b| b.is_ascii_digit());
        if digits && matches!(s.len(), 6 | 9 | 12) {
            Ok(RegionCode(s.to_owned()))
        } else {
            Err(Invalid(phrases::REGION_CODE.with("code", format!("{s:?}"))))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A code that names an organization uniquely in this deployment: the unified social credit
/// code (统一社会信用代码, 18 characters) or any code the province uses. 1 to 64 characters of
/// ASCII letters, digits, `-`, `_` and `.`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OrgCode(String);

impl OrgCode {
    pub const MAX_LEN: usize = 64;

    pub fn parse(s: &str) -> Result<OrgCode, Invalid> {
        let s = s.trim();
        let ok = !s.is_empty()
            && s.len() <= Self::MAX_LEN
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
        if ok {
            Ok(OrgCode(s.to_owned()))
        } else {
            Err(Invalid(
                phrases::ORG_CODE
                    .with("code", format!("{s:?}"))
                    .with("max", Self::MAX_LEN),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A name people read: an organization's, a region's, a person's, a space's title. Trimmed,
/// 1 to 200 characters (not bytes: Chinese names are short in characters), no control
/// characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Name(String);

impl Name {
    pub const MAX_CHARS: usize = 200;

    pub fn parse(s: &str) -> Result<Name, Invalid> {
        let s = s.trim();
        let chars = s.chars().count();
        if chars == 0 {
            return Err(Invalid::by(&phrases::NAME_EMPTY));
        }
        if chars > Self::MAX_CHARS {
            return Err(Invalid(
                phrases::NAME_TOO_LONG
                    .with("max", Self::MAX_CHARS)
                    .with("chars", chars),
            ));
        }
        if s.chars().any(char::is_control) {
            return Err(Invalid::by(&phrases::NAME_CONTROL));
        }
        Ok(Name(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A login name for a local account: 2 to 64 characters of lowercase ASCII letters, digits,
/// `.`, `_`, `-` and `@` (an e-mail address fits). Compared exactly, so it is lowercased here.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Username(String);

impl Username {
    pub fn parse(s: &str) -> Result<Username, Invalid> {
        let s = s.trim().to_ascii_lowercase();
        let ok = (2..=64).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-@".contains(&b));
        if ok {
            Ok(Username(s))
        } else {
            Err(Invalid(phrases::USERNAME.with("name", format!("{s:?}"))))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

macro_rules! string_newtype_conversions {
    ($($t:ident),+) => {$(
        impl TryFrom<String> for $t {
            type Error = Invalid;
            fn try_from(s: String) -> Result<Self, Invalid> {
                $t::parse(&s)
            }
        }
        impl From<$t> for String {
            fn from(v: $t) -> String {
                v.0
            }
        }
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    )+};
}

string_newtype_conversions!(RegionCode, OrgCode, Name, Username);

/// A region's place in the tree as a path of codes from the top, `/330000/330100/330102/`.
/// Stored with each region so "this region and every region below it" is a prefix test, in
/// SQL (`like path || '%'`) and here.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RegionPath(pub String);

impl RegionPath {
    /// The path of a top-level region.
    pub fn root(code: &RegionCode) -> RegionPath {
        RegionPath(format!("/{}/", code.as_str()))
    }

    /// The path of `code` placed directly under `self`.
    pub fn child(&self, code: &RegionCode) -> RegionPath {
        RegionPath(format!("{}{}/", self.0, code.as_str()))
    }

    /// True when `other` is this region or lies anywhere below it.
    pub fn covers(&self, other: &RegionPath) -> bool {
        other.0.starts_with(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_round_trip_through_their_stored_names() {
        for kind in OrgKind::ALL {
            assert_eq!(kind.as_str().parse::<OrgKind>().unwrap(), *kind);
        }
        let err = "bureau".parse::<OrgKind>().unwrap_err();
        assert!(err.to_string().contains("judicial_bureau"), "{err}");
    }

    #[test]
    fn levels_order_from_the_top() {
        assert!(Level::Province < Level::City && Level::City < Level::County);
        assert!(Level::County < Level::Township);
    }

    #[test]
    fn region_codes_are_six_nine_or_twelve_digits() {
        assert!(RegionCode::parse("330102").is_ok());
        assert!(RegionCode::parse("330102001").is_ok());
        assert!(RegionCode::parse("330102001000").is_ok());
        assert!(RegionCode::parse("33010").is_err());
        assert!(RegionCode::parse("33010x").is_err());
    }

    #[test]
    fn names_count_characters_and_refuse_control_characters() {
        assert_eq!(
            Name::parse("  杭州市司法局 ").unwrap().as_str(),
            "杭州市司法局"
        );
        assert!(Name::parse(&"局".repeat(200)).is_ok());
        assert!(Name::parse(&"局".repeat(201)).is_err());
        assert!(Name::parse("a\u{0}b").is_err());
        assert!(Name::parse("   ").is_err());
    }

    #[test]
    fn a_region_path_covers_itself_and_what_lies_below() {
        let province = RegionPath::root(&RegionCode::parse("330000").unwrap());
        let city = province.child(&RegionCode::parse("330100").unwrap());
        let sibling = province.child(&RegionCode::parse("330200").unwrap());
        assert!(province.covers(&city));
        assert!(city.covers(&city));
        assert!(!city.covers(&province));
        assert!(!city.covers(&sibling));
    }

    #[test]
    fn codes_and_user_names_are_checked() {
        assert!(OrgCode::parse("11330100002482014X").is_ok());
        assert!(OrgCode::parse("a b").is_err());
        assert_eq!(Username::parse("ZhangSan").unwrap().as_str(), "zhangsan");
        assert!(Username::parse("x").is_err());
    }
}
