//! Pre-compressed site assets: the wasm bundle, its JavaScript and the stylesheet get
//! `.br` and `.gz` siblings, which the static file handler serves to browsers that accept
//! them, so no request pays for compressing them (and brotli and gzip get their best,
//! which would be far too slow on every request). Made in the background after start-up,
//! only for files whose siblings are missing or older; until then responses are
//! compressed on the fly as before.

use std::io::Write;
use std::path::{Path, PathBuf};

/// What is worth compressing.
const EXTENSIONS: [&str; 5] = ["wasm", "js", "css", "svg", "html"];

/// Removes compressed siblings older than their asset (a new build replaced it): they
/// would be served instead of it. Quick (metadata only); run before serving.
pub fn drop_stale(root: &Path) -> std::io::Result<usize> {
    let mut dropped = 0;
    for file in assets(root)? {
        for ext in ["br", "gz"] {
            let target = sibling(&file, ext);
            if target.exists() && !is_fresh(&file, &target) {
                std::fs::remove_file(&target)?;
                dropped += 1;
            }
        }
    }
    Ok(dropped)
}

/// Compresses every asset under `root` that needs it. Returns how many files were
/// written. A site folder that cannot be written (a read-only image) is no error.
pub fn precompress(root: &Path) -> std::io::Result<usize> {
    let mut written = 0;
    for file in assets(root)? {
        for (ext, compress) in [("br", brotli as Compress), ("gz", gzip as Compress)] {
            let target = sibling(&file, ext);
            if is_fresh(&file, &target) {
                continue;
            }
            let data = std::fs::read(&file)?;
            let packed = compress(&data)?;
            // Not worth it for tiny files, and a half-written file must never be served.
            if packed.len() >= data.len() {
                continue;
            }
            // A file of this run's own, renamed into place when whole: another instance
            // compressing the same folder would otherwise truncate the file this one is
            // about to rename. Removed if anything fails, so nothing piles up.
            let mut partial = tempfile::Builder::new()
                .suffix(".partial")
                .permissions(std::fs::metadata(&file)?.permissions())
                .tempfile_in(file.parent().unwrap_or(root))?;
            partial.write_all(&packed)?;
            partial.persist(&target).map_err(|e| e.error)?;
            written += 1;
        }
    }
    Ok(written)
}

type Compress = fn(&[u8]) -> std::io::Result<Vec<u8>>;

fn brotli(data: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    {
        let mut w = ::brotli::CompressorWriter::new(&mut out, 64 * 1024, 11, 22);
        w.write_all(data)?;
    }
    Ok(out)
}

/// Zopfli: plain gzip that any browser reads, about 4 % smaller than zlib's best on the
/// main wasm. A fresh site takes about half a minute of one core, once per build.
fn gzip(data: &[u8]) -> std::io::Result<Vec<u8>> {
    // More than five gained nothing measurable on the main wasm.
    const ITERATIONS: std::num::NonZeroU64 = std::num::NonZeroU64::new(5).unwrap();
    let options = zopfli::Options {
        iteration_count: ITERATIONS,
        ..Default::default()
    };
    let mut out = Vec::new();
    zopfli::compress(options, zopfli::Format::Gzip, data, &mut out)?;
    Ok(out)
}

fn sibling(file: &Path, ext: &str) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".");
    name.push(ext);
    PathBuf::from(name)
}

/// The compressed file exists and is not older than its source.
fn is_fresh(source: &Path, compressed: &Path) -> bool {
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    matches!((modified(source), modified(compressed)), (Some(s), Some(c)) if c >= s)
}

