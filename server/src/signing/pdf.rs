//! The printable PDF renditions (`minutes.pdf`, the signature page), typeset in-process with
//! typst from one fixed template (`office.typ`, GB/T 9704's office form) and the document's
//! data, so the server needs no browser.
//!
//! What a page shows is an [`OfficePage`]: strings already written for people (Beijing times
//! the Chinese way, bodies and persons by name), and the co-edited body as content.json holds
//! it. The page is handed to the template as a JSON file that the template reads with
//! `json(…)`; it is never written into typst source, so no text anybody typed (a title like
//! `#import "/etc/passwd"`, a `]`, a `$`) can become markup: typst shows a string as text.
//!
//! The same page and fonts always give the same bytes: the document has no date (`set
//! document(date: none)`, no timestamp), the creator is fixed and the PDF identifier is
//! derived from the page itself. Still, a rendition is rendered **once**, when its document
//! is frozen, and its bytes are stored: a later typst or font would lay it out differently,
//! and the signed hashes are of the stored bytes.
//!
//! This module reads no files and no clock: the fonts are given ([`Fonts::from_data`]; where
//! they come from is `crate::fonts`), the template is compiled in, and the one file the
//! template may open is its data. Any other path it asks for is refused.

use std::sync::LazyLock;

use serde::Serialize;
use serde_json::Value;
use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Duration, Smart};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;

/// The media type of a PDF rendition.
pub const PDF_MEDIA_TYPE: &str = "application/pdf";

/// The template every PDF rendition is typeset with.
const TEMPLATE: &str = include_str!("office.typ");

/// A character every usable font must have: a font without Chinese would print boxes.
const CHINESE_PROBE: [char; 3] = ['纪', '要', '〔'];

/// Fonts the PDF renditions are typeset with: every face of the given font files that has
/// Chinese glyphs, and the families to ask for, serif (宋体, 仿宋) first.
pub struct Fonts {
    fonts: Vec<Font>,
    book: LazyHash<FontBook>,
    families: Vec<String>,
}

impl std::fmt::Debug for Fonts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fonts")
            .field("families", &self.families)
            .finish()
    }
}

impl Fonts {
    /// The faces of `files` (each a font file's bytes: .ttf, .otf, .ttc) with Chinese glyphs;
    /// none when no face has them.
    pub fn from_data(files: impl IntoIterator<Item = Vec<u8>>) -> Option<Fonts> {
        let mut fonts = Vec::new();
        for data in files {
            let faces: Vec<Font> = Font::iter(Bytes::new(data))
                .filter(|font| {
                    CHINESE_PROBE
                        .iter()
                        .all(|c| font.info().coverage.contains(u32::from(*c)))
                })
                .collect();
            fonts.extend(faces);
        }
        if fonts.is_empty() {
            return None;
        }
        let mut families: Vec<String> = Vec::new();
        for font in &fonts {
            let family = font.info().family.clone();
            if !families.contains(&family) {
                families.push(family);
            }
        }
        // Serif faces (宋体, 仿宋, Noto Serif CJK) are what an office document is set in;
        // sans faces (黑体, WenQuanYi Micro Hei) come after them.
        families.sort_by_key(|family| {
            let lower = family.to_lowercase();
            let serif = ["serif", "song", "fang", "ming", "kai"]
                .iter()
                .any(|word| lower.contains(word))
                && !lower.contains("sans");
            (!serif, lower)
        });
        let book = LazyHash::new(FontBook::from_fonts(&fonts));
        Some(Fonts {
            fonts,
            book,
            families,
        })
    }

    /// The font families the renditions ask for, in order of preference.
    pub fn families(&self) -> &[String] {
        &self.families
    }
}

/// A page in office form, as the template lays it out: the masthead (版头: the issuing
/// body's mark in red, the document number, the red line), the title, labelled lines (time,
/// place, attendance), sections, the issuing body and date (发文机关署名, 成文日期), a note.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct OfficePage {
    /// The red mark of the masthead: `市司法局会议纪要`.
    pub mark: Option<String>,
    /// The document number (文号): `市司纪〔2026〕1号`.
    pub number: Option<String>,
    pub title: String,
    /// `时间：2026年3月2日 9:35`, …, each a label and its text.
    pub lines: Vec<Line>,
    pub sections: Vec<Section>,
    /// The issuing body (发文机关署名), below the text on the right.
    pub issuer: Option<String>,
    /// The date of issue (成文日期), `2026年3月2日`.
    pub dated: Option<String>,
    /// A small note at the end (what the rendition is, where the authoritative text is).
    pub note: Option<String>,
}

