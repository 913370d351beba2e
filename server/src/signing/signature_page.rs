//! The signature page (签署页) of an archived document: who signed it, as persons, with their
//! bodies, their bodies' role and the time each signed, in Beijing time written the Chinese
//! way; as HTML (`signature-page.html`) and as a page for the PDF (`signature-page.pdf`).
//!
//! It is made when the document is archived, after the last signature, so nobody signed it:
//! the bundle's archive record (logged) covers its bytes, and everything it says can be
//! checked against what was signed (each envelope's statement names the signer and step; each
//! key binding names the person and the body). It adds no fact of its own.
//!
//! Like every rendition it is deterministic, self-contained and escaped, and reads no clock:
//! the times are given.

use std::fmt::Write as _;

use super::office;
use super::pdf::{Line, OfficePage, Part, Section};
use super::projection::{escape, html_head};

/// One signature, as the signature page names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedBy {
    /// The step of the signing order it was made at.
    pub step: u32,
    /// The body it signs for.
    pub org_name: String,
    /// The person who signed (their name in the key binding).
    pub person: String,
    /// The body's role in the matter, in Chinese (`召集/牵头单位`).
    pub role: String,
    /// When the server accepted it, RFC 3339 UTC.
    pub signed_at: String,
}

/// What the signature page is of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignaturePage {
    /// What the document is, in Chinese (`会议纪要`).
    pub kind_label: String,
    pub title: String,
    /// Its document number (文号), when it has one.
    pub number: Option<String>,
    pub version: i64,
    /// Every signature, in the signing order.
    pub signers: Vec<SignedBy>,
    /// When the last required signature completed it, RFC 3339 UTC.
    pub completed_at: String,
}

/// The columns of the table of signatures.
const COLUMNS: [&str; 5] = [
    "顺序",
    "签署单位",
    "单位角色",
    "签署人",
    "签署时间（北京时间）",
];

/// The note under the table: what the page is and what it is not.
const NOTE: &str = "本签署页在全部签署完成后归档时生成，列明各签署人及其单位；它本身不是签署对象，\
其内容可与归档包中各单位的签名文件（签署人、步骤）和密钥登记记录（人员、单位名称）逐项核对，\
其哈希值记录在已记入签名日志的 archive.json 中。";

impl SignaturePage {
    fn heading(&self) -> String {
        format!("《{}》签署页", self.title)
    }

    fn facts(&self) -> Vec<(&'static str, String)> {
        let mut facts = vec![(
            "文书",
            format!("{}（第{}版）", self.kind_label, self.version),
        )];
        if let Some(number) = &self.number {
            facts.push(("文号", number.clone()));
        }
        facts.push((
            "签署完成时间",
            office::datetime(&self.completed_at).unwrap_or_else(|| self.completed_at.clone()),
        ));
        facts
    }

    fn rows(&self) -> Vec<Vec<String>> {
        self.signers
            .iter()
            .map(|s| {
                vec![
                    format!("第{}步", s.step),
                    s.org_name.clone(),
                    s.role.clone(),
                    s.person.clone(),
                    office::datetime(&s.signed_at).unwrap_or_else(|| s.signed_at.clone()),
                ]
            })
            .collect()
    }

    /// `signature-page.html`.
    pub fn html(&self) -> String {
        let heading = self.heading();
        let mut html = String::new();
        html_head(&mut html, &heading, office::STYLE);
        let _ = writeln!(html, "<h1>{}</h1>", escape(&heading));
        html.push_str("<section class=\"facts\">\n");
        for (label, value) in self.facts() {
            let _ = writeln!(
                html,
                "<p><span class=\"label\">{label}：</span>{}</p>",
                escape(&value)
            );
        }
        html.push_str("</section>\n<section class=\"signers\">\n<table>\n<tr>");
        for column in COLUMNS {
            let _ = write!(html, "<th>{column}</th>");
        }
        html.push_str("</tr>\n");
        for row in self.rows() {
            html.push_str("<tr>");
            for cell in row {
                let _ = write!(html, "<td>{}</td>", escape(&cell));
            }
            html.push_str("</tr>\n");
        }
        html.push_str("</table>\n</section>\n");
        let _ = writeln!(html, "<p class=\"note\">{NOTE}</p>");
        html.push_str("</body>\n</html>\n");
        html
    }

    /// The page of `signature-page.pdf` ([`super::pdf`]).
    pub fn office_page(&self) -> OfficePage {
        OfficePage {
            mark: None,
            number: None,
            title: self.heading(),
            lines: self
                .facts()
                .into_iter()
                .map(|(label, text)| Line::new(label, text))
                .collect(),
            // One line per signature rather than a table: a body's full name and the time
            // would wrap inside the cells of an A4 text block.
            sections: vec![Section {
                heading: "签署人".into(),
                parts: self
                    .rows()
                    .into_iter()
                    .map(|row| match <[String; 5]>::try_from(row) {
                        Ok([step, org, role, person, at]) => Part::Line {
                            label: step,
                            text: format!("{org}（{role}）　签署人：{person}　签署时间：{at}"),
                        },
                        Err(row) => Part::Text {
                            text: row.join("　"),
                        },
                    })
                    .collect(),
            }],
            issuer: None,
            dated: None,
            note: Some(NOTE.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page() -> SignaturePage {
        SignaturePage {
            kind_label: "会议纪要".into(),
            title: "联席会议 <b>".into(),
            number: Some("市司纪〔2026〕1号".into()),
            version: 1,
            signers: vec![SignedBy {
                step: 1,
                org_name: "市司法局".into(),
                person: "张三".into(),
                role: "召集/牵头单位".into(),
                signed_at: "2026-03-02T06:05:00Z".into(),
            }],
            completed_at: "2026-03-02T06:05:00Z".into(),
        }
    }

    #[test]
    fn the_signature_page_names_persons_with_their_bodies_in_beijing_time() {
        let html = page().html();

        assert!(
            html.contains("<td>第1步</td><td>市司法局</td><td>召集/牵头单位</td><td>张三</td><td>2026年3月2日 14:05</td>"),
            "{html}"
        );
        assert!(html.contains("文号：</span>市司纪〔2026〕1号"), "{html}");
        assert!(
            html.contains("&lt;b&gt;") && !html.contains("<b>"),
            "{html}"
        );
        assert!(!html.contains("06:05"), "{html}");
        let office = page().office_page();
        assert!(
            matches!(&office.sections[0].parts[0], Part::Line { label, text }
                if label == "第1步" && text == "市司法局（召集/牵头单位）　签署人：张三　签署时间：2026年3月2日 14:05"),
            "{office:?}"
        );
    }
}