fn assets(root: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let mut folders = vec![root.to_path_buf()];
    while let Some(folder) = folders.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries {
            let path = entry?.path();
            if path.is_dir() {
                folders.push(path);
            } else if path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| EXTENSIONS.contains(&e))
            {
                found.push(path);
            }
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn assets_get_siblings_that_decompress_to_the_original() {
        let dir = tempfile::tempdir().unwrap();
        let pkg = dir.path().join("pkg");
        std::fs::create_dir(&pkg).unwrap();
        let wasm = pkg.join("app.wasm");
        let original: Vec<u8> = (0..50_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&wasm, &original).unwrap();
        std::fs::write(pkg.join("notes.txt"), "not an asset").unwrap();

        assert_eq!(precompress(dir.path()).unwrap(), 2);
        let mut unpacked = Vec::new();
        ::brotli::Decompressor::new(std::fs::File::open(sibling(&wasm, "br")).unwrap(), 4096)
            .read_to_end(&mut unpacked)
            .unwrap();
        assert_eq!(unpacked, original);
        let mut unpacked = Vec::new();
        flate2::read::GzDecoder::new(std::fs::File::open(sibling(&wasm, "gz")).unwrap())
            .read_to_end(&mut unpacked)
            .unwrap();
        assert_eq!(unpacked, original);
        assert!(!pkg.join("notes.txt.br").exists());
        // Fresh siblings are left alone.
        assert_eq!(drop_stale(dir.path()).unwrap(), 0);
        assert_eq!(precompress(dir.path()).unwrap(), 0);
        // A new build of the asset: the old siblings must go before anything serves them.
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(&wasm, b"new build").unwrap();
        assert_eq!(drop_stale(dir.path()).unwrap(), 2);
        assert!(!sibling(&wasm, "br").exists());
    }

    /// The gzip sibling is what browsers that do not take brotli get, and what the
    /// bundle budget is stated in: it must beat plain `gzip -9` on code-like data.
    #[test]
    fn the_gzip_sibling_is_smaller_than_gzip_at_its_best() {
        // Text with the repetition and variety of a real bundle: names, numbers, markup.
        let original: Vec<u8> = (0..6_000u32)
            .flat_map(|i| {
                format!(
                    "<fn name=\"view_{}\" calls=\"{} {}\"/>\n",
                    i % 397,
                    i * 7919 % 1009,
                    i % 13
                )
                .into_bytes()
            })
            .collect();
        let mut plain = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        plain.write_all(&original).unwrap();
        let plain = plain.finish().unwrap();
        let packed = gzip(&original).unwrap();
        assert!(
            packed.len() < plain.len(),
            "{} >= {} bytes",
            packed.len(),
            plain.len()
        );
        let mut unpacked = Vec::new();
        flate2::read::GzDecoder::new(&packed[..])
            .read_to_end(&mut unpacked)
            .unwrap();
        assert_eq!(unpacked, original);
    }

    /// Two instances sharing one site folder (a rolling restart, or a fleet on one
    /// machine) compress it at the same time: both must finish, and every sibling must
    /// be whole.
    #[test]
    fn two_instances_compressing_one_folder_do_not_trip_on_each_other() {
        let dir = tempfile::tempdir().unwrap();
        // Many small files: the one behind skips what the other has done and catches
        // up, so both often compress the same file at the same moment.
        let original: Vec<u8> = (0..4_000u32).map(|i| (i % 253) as u8).collect();
        let files: Vec<PathBuf> = (0..300)
            .map(|i| {
                let file = dir.path().join(format!("chunk_{i}.wasm"));
                std::fs::write(&file, &original).unwrap();
                file
            })
            .collect();
        let start = std::sync::Barrier::new(2);
        let results: Vec<std::io::Result<usize>> = std::thread::scope(|s| {
            let runs: Vec<_> = (0..2)
                .map(|_| {
                    s.spawn(|| {
                        start.wait();
                        precompress(dir.path())
                    })
                })
                .collect();
            runs.into_iter().map(|r| r.join().unwrap()).collect()
        });
        for result in results {
            assert!(result.is_ok(), "an instance failed: {result:?}");
        }
        for file in &files {
            let mut unpacked = Vec::new();
            flate2::read::GzDecoder::new(std::fs::File::open(sibling(file, "gz")).unwrap())
                .read_to_end(&mut unpacked)
                .unwrap();
            assert_eq!(unpacked, original);
        }
        let partials = std::fs::read_dir(dir.path())
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .path()
                    .to_string_lossy()
                    .ends_with(".partial")
            })
            .count();
        assert_eq!(partials, 0, "half-written files left behind");
    }
}
