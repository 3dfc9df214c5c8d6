//! Disk formats with `qemu-img`: detect what the bytes are, convert them to what a cloud
//! accepts. Glance names formats `vhd`, `vhdx`, `qcow2`, `raw`, `vmdk`, `vdi`; qemu-img calls
//! VHD `vpc`.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use tokio::io::AsyncReadExt;
use tokio::process::Command;

#[derive(Debug, thiserror::Error)]
pub enum DiskError {
    #[error(
        "could not run {qemu_img}: {source}; install qemu-utils or set `qemu_img` in the daemon config"
    )]
    Spawn {
        qemu_img: String,
        source: std::io::Error,
    },
    #[error("qemu-img {action} failed: {message}")]
    Failed { action: String, message: String },
    #[error("disk format {0:?} is not one oaktree can convert (qcow2, raw, vhd, vhdx, vmdk, vdi)")]
    UnknownFormat(String),
}

/// qemu-img's name for a glance disk format.
pub fn qemu_format(glance: &str) -> Result<&'static str, DiskError> {
    Ok(match glance {
        "qcow2" => "qcow2",
        "raw" => "raw",
        "vhd" => "vpc",
        "vhdx" => "vhdx",
        "vmdk" => "vmdk",
        "vdi" => "vdi",
        other => return Err(DiskError::UnknownFormat(other.to_owned())),
    })
}

/// Glance's name for a qemu-img format.
pub fn glance_format(qemu: &str) -> String {
    match qemu {
        "vpc" => "vhd".to_owned(),
        other => other.to_owned(),
    }
}

/// The disk format of `path`, as glance names it.
pub async fn detect(qemu_img: &Path, path: &Path) -> Result<String, DiskError> {
    let output = Command::new(qemu_img)
        .args(["info", "--output", "json"])
        .arg(path)
        .output()
        .await
        .map_err(|source| DiskError::Spawn {
            qemu_img: qemu_img.display().to_string(),
            source,
        })?;
    if !output.status.success() {
        return Err(DiskError::Failed {
            action: "info".to_owned(),
            message: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        });
    }
    let info: serde_json::Value =
        serde_json::from_slice(&output.stdout).map_err(|e| DiskError::Failed {
            action: "info".to_owned(),
            message: format!("unreadable answer: {e}"),
        })?;
    let format = info
        .get("format")
        .and_then(|f| f.as_str())
        .ok_or_else(|| DiskError::Failed {
            action: "info".to_owned(),
            message: "no format in its answer".to_owned(),
        })?;
    Ok(glance_format(format))
}

/// Converts `source` (in `from`) to `to`, written to `dest`, reporting progress in percent.
pub async fn convert(
    qemu_img: &Path,
    source: &Path,
    from: &str,
    dest: &PathBuf,
    to: &str,
    mut progress: impl FnMut(f64),
) -> Result<(), DiskError> {
    let mut child = Command::new(qemu_img)
        .args([
            "convert",
            "-p",
            "-f",
            qemu_format(from)?,
            "-O",
            qemu_format(to)?,
        ])
        .arg(source)
        .arg(dest)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|source| DiskError::Spawn {
            qemu_img: qemu_img.display().to_string(),
            source,
        })?;
    // `-p` prints "    (12.50/100%)\r" as it goes.
    if let Some(mut stdout) = child.stdout.take() {
        let mut buffer = [0u8; 256];
        let mut line = Vec::new();
        while let Ok(read) = stdout.read(&mut buffer).await {
            if read == 0 {
                break;
            }
            for &byte in &buffer[..read] {
                if byte == b'\r' || byte == b'\n' {
                    if let Some(percent) = parse_progress(&line) {
                        progress(percent);
                    }
                    line.clear();
                } else {
                    line.push(byte);
                }
            }
        }
    }
    let output = child
        .wait_with_output()
        .await
        .map_err(|source| DiskError::Spawn {
            qemu_img: qemu_img.display().to_string(),
            source,
        })?;
    if !output.status.success() {
        return Err(DiskError::Failed {
            action: format!("convert {from} → {to}"),
            message: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        });
    }
    progress(100.0);
    Ok(())
}

fn parse_progress(line: &[u8]) -> Option<f64> {
    let text = std::str::from_utf8(line).ok()?.trim();
    let inner = text.strip_prefix('(')?.strip_suffix("/100%)")?;
    inner.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qemu_img_progress_lines_are_read_as_percentages() {
        assert_eq!(parse_progress(b"    (12.50/100%)"), Some(12.5));
        assert_eq!(parse_progress(b"(100.00/100%)"), Some(100.0));
        assert_eq!(parse_progress(b"garbage"), None);
    }

    #[test]
    fn vhd_is_vpc_to_qemu_img_and_back() {
        assert_eq!(qemu_format("vhd").unwrap(), "vpc");
        assert_eq!(glance_format("vpc"), "vhd");
        assert!(qemu_format("iso").is_err());
    }
}
