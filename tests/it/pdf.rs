//! The printable renditions (issue 16): signed minutes get a PDF (`minutes.pdf`, GB/T 9704's
//! office form, typeset by the server with typst at freeze and bound by the manifest like
//! `minutes.html`), the archived bundle a signature page (签署页) naming the signers as
//! persons, and the bundle downloads under a name a person reads. Read with poppler's
//! `pdftotext`, the way an auditor without our software would; page 1 is kept as a PNG under
//! `target/pdf/`.
//!
//! Without a Chinese font the server makes no PDF (never one of boxes), and everything else
//! is as before: the bundle is signed, archived and verifies.

use std::path::{Path, PathBuf};
use std::process::Command;

use reqwest::header::CONTENT_DISPOSITION;
use reqwest::StatusCode;
use serde_json::{json, Value};
use server::signing::bundle::Bundle;
use server::signing::pdf::{self, Fonts, Line, OfficePage, Part, Section};
use server::signing::signature_page::{SignaturePage, SignedBy};
use time::{OffsetDateTime, UtcOffset};

use crate::bundle_fixtures::{run_docs_script, unzip};
use crate::minutes::{archived_meeting_with, text};
use crate::python_verifier::python;
use crate::support::api::Api;
use crate::support::debian;
use crate::support::server::{workspace_root, Options};
use crate::web::post_bundle;

