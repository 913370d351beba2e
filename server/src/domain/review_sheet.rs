//! The scoring sheet of a case-file review (评查表), as data: issue 23 part 3.
//!
//! A sheet is groups of items (执法主体, 事实证据, 程序, 法律适用, 文书规范, 归档 …); an item has its
//! points and the deductions a reviewer may find (每处扣 N 分), and may be a veto item (一票否决:
//! an unlawful enforcing body fails the file whatever else it scores). A file's score is the
//! sheet's total less each item's deductions, **each item's deductions capped at its points**
//! (ten missing signatures cannot take more than the item is worth); its grade is 不合格 if a
//! veto item lost anything, otherwise by the sheet's two thresholds (优秀 ≥ `excellent`,
//! 合格 ≥ `pass`).
//!
//! Points are counted in tenths ([`Points`]), so 2.5 + 2.5 is exactly 5 and a table of cases
//! can assert totals to the tenth. A review keeps the sheet it was planned with (a copy, and
//! its SHA-256): a bureau that adjusts its sheet later changes no review already planned.
//!
//! What reviewers mark is [`Marks`]: how many times each deduction was found and a comment per
//! item, as the live sheet document holds them (`deductions` and `comments` maps). This module
//! never does I/O.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use utoipa::ToSchema;

use super::message::Message;
use super::org::labelled_enum;
use super::phrases::catalogue;

/// Points in tenths: `Points(25)` is 2.5 points. Written in JSON as a number (`2.5`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Hash)]
pub struct Points(pub u32);

impl Points {
    /// From a JSON number: at most one decimal, not negative, at most 1000 points.
    pub fn from_number(value: f64) -> Option<Points> {
        let tenths = value * 10.0;
        let rounded = tenths.round();
        ((0.0..=10_000.0).contains(&rounded) && (tenths - rounded).abs() < 1e-6)
            .then_some(Points(rounded as u32))
    }

    /// As a JSON number.
    pub fn as_number(self) -> f64 {
        f64::from(self.0) / 10.0
    }
}

impl fmt::Display for Points {
    /// `2.5`, `10`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_multiple_of(10) {
            write!(f, "{}", self.0 / 10)
        } else {
            write!(f, "{}.{}", self.0 / 10, self.0 % 10)
        }
    }
}

impl Serialize for Points {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(self.as_number())
    }
}

impl<'de> Deserialize<'de> for Points {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Points, D::Error> {
        let value = f64::deserialize(deserializer)?;
        Points::from_number(value).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "points are a number from 0 to 1000 with at most one decimal; got {value}"
            ))
        })
    }
}

impl utoipa::PartialSchema for Points {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::Number)
            .description(Some("points, at most one decimal (2.5)"))
            .into()
    }
}

impl ToSchema for Points {}

labelled_enum! {
    /// A file's grade.
    pub enum Grade {
        /// 优秀.
        Excellent = ("excellent", "优秀", "Excellent"),
        /// 合格.
        Pass = ("pass", "合格", "Pass"),
        /// 不合格: becomes a rectification task for its body.
        Fail = ("fail", "不合格", "Fail"),
    }
}

/// A deduction a reviewer may find under an item: `每处扣 points 分`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Deduction {
    /// Unique in the sheet: `evidence.missing_signature`.
    pub id: String,
    /// 执法人员未签名.
    pub text: String,
    /// Taken each time it is found.
    pub points: Points,
}

/// An item of the sheet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Item {
    /// Unique in the sheet: `subject.lawful`.
    pub id: String,
    /// 执法主体合法，在法定职权范围内实施.
    pub text: String,
    /// What the item is worth; its deductions never take more.
    pub points: Points,
    /// 一票否决: any deduction here fails the file.
    #[serde(default)]
    pub veto: bool,
    pub deductions: Vec<Deduction>,
}

/// A group of items (执法主体, 事实证据 …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Group {
    pub name: String,
    pub items: Vec<Item>,
}

/// A scoring sheet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Sheet {
    /// 行政执法案卷评查表（通用）.
    pub name: String,
    /// Its version: a bureau that adjusts a sheet gives the copy a new one.
    pub version: u32,
    pub groups: Vec<Group>,
    /// 优秀 from this score.
    pub excellent: Points,
    /// 合格 from this score.
    pub pass: Points,
}