/// A label and its text: `出席：市中级人民法院（李四）`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Line {
    pub label: String,
    pub text: String,
}

impl Line {
    pub fn new(label: impl Into<String>, text: impl Into<String>) -> Line {
        Line {
            label: label.into(),
            text: text.into(),
        }
    }
}

/// A section of the page: a heading and its parts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Section {
    pub heading: String,
    pub parts: Vec<Part>,
}

/// One part of a section.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Part {
    /// A paragraph of plain text.
    Text { text: String },
    /// A labelled line.
    Line { label: String, text: String },
    /// Blocks of a co-edited body, as `content.json` holds them (paragraphs and headings of
    /// text runs with marks, lists, quotes).
    Blocks { blocks: Vec<Value> },
    /// A numbered list of plain texts.
    Numbered { items: Vec<String> },
    /// A table: column headings and rows of cells.
    Table {
        columns: Vec<String>,
        rows: Vec<Vec<String>>,
    },
}

/// Why a page could not be typeset (a bug of the template or of the page: the words of
/// typst's diagnostics).
#[derive(Debug, thiserror::Error)]
#[error("the PDF could not be typeset: {0}")]
pub struct PdfError(String);

/// The standard library, built once: its styles hash is what typst's caches key on.
static LIBRARY: LazyLock<LazyHash<Library>> = LazyLock::new(|| LazyHash::new(Library::default()));

fn file_id(path: &str) -> FileId {
    RootedPath::new(
        VirtualRoot::Project,
        VirtualPath::new(path).expect("a fixed absolute path"),
    )
    .intern()
}

/// `page` typeset with `fonts` as PDF bytes. The same page and fonts give the same bytes.
pub fn render(page: &OfficePage, fonts: &Fonts) -> Result<Vec<u8>, PdfError> {
    #[derive(Serialize)]
    struct Data<'a> {
        #[serde(flatten)]
        page: &'a OfficePage,
        fonts: &'a [String],
    }
    let data = serde_json::to_vec(&Data {
        page,
        fonts: fonts.families(),
    })
    .map_err(|e| PdfError(e.to_string()))?;
    let world = OfficeWorld {
        main: Source::new(file_id("/main.typ"), TEMPLATE.to_owned()),
        data_id: file_id("/data.json"),
        data: Bytes::new(data),
        fonts,
    };
    let document = typst::compile::<PagedDocument>(&world)
        .output
        .map_err(|errors| {
            PdfError(
                errors
                    .iter()
                    .map(|e| e.message.to_string())
                    .collect::<Vec<_>>()
                    .join("; "),
            )
        })?;
    let options = typst_pdf::PdfOptions {
        // A stable identifier of this page (its hash), never the time of rendering.
        ident: Smart::Custom(format!(
            "concord:{}:{}",
            page.number.as_deref().unwrap_or(""),
            page.title
        )),
        creator: Smart::Custom(Some("concord".to_owned())),
        timestamp: None,
        ..typst_pdf::PdfOptions::default()
    };
    let bytes = typst_pdf::pdf(&document, &options).map_err(|errors| {
        PdfError(
            errors
                .iter()
                .map(|e| e.message.to_string())
                .collect::<Vec<_>>()
                .join("; "),
        )
    });
    // Typst memoizes layouts across compilations; a server renders rarely, so it keeps none.
    typst::comemo::evict(0);
    bytes
}

/// The whole world the template sees: itself, its data, the fonts. No clock, no other file.
struct OfficeWorld<'a> {
    main: Source,
    data_id: FileId,
    data: Bytes,
    fonts: &'a Fonts,
}

impl World for OfficeWorld<'_> {
    fn library(&self) -> &LazyHash<Library> {
        &LIBRARY
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &self.fonts.book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(FileError::AccessDenied)
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.data_id {
            Ok(self.data.clone())
        } else {
            Err(FileError::AccessDenied)
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.fonts.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        None
    }
}