/// `pdf`'s text as poppler extracts it, with every space and line break removed (a long line
/// of Chinese wraps anywhere).
fn pdf_text(pdf: &[u8], dir: &Path, name: &str) -> String {
    debian::poppler();
    let file = dir.join(format!("{name}.pdf"));
    std::fs::write(&file, pdf).unwrap();
    let out = Command::new(debian::PDFTOTEXT)
        .arg(&file)
        .arg("-")
        .output()
        .expect("pdftotext runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// Page 1 of `pdf` as `target/pdf/<name>.png`, kept as the test's artefact.
fn keep_first_page(pdf: &[u8], name: &str) -> PathBuf {
    debian::poppler();
    let dir = workspace_root().join("target").join("pdf");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("{name}.pdf"));
    std::fs::write(&file, pdf).unwrap();
    let out = Command::new(debian::PDFTOPPM)
        .args(["-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile"])
        .arg(&file)
        .arg(dir.join(name))
        .output()
        .expect("pdftoppm runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let png = dir.join(format!("{name}.png"));
    assert!(std::fs::metadata(&png).unwrap().len() > 1000, "{png:?}");
    png
}

/// An RFC 3339 instant in Beijing time, written the Chinese way: `2026年12月8日9:30` (no
/// space: compared with [`pdf_text`]).
fn beijing(rfc3339: &str) -> String {
    let at = OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339)
        .unwrap()
        .to_offset(UtcOffset::from_hms(8, 0, 0).unwrap());
    format!(
        "{}年{}月{}日{}:{:02}",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute()
    )
}

fn strip(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The Chinese font the tests typeset with, installed when missing.
fn fonts() -> Fonts {
    let font = debian::cjk_font();
    Fonts::from_data([std::fs::read(font).unwrap()]).expect("the font has Chinese glyphs")
}

#[tokio::test]
async fn signed_minutes_have_a_pdf_in_office_form_and_a_signature_page_naming_persons() {
    let workdir = tempfile::tempdir().unwrap();
    let options = Options {
        pdf_fonts: Some(debian::cjk_font().to_path_buf()),
        ..Options::default()
    };
    let (m, zip) = archived_meeting_with(workdir.path(), options).await;
    let bundle = Bundle::from_zip(&zip).unwrap();
    let content: Value = serde_json::from_slice(&bundle.files["content.json"]).unwrap();
    let manifest: Value = serde_json::from_slice(&bundle.files["manifest.json"]).unwrap();

    // The PDF is a rendition the manifest binds, like the HTML one, and the one stored.
    let pdf_bytes = &bundle.files["minutes.pdf"];
    assert!(pdf_bytes.starts_with(b"%PDF-"));
    let bound = manifest["renditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["path"] == "minutes.pdf")
        .unwrap_or_else(|| panic!("minutes.pdf is not bound by {manifest}"));
    assert_eq!(bound["media_type"], "application/pdf");
    assert_eq!(
        bound["sha256"].as_str().unwrap(),
        server::signing::canonical::sha256_hex(pdf_bytes)
    );
    let response = m
        .bureau
        .client
        .get(format!(
            "{}{}",
            m.bureau.base,
            m.path("/versions/1/minutes.pdf")
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    assert_eq!(&response.bytes().await.unwrap()[..], &pdf_bytes[..]);

    // Its text, as pdftotext reads it: the number, Beijing times the Chinese way, the
    // attendance from the check-in with names, the agreed item, the issuing body.
    let shown = pdf_text(pdf_bytes, workdir.path(), "minutes");
    let number = content["document"]["number"].as_str().unwrap();
    assert!(number.starts_with("上司纪〔"), "{content}");
    assert!(shown.contains(number), "no {number} in {shown}");
    assert!(shown.contains("上城区司法局会议纪要"), "{shown}");
    let started = beijing(content["held"]["started_at"].as_str().unwrap());
    assert!(
        shown.contains(&format!("时间：{started}—")),
        "no {started} in {shown}"
    );
    assert!(
        shown.contains("出席：上城区市场监督管理局（张三）"),
        "no attendance with names in {shown}"
    );
    let not_checked_in = shown
        .split_once("未签到：")
        .and_then(|(_, rest)| rest.split_once("会议内容"))
        .map(|(line, _)| line)
        .unwrap_or_else(|| panic!("no 未签到 line in {shown}"));
    assert!(not_checked_in.contains("湖滨街道办事处"), "{shown}");
    assert!(
        shown.contains("会议通报了2026年度行政执法协调工作情况。"),
        "{shown}"
    );
    assert!(shown.contains("完成时限：2026年12月31日"), "{shown}");
    assert!(shown.contains("第2步：上城区司法局"), "{shown}");
    assert!(!shown.contains(&m.id) && !shown.contains(":00Z"), "{shown}");
    keep_first_page(pdf_bytes, "minutes-page1");

    // The signature page: every signer a person, with their body, role and time.
    let page_html = String::from_utf8(bundle.files["signature-page.html"].clone()).unwrap();
    let page_text = pdf_text(
        &bundle.files["signature-page.pdf"],
        workdir.path(),
        "signature-page",
    );
    for (step, org, role, person) in [
        (1, "上城区市场监督管理局", "参与单位", "market同志"),
        (1, "湖滨街道办事处", "参与单位", "township同志"),
        (2, "上城区司法局", "召集/牵头单位", "county-bureau同志"),
    ] {
        let line = format!("第{step}步：{org}（{role}）签署人：{person}签署时间：");
        assert!(page_text.contains(&line), "no {line} in {page_text}");
        assert!(strip(&page_html).contains(person), "{page_html}");
    }
    assert!(
        page_text.contains("签署页") && page_text.contains(number),
        "{page_text}"
    );
    assert!(page_text.contains("召集/牵头单位"), "{page_text}");
    let signatures = m.minutes(&m.bureau).await["signatures"].clone();
    let first = signatures.as_array().unwrap()[0]["signed_at"]
        .as_i64()
        .unwrap();
    let signed_at = server::signing::statement::rfc3339(first);
    assert!(page_text.contains(&beijing(&signed_at)), "{page_text}");
    keep_first_page(&bundle.files["signature-page.pdf"], "signature-page1");

    // The archive page learns where to open both.
    let view = m.minutes(&m.bureau).await;
    let version = &view["versions"][0];
    assert_eq!(version["pdf"], "minutes.pdf", "{view}");
    assert_eq!(version["signature_page"], "signature-page.pdf", "{view}");

    // The bundle verifies: this server's verifier, the independent one of docs/bundle.md and
    // that page's own script.
    let (status, report) = post_bundle(&m.market, zip.clone()).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["verified"], true, "{report}");
    let (_, key) = Api::new(&m.server).get("/api/log/key").await;
    let vkey = key["vkey"].as_str().unwrap();
    let zip_path = workdir.path().join("bundle.zip");
    std::fs::write(&zip_path, &zip).unwrap();
    let out = python(&zip_path, &["--trust", vkey]);
    assert!(out.status.success(), "{}", text(&out));
    let unpacked = workdir.path().join("unpacked");
    unzip(&zip_path, &unpacked);
    let out = run_docs_script(&unpacked, vkey);
    assert!(out.status.success(), "{}", text(&out));
}

#[tokio::test]
async fn the_bundle_downloads_under_its_kind_number_and_version() {
    let workdir = tempfile::tempdir().unwrap();
    let (m, zip) = archived_meeting_with(workdir.path(), Options::default()).await;
    let content: Value =
        serde_json::from_slice(&Bundle::from_zip(&zip).unwrap().files["content.json"]).unwrap();
    let number = content["document"]["number"].as_str().unwrap();
    let year = &number["上司纪〔".len()..number.find('〕').unwrap()];

    let response = m
        .bureau
        .client
        .get(format!(
            "{}{}",
            m.bureau.base,
            m.path("/versions/1/bundle.zip")
        ))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::OK);
    let disposition = response.headers()[CONTENT_DISPOSITION].to_str().unwrap();
    let name = format!("会议纪要-{number}-第1版.zip");
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    assert_eq!(
        disposition,
        format!("attachment; filename=\"minutes-{year}-1-v1.zip\"; filename*=UTF-8''{encoded}")
    );
    assert!(!disposition.contains(&m.id), "{disposition}");
}

#[tokio::test]
async fn without_a_chinese_font_the_minutes_are_signed_and_archived_with_their_html_only() {
    let workdir = tempfile::tempdir().unwrap();
    let no_fonts = tempfile::tempdir().unwrap();
    std::fs::write(no_fonts.path().join("not-a-font.ttf"), b"not a font").unwrap();
    let options = Options {
        pdf_fonts: Some(no_fonts.path().to_path_buf()),
        ..Options::default()
    };

    let (m, zip) = archived_meeting_with(workdir.path(), options).await;

    let bundle = Bundle::from_zip(&zip).unwrap();
    assert!(!bundle.files.contains_key("minutes.pdf"));
    assert!(!bundle.files.contains_key("signature-page.pdf"));
    assert!(bundle.files.contains_key("signature-page.html"));
    let manifest: Value = serde_json::from_slice(&bundle.files["manifest.json"]).unwrap();
    let paths: Vec<&str> = manifest["renditions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["minutes.html"]);
    let view = m.minutes(&m.bureau).await;
    assert_eq!(view["versions"][0]["pdf"], Value::Null, "{view}");
    assert_eq!(
        view["versions"][0]["signature_page"], "signature-page.html",
        "{view}"
    );
    let (status, body) = m.bureau.get(&m.path("/versions/1/minutes.pdf")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, report) = post_bundle(&m.market, zip).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["verified"], true, "{report}");
}

/// A page whose every string is hostile typst: markup, code, math, a closing bracket.
fn hostile_page() -> OfficePage {
    let hostile = r#"#import "/etc/passwd": * ] [ #{panic()} $x^2$ \ *粗* _斜_ <lab> @ref // c"#;
    OfficePage {
        mark: Some(format!("{hostile}会议纪要")),
        number: Some("市司纪〔2026〕1号".into()),
        title: hostile.into(),
        lines: vec![Line::new("时间", hostile)],
        sections: vec![Section {
            heading: hostile.into(),
            parts: vec![
                Part::Blocks {
                    blocks: vec![json!({
                        "type": "paragraph",
                        "content": [{"text": hostile, "marks": ["bold"]}],
                    })],
                },
                Part::Numbered {
                    items: vec![hostile.into()],
                },
                Part::Table {
                    columns: vec!["列".into()],
                    rows: vec![vec![hostile.into()]],
                },
            ],
        }],
        issuer: Some(hostile.into()),
        dated: Some("2026年3月2日".into()),
        note: None,
    }
}

#[test]
fn hostile_text_is_typeset_as_text_and_the_same_page_gives_the_same_bytes() {
    let fonts = fonts();
    let page = hostile_page();

    let first = pdf::render(&page, &fonts).expect("a hostile page typesets");
    let second = pdf::render(&page, &fonts).unwrap();

    assert_eq!(first, second, "typesetting the same page twice differs");
    let workdir = tempfile::tempdir().unwrap();
    let text = pdf_text(&first, workdir.path(), "hostile");
    // Every occurrence is the literal text: nothing was imported, evaluated or set as math.
    let literal =
        strip(r#"#import "/etc/passwd": * ] [ #{panic()} $x^2$ \ *粗* _斜_ <lab> @ref // c"#);
    assert!(
        text.matches(&literal).count() >= 6,
        "the hostile text is not shown literally in {text}"
    );
    assert!(!text.contains("root:"), "{text}");
}

#[test]
fn the_signature_page_typesets_with_each_signer_as_a_person() {
    let page = SignaturePage {
        kind_label: "会议纪要".into(),
        title: "2026年度行政执法协调会议".into(),
        number: Some("上司纪〔2026〕1号".into()),
        version: 1,
        signers: vec![SignedBy {
            step: 1,
            org_name: "上城区市场监督管理局".into(),
            person: "张三".into(),
            role: "参与单位".into(),
            signed_at: "2026-12-08T02:05:00Z".into(),
        }],
        completed_at: "2026-12-08T02:05:00Z".into(),
    };

    let bytes = pdf::render(&page.office_page(), &fonts()).expect("the signature page typesets");

    let workdir = tempfile::tempdir().unwrap();
    let text = pdf_text(&bytes, workdir.path(), "signature-page");
    assert!(
        text.contains("张三") && text.contains("上城区市场监督管理局"),
        "{text}"
    );
    assert!(text.contains("2026年12月8日10:05"), "{text}");
}

/// A dispute's decision (协调意见书) and the parties' agreement (协议书) print in office form
/// too: the matter, the parties by name, the text, who carries out what by when, the issuer
/// and the date written the Chinese way.
#[test]
fn a_dispute_decision_and_an_agreement_print_in_office_form() {
    use server::signing::kind::SignedKind;
    use server::signing::kinds::dispute_agreement::DisputeAgreement;
    use server::signing::kinds::dispute_decision::DisputeDecision;

    let workdir = tempfile::tempdir().unwrap();
    let mut content = json!({
        "schema": "concord.dispute-decision/1",
        "dispute": { "id": "d1", "title": "湖滨路占道经营执法职责争议" },
        "bureau": { "org_id": "org-bureau", "name": "上城区司法局" },
        "parties": [
            { "org_id": "org-market", "org_name": "上城区市场监督管理局", "role": "named" },
            { "org_id": "org-township", "org_name": "湖滨街道办事处", "role": "raised" },
        ],
        "document": { "number": "上司协〔2026〕1号", "dated": "2026-12-07" },
        "body": [{ "type": "paragraph", "content": [{ "text": "经审查，该事项属市场监管职责。", "marks": [] }] }],
        "decision": { "responsible_org_id": "org-market", "duty": "依法查处占道经营", "deadline": "2027-01-15" },
    });
    let page = DisputeDecision::office_page(&content).expect("a decision has a printed page");
    let pdf = pdf::render(&page, &fonts()).unwrap();
    keep_first_page(&pdf, "dispute-decision");
    let text = pdf_text(&pdf, workdir.path(), "decision");
    for expected in [
        "上城区司法局协调意见书",
        "上司协〔2026〕1号",
        "关于湖滨路占道经营执法职责争议的协调意见书",
        "湖滨街道办事处（提出方）",
        "经审查，该事项属市场监管职责。",
        "责任单位：上城区市场监督管理局",
        "完成时限：2027年1月15日",
        "2026年12月7日",
    ] {
        assert!(text.contains(expected), "no {expected} in {text}");
    }

    let object = content.as_object_mut().unwrap();
    object.remove("bureau");
    object.insert("schema".into(), json!("concord.dispute-agreement/1"));
    object.insert("document".into(), json!({ "dated": "2026-12-08" }));
    let terms = object.remove("decision").unwrap();
    object.insert("agreement".into(), terms);
    let page = DisputeAgreement::office_page(&content).expect("an agreement has a printed page");
    let pdf = pdf::render(&page, &fonts()).unwrap();
    keep_first_page(&pdf, "dispute-agreement");
    let text = pdf_text(&pdf, workdir.path(), "agreement");
    for expected in [
        "关于湖滨路占道经营执法职责争议的协议书",
        "约定事项",
        "责任单位：上城区市场监督管理局",
        "上城区市场监督管理局、湖滨街道办事处",
        "2026年12月8日",
    ] {
        assert!(text.contains(expected), "no {expected} in {text}");
    }
    assert!(!text.contains("协调机关"), "no bureau took part: {text}");
}