catalogue! { RULES:
    SHEET_EMPTY = "review_sheet.empty",
        "评查表至少应有一个分组，每个分组至少一个评查项目",
        "a scoring sheet has at least one group and each group at least one item";
    SHEET_TOO_LARGE = "review_sheet.too_large",
        "评查表最多 200 个评查项目、1000 个扣分项",
        "a scoring sheet has at most 200 items and 1000 deductions";
    SHEET_ID = "review_sheet.id",
        "评查表中的编号「{id}」无效或重复（编号由小写字母、数字、点、下划线组成，最长 40 个字符）",
        "the id {id} of the scoring sheet is invalid or repeated (lowercase letters, digits, dots and underscores, at most 40)";
    SHEET_TEXT = "review_sheet.text",
        "评查表中的名称和内容应为 1 至 200 个字符的一行文字（「{id}」处）",
        "names and texts of a scoring sheet are one line of 1 to 200 characters (at {id})";
    SHEET_POINTS = "review_sheet.points",
        "评查项目和扣分项的分值应大于 0（「{id}」处）",
        "items and deductions are worth more than 0 points (at {id})";
    SHEET_THRESHOLDS = "review_sheet.thresholds",
        "等次分数线应满足 0 < 合格线 ≤ 优秀线 ≤ 总分 {total}",
        "the grade thresholds must satisfy 0 < pass ≤ excellent ≤ the total of {total}";
    MARK_UNKNOWN = "review_sheet.mark_unknown",
        "评查表中没有扣分项「{id}」，请刷新后重新评分",
        "the scoring sheet has no deduction {id}; reload and score again";
    MARK_COUNT = "review_sheet.mark_count",
        "扣分项「{id}」的次数应为 0 至 100 的整数",
        "the count of deduction {id} must be a whole number from 0 to 100";
    MARK_COMMENT = "review_sheet.mark_comment",
        "评查项目「{id}」的评语过长或不存在该项目",
        "the comment on item {id} is too long or the sheet has no such item";
}

/// The most items and deductions a sheet may have: what bounds a submission's work.
const MAX_ITEMS: usize = 200;
const MAX_DEDUCTIONS: usize = 1000;
/// The most times one deduction may be counted in one file.
pub const MAX_COUNT: u32 = 100;
/// The longest comment on one item, in characters.
pub const MAX_COMMENT_CHARS: usize = 2_000;

fn valid_id(id: &str) -> bool {
    (1..=40).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'_')
}

fn valid_line(text: &str) -> bool {
    let n = text.trim().chars().count();
    (1..=200).contains(&n) && !text.contains(['\n', '\r'])
}

impl Sheet {
    /// The sheet's total: the sum of its items' points.
    pub fn total(&self) -> Points {
        Points(self.items().map(|i| i.points.0).sum())
    }

    /// Every item, group by group.
    pub fn items(&self) -> impl Iterator<Item = &Item> {
        self.groups.iter().flat_map(|g| g.items.iter())
    }

    /// Whether the sheet is one a review may use; the refusal names the place.
    pub fn check(&self) -> Result<(), Message> {
        if self.groups.is_empty() || self.groups.iter().any(|g| g.items.is_empty()) {
            return Err(SHEET_EMPTY.message());
        }
        let items = self.items().count();
        let deductions: usize = self.items().map(|i| i.deductions.len()).sum();
        if items > MAX_ITEMS || deductions > MAX_DEDUCTIONS {
            return Err(SHEET_TOO_LARGE.message());
        }
        if !valid_line(&self.name) {
            return Err(SHEET_TEXT.with("id", "name"));
        }
        let mut ids = BTreeSet::new();
        for group in &self.groups {
            if !valid_line(&group.name) {
                return Err(SHEET_TEXT.with("id", &group.name));
            }
            for item in &group.items {
                let places = std::iter::once((&item.id, &item.text, item.points))
                    .chain(item.deductions.iter().map(|d| (&d.id, &d.text, d.points)));
                for (id, text, points) in places {
                    if !valid_id(id) || !ids.insert(id.as_str()) {
                        return Err(SHEET_ID.with("id", id));
                    }
                    if !valid_line(text) {
                        return Err(SHEET_TEXT.with("id", id));
                    }
                    if points.0 == 0 {
                        return Err(SHEET_POINTS.with("id", id));
                    }
                }
            }
        }
        let total = self.total();
        if self.pass.0 == 0 || self.pass > self.excellent || self.excellent > total {
            return Err(SHEET_THRESHOLDS.with("total", total));
        }
        Ok(())
    }

