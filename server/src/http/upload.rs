//! Uploads: raw request bodies larger than any JSON body (evidence files, bundles to verify).
//!
//! An upload takes one of `--max-concurrent-uploads` places before a byte of it is read, or
//! is refused with 429; its body is written to an unnamed temporary file in the data
//! directory as it arrives, so a slow client holds a file, not memory; it is read back only to
//! be checked and stored, still holding its place, so the memory all uploads take at once is
//! bounded by the places times the size limit. A handler checks that the target exists and
//! that the caller may write to it *before* it spools the body.
//!
//! It must never read more than the limit, nor keep a file after the request.

use std::io::SeekFrom;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, HeaderMap};
use futures_util::StreamExt;
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
use tokio::sync::OwnedSemaphorePermit;

use crate::error::ApiError;
use crate::state::AppState;
use crate::telemetry::ConnectionStats;

/// A received body, on disk, and the place among uploads in progress it still holds.
pub struct Spooled {
    file: tokio::fs::File,
    len: u64,
    _place: Place,
}

impl Spooled {
    /// The body's bytes, to check and store them. The place is held until `self` is dropped.
    pub async fn bytes(&mut self) -> Result<Vec<u8>, ApiError> {
        let mut bytes = Vec::with_capacity(usize::try_from(self.len).unwrap_or(0));
        self.file.read_to_end(&mut bytes).await.map_err(|e| {
            ApiError::Internal(anyhow::Error::new(e).context("reading a spooled upload"))
        })?;
        Ok(bytes)
    }
}

/// One of the places for uploads in progress; counted in `/metrics` while held.
struct Place {
    _permit: OwnedSemaphorePermit,
    stats: Arc<ConnectionStats>,
}

impl Drop for Place {
    fn drop(&mut self) {
        self.stats.uploads.fetch_sub(1, Relaxed);
    }
}

/// Takes a place among the uploads in progress and writes `body`, at most `max` bytes, to a
/// temporary file. A body declared larger than `max` (`Content-Length`) is refused before
/// anything is read; one that turns out larger, as soon as it passes `max`. `too_large`
/// words the 413 for what is being uploaded.
pub async fn spool(
    state: &AppState,
    headers: &HeaderMap,
    body: Body,
    max: usize,
    too_large: impl Fn() -> ApiError,
) -> Result<Spooled, ApiError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max as u64) {
        return Err(too_large());
    }
    let place = take_place(state)?;
    let failed = |e: std::io::Error| {
        ApiError::Internal(anyhow::Error::new(e).context("spooling an upload to disk"))
    };
    let dir = state.uploads.spool_dir.clone();
    let file = tokio::task::spawn_blocking(move || tempfile::tempfile_in(dir))
        .await
        .map_err(|e| ApiError::Internal(e.into()))?
        .map_err(failed)?;
    let mut file = tokio::fs::File::from_std(file);
    let mut len = 0u64;
    let mut chunks = body.into_data_stream();
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.map_err(|_| {
            ApiError::BadRequest(
                "上传在结束前中断 / the upload was interrupted before its end".into(),
            )
        })?;
        len += chunk.len() as u64;
        if len > max as u64 {
            return Err(too_large());
        }
        file.write_all(&chunk).await.map_err(failed)?;
    }
    file.flush().await.map_err(failed)?;
    file.seek(SeekFrom::Start(0)).await.map_err(failed)?;
    Ok(Spooled {
        file,
        len,
        _place: place,
    })
}

fn take_place(state: &AppState) -> Result<Place, ApiError> {
    let stats = state.metrics.connections.clone();
    let Ok(permit) = state.uploads.permits.clone().try_acquire_owned() else {
        stats.uploads_refused.fetch_add(1, Relaxed);
        return Err(ApiError::TooManyRequests(
            "同时进行的上传过多，请稍后再试 / too many uploads are in progress; try again in a \
             moment"
                .into(),
        ));
    };
    stats.uploads.fetch_add(1, Relaxed);
    Ok(Place {
        _permit: permit,
        stats,
    })
}
