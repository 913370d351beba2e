//! What the websocket load tools (`bench`, `dossier-bench`) share: loopback-only targets,
//! latency histograms, client ids like Yjs's, and sampling the server's RSS and CPU from
//! `/proc`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use hdrhistogram::Histogram;
use tokio::sync::watch;

/// A latency histogram in microseconds, 1 µs to 10 minutes.
pub fn new_hist() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 600_000_000, 3).expect("histogram bounds")
}

/// `x` rounded to three decimals, as the JSON lines print numbers.
pub fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Refuses any target but loopback: the tools load only servers on this machine.
pub fn check_loopback(url: &str) -> Result<()> {
    let (host, _) = host_port(url)?;
    let ok = host == "localhost"
        || host == "[::1]"
        || host
            .parse::<std::net::Ipv4Addr>()
            .map(|ip| ip.is_loopback())
            .unwrap_or(false);
    if !ok {
        bail!("only loopback targets are allowed, got host {host:?}");
    }
    Ok(())
}

/// The host and port of a `ws://` URL.
pub fn host_port(url: &str) -> Result<(String, u16)> {
    let rest = url
        .strip_prefix("ws://")
        .ok_or_else(|| anyhow!("URL must start with ws:// : {url}"))?;
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || authority.starts_with('[') => {
            (h.to_string(), p.parse::<u16>().context("bad port")?)
        }
        _ => (authority.to_string(), 80),
    };
    Ok((host, port))
}

/// A random 32-bit client id, as Yjs makes them (y-sweet's yrs 0.19 truncates larger ids).
pub fn random_u32() -> u32 {
    use std::hash::{BuildHasher, Hasher};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    (h.finish() as u32).max(1)
}

#[derive(Clone, Copy)]
pub struct Sample {
    pub rss_kib: u64,
    /// The private part of RSS (heap, stacks): RSS minus file-backed pages such as the
    /// executable's code, which the kernel shares and can drop.
    pub anon_kib: u64,
}

/// Samples a process's RSS every 500 ms until stopped.
pub struct Sampler {
    stop: watch::Sender<bool>,
    handle: tokio::task::JoinHandle<Vec<Sample>>,
}

impl Sampler {
    pub fn start(pid: u32, _epoch: Instant) -> Sampler {
        let (tx, mut rx) = watch::channel(false);
        let handle = tokio::spawn(async move {
            let mut v = Vec::new();
            let mut iv = tokio::time::interval(Duration::from_millis(500));
            loop {
                tokio::select! {
                    _ = iv.tick() => {
                        if let Some(sample) = proc_rss(pid) {
                            v.push(sample);
                        }
                    }
                    _ = rx.changed() => break,
                }
            }
            if let Some(sample) = proc_rss(pid) {
                v.push(sample);
            }
            v
        });
        Sampler { stop: tx, handle }
    }

    pub async fn stop(self) -> Vec<Sample> {
        let _ = self.stop.send(true);
        self.handle.await.unwrap_or_default()
    }
}

pub fn proc_rss(pid: u32) -> Option<Sample> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kib = |key: &str| -> Option<u64> {
        let line = s.lines().find(|l| l.starts_with(key))?;
        line.split_whitespace().nth(1)?.parse().ok()
    };
    Some(Sample {
        rss_kib: kib("VmRSS:")?,
        anon_kib: kib("RssAnon:")?,
    })
}

pub fn parse_stat_ticks(s: &str) -> Option<u64> {
    // Fields after the `(comm)`: state is field 3, utime 14, stime 15.
    let rest = &s[s.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = f.get(11)?.parse().ok()?;
    let stime: u64 = f.get(12)?.parse().ok()?;
    Some(utime + stime)
}

pub fn proc_cpu_ticks(pid: u32) -> Option<u64> {
    parse_stat_ticks(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

pub fn self_cpu_ticks() -> Option<u64> {
    parse_stat_ticks(&std::fs::read_to_string("/proc/self/stat").ok()?)
}

/// Peak RSS, mean RSS and peak private RSS of `samples`, in MiB (none without samples).
pub fn rss_summary(samples: &[Sample]) -> (Option<f64>, Option<f64>, Option<f64>) {
    if samples.is_empty() {
        return (None, None, None);
    }
    let peak = samples.iter().map(|s| s.rss_kib).max().unwrap_or(0) as f64 / 1024.0;
    let mean =
        samples.iter().map(|s| s.rss_kib as f64).sum::<f64>() / samples.len() as f64 / 1024.0;
    let anon = samples.iter().map(|s| s.anon_kib).max().unwrap_or(0) as f64 / 1024.0;
    (Some(peak), Some(mean), Some(anon))
}

/// CPU% (of one core) between two tick readings `window_s` seconds apart.
pub fn cpu_pct(t0: Option<u64>, t1: Option<u64>, window_s: f64) -> Option<f64> {
    match (t0, t1) {
        (Some(t0), Some(t1)) => Some((t1 - t0) as f64 / clk_tck() / window_s * 100.0),
        _ => None,
    }
}

pub fn clk_tck() -> f64 {
    // USER_HZ is 100 on every mainstream Linux architecture.
    100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_parse() {
        let s = "123 (a b) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15";
        assert_eq!(parse_stat_ticks(s), Some(11 + 12));
    }

    #[test]
    fn loopback_only() {
        assert!(check_loopback("ws://127.0.0.1:80/x").is_ok());
        assert!(check_loopback("ws://localhost:1/").is_ok());
        assert!(check_loopback("ws://[::1]:1/").is_ok());
        assert!(check_loopback("ws://10.0.0.1:80").is_err());
        assert!(check_loopback("ws://example.com:80").is_err());
    }
}