    /// Scores `marks`: each item's deductions summed and capped at its points, the total
    /// less them, and the grade. Refused when a mark names no deduction of the sheet or
    /// counts out of bounds, or a comment names no item or is too long.
    pub fn score(&self, marks: &Marks) -> Result<Scored, Message> {
        let mut known = BTreeMap::new();
        for item in self.items() {
            for deduction in &item.deductions {
                known.insert(deduction.id.as_str(), ());
            }
        }
        for (id, &count) in &marks.counts {
            if !known.contains_key(id.as_str()) {
                return Err(MARK_UNKNOWN.with("id", id));
            }
            if count > MAX_COUNT {
                return Err(MARK_COUNT.with("id", id));
            }
        }
        for (id, comment) in &marks.comments {
            if !self.items().any(|i| &i.id == id) || comment.chars().count() > MAX_COMMENT_CHARS {
                return Err(MARK_COMMENT.with("id", id));
            }
        }
        let mut items = Vec::new();
        let mut vetoed = false;
        for item in self.items() {
            let found: u32 = item
                .deductions
                .iter()
                .map(|d| d.points.0 * marks.counts.get(&d.id).copied().unwrap_or(0))
                .sum();
            let deducted = Points(found.min(item.points.0));
            vetoed |= item.veto && deducted.0 > 0;
            items.push(ScoredItem {
                id: item.id.clone(),
                points: item.points,
                deducted,
                score: Points(item.points.0 - deducted.0),
                comment: marks
                    .comments
                    .get(&item.id)
                    .cloned()
                    .filter(|c| !c.is_empty()),
            });
        }
        let total = Points(items.iter().map(|i| i.score.0).sum());
        let grade = if vetoed {
            Grade::Fail
        } else if total >= self.excellent {
            Grade::Excellent
        } else if total >= self.pass {
            Grade::Pass
        } else {
            Grade::Fail
        };
        Ok(Scored {
            items,
            total,
            out_of: self.total(),
            vetoed,
            grade,
        })
    }

    /// The sheet that ships: 行政执法案卷评查表（通用）, 100 points, 优秀 ≥ 90, 合格 ≥ 60.
    pub fn default_sheet() -> Sheet {
        serde_json::from_str(DEFAULT_SHEET).expect("the default scoring sheet parses")
    }
}

/// The default sheet, as a bureau would copy and adjust it.
const DEFAULT_SHEET: &str = include_str!("review_sheet_default.json");

/// What the reviewers marked on one file: the times each deduction was found (by its id) and
/// a comment per item (by its id).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Marks {
    pub counts: BTreeMap<String, u32>,
    pub comments: BTreeMap<String, String>,
}

/// One item as scored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ScoredItem {
    pub id: String,
    pub points: Points,
    /// What its deductions took, at most its points.
    pub deducted: Points,
    pub score: Points,
    pub comment: Option<String>,
}

