//! Where the PDF renditions' Chinese font comes from: the operator's `--pdf-fonts` (a font
//! file or a directory), else the system's font directories (`/usr/share/fonts`,
//! `/usr/local/share/fonts`), searched for faces with Chinese glyphs, as Debian's
//! `fonts-noto-cjk` or `fonts-wqy-microhei` install them.
//!
//! The fonts are read once, the first time a rendition is typeset (or at start-up, in the
//! background, so that the log says at once whether PDFs will be made), and kept. Without a
//! Chinese font a signed document is frozen and signed as before, with its HTML rendition and
//! no PDF (a PDF of boxes would be worse than none); the log says so at start-up, in Chinese
//! and English, with what to install.
//!
//! This is the only place that reads font files; typesetting itself is `signing::pdf`, which
//! reads none.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use crate::signing::pdf::Fonts;

/// The directories searched when the operator names none.
pub const SYSTEM_FONT_DIRS: [&str; 2] = ["/usr/share/fonts", "/usr/local/share/fonts"];

/// How deep a font directory is searched (Debian's are two or three levels deep).
const MAX_DEPTH: usize = 6;

/// The Chinese font of the PDF renditions, found once and shared by every clone.
#[derive(Clone, Debug)]
pub struct FontSource {
    /// The operator's font file or directory; none: the system's directories.
    configured: Option<PathBuf>,
    loaded: Arc<OnceLock<Option<Arc<Fonts>>>>,
}

impl FontSource {
    /// Fonts from `configured` (a font file or a directory), or from the system's font
    /// directories when none is given. Nothing is read until [`FontSource::fonts`].
    pub fn new(configured: Option<PathBuf>) -> FontSource {
        FontSource {
            configured,
            loaded: Arc::default(),
        }
    }

    /// The fonts with Chinese glyphs, read at the first call; none when there are none, which
    /// is logged once, with what to do.
    pub fn fonts(&self) -> Option<Arc<Fonts>> {
        self.loaded
            .get_or_init(|| {
                let roots: Vec<PathBuf> = match &self.configured {
                    Some(path) => vec![path.clone()],
                    None => SYSTEM_FONT_DIRS.iter().map(PathBuf::from).collect(),
                };
                let mut files = Vec::new();
                for root in &roots {
                    font_files(root, 0, &mut files);
                }
                files.sort();
                let found = Fonts::from_data(files.iter().filter_map(|f| std::fs::read(f).ok()));
                let searched = roots
                    .iter()
                    .map(|r| r.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ");
                match &found {
                    Some(fonts) => tracing::info!(
                        families = ?fonts.families(),
                        searched = %searched,
                        "PDF 版本使用的中文字体已找到 / the Chinese font of the PDF renditions was found"
                    ),
                    None => tracing::warn!(
                        searched = %searched,
                        "未找到中文字体：签署文书将只有 HTML 版本，不生成 PDF。请安装 fonts-noto-cjk 或 \
                         fonts-wqy-microhei，或以 --pdf-fonts / CONCORD_PDF_FONTS 指定字体文件或目录。 \
                         / No Chinese font found: signed documents get their HTML rendition and no \
                         PDF. Install fonts-noto-cjk or fonts-wqy-microhei, or name a font file or \
                         directory with --pdf-fonts / CONCORD_PDF_FONTS."
                    ),
                }
                found.map(Arc::new)
            })
            .clone()
    }
}

/// Every font file under `path` (or `path` itself), not following links out of it.
fn font_files(path: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    let Ok(meta) = std::fs::metadata(path) else {
        return;
    };
    if meta.is_file() {
        let is_font = path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
            matches!(
                e.to_ascii_lowercase().as_str(),
                "ttf" | "otf" | "ttc" | "otc"
            )
        });
        if is_font {
            out.push(path.to_path_buf());
        }
        return;
    }
    if depth >= MAX_DEPTH {
        return;
    }
    let Ok(entries) = std::fs::read_dir(path) else {
        return;
    };
    for entry in entries.flatten() {
        font_files(&entry.path(), depth + 1, out);
    }
}