/// A file as scored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Scored {
    pub items: Vec<ScoredItem>,
    pub total: Points,
    /// The sheet's total.
    pub out_of: Points,
    /// A veto item lost points: the file fails whatever its total.
    pub vetoed: bool,
    /// The grade the score gives; the organiser confirms it.
    pub grade: Grade,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marks(counts: &[(&str, u32)]) -> Marks {
        Marks {
            counts: counts.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect(),
            comments: BTreeMap::new(),
        }
    }

    #[test]
    fn the_default_sheet_is_valid_and_worth_one_hundred_points() {
        let sheet = Sheet::default_sheet();
        sheet.check().unwrap();
        assert_eq!(sheet.total(), Points(1000));
        assert_eq!((sheet.excellent, sheet.pass), (Points(900), Points(600)));
        let groups: Vec<&str> = sheet.groups.iter().map(|g| g.name.as_str()).collect();
        assert_eq!(
            groups,
            [
                "执法主体",
                "事实证据",
                "执法程序",
                "法律适用",
                "文书规范",
                "立卷归档"
            ]
        );
    }

    /// A table of cases on the default sheet: each with its marks, total and grade.
    #[test]
    fn totals_and_grades_are_exact_and_deductions_are_capped_at_an_items_points() {
        let sheet = Sheet::default_sheet();
        // (what, the marks as (item, occurrences), the total, the grade)
        type Case<'a> = (&'a str, Vec<(&'a str, u32)>, u32, Grade);
        let cases: [Case; 9] = [
            ("nothing found", vec![], 1000, Grade::Excellent),
            // 2 points once: 98.
            (
                "one missing signature",
                vec![("procedure.signature", 1)],
                980,
                Grade::Excellent,
            ),
            // 2.5 twice = 5 (not 4.9999): 95.
            (
                "two late deliveries",
                vec![("procedure.late_service", 2)],
                950,
                Grade::Excellent,
            ),
            // 90 is 优秀 (the threshold counts).
            (
                "exactly at 优秀",
                vec![("evidence.unclear_fact", 1), ("documents.format", 2)],
                900,
                Grade::Excellent,
            ),
            // 89.5 is 合格.
            (
                "just under 优秀",
                vec![
                    ("evidence.unclear_fact", 1),
                    ("documents.format", 2),
                    ("archive.late", 1),
                ],
                895,
                Grade::Pass,
            ),
            // Twelve missing signatures at 2 would be 24, but 程序合法 is worth 15: capped.
            (
                "capped at the item",
                vec![("procedure.signature", 12)],
                850,
                Grade::Pass,
            ),
            // Capped items in several groups: 15 + 15 + 10 + 5 = 45 off, 55: 不合格.
            (
                "under 合格",
                vec![
                    ("procedure.signature", 20),
                    ("evidence.missing", 9),
                    ("law.wrong_basis", 3),
                    ("law.discretion", 1),
                ],
                550,
                Grade::Fail,
            ),
            // 60 is 合格.
            (
                "exactly at 合格",
                vec![
                    ("procedure.signature", 20),
                    ("evidence.missing", 9),
                    ("law.wrong_basis", 3),
                ],
                600,
                Grade::Pass,
            ),
            // A veto item fails the file however high it scores.
            ("veto", vec![("subject.unlawful", 1)], 900, Grade::Fail),
        ];
        for (name, counts, total, grade) in cases {
            let scored = sheet.score(&marks(&counts)).unwrap();
            assert_eq!(scored.total, Points(total), "{name}: {scored:?}");
            assert_eq!(scored.grade, grade, "{name}");
            assert_eq!(scored.out_of, Points(1000));
            for item in &scored.items {
                assert!(item.deducted <= item.points, "{name}: {item:?}");
                assert_eq!(item.score.0 + item.deducted.0, item.points.0);
            }
        }
    }

    #[test]
    fn marks_that_name_no_deduction_or_count_too_many_are_refused() {
        let sheet = Sheet::default_sheet();
        assert_eq!(
            sheet.score(&marks(&[("no.such", 1)])).unwrap_err().code(),
            Some("review_sheet.mark_unknown")
        );
        assert_eq!(
            sheet
                .score(&marks(&[("procedure.signature", MAX_COUNT + 1)]))
                .unwrap_err()
                .code(),
            Some("review_sheet.mark_count")
        );
        let mut commented = Marks::default();
        commented.comments.insert("no.item".into(), "x".into());
        assert!(sheet.score(&commented).is_err());
    }

    #[test]
    fn an_adjusted_sheet_is_checked() {
        let mut sheet = Sheet::default_sheet();
        sheet.groups[0].items[0].deductions[0].id = sheet.groups[1].items[0].id.clone();
        assert_eq!(sheet.check().unwrap_err().code(), Some("review_sheet.id"));
        let mut sheet = Sheet::default_sheet();
        sheet.excellent = Points(1010);
        assert_eq!(
            sheet.check().unwrap_err().code(),
            Some("review_sheet.thresholds")
        );
        let mut sheet = Sheet::default_sheet();
        sheet.groups[2].items.clear();
        assert_eq!(
            sheet.check().unwrap_err().code(),
            Some("review_sheet.empty")
        );
        let mut sheet = Sheet::default_sheet();
        sheet.groups[0].items[0].points = Points(0);
        assert_eq!(
            sheet.check().unwrap_err().code(),
            Some("review_sheet.points")
        );
    }

    #[test]
    fn points_have_at_most_one_decimal() {
        assert_eq!(Points::from_number(2.5), Some(Points(25)));
        assert_eq!(Points::from_number(0.1 + 0.2), Some(Points(3)));
        assert_eq!(Points::from_number(2.55), None);
        assert_eq!(Points::from_number(-1.0), None);
        assert_eq!(Points(25).to_string(), "2.5");
        assert_eq!(Points(100).to_string(), "10");
    }
}
