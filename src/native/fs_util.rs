//! File-system calls that differ between Unix and elsewhere: opening without
//! following links, private modes, positional reads and writes, link counts.
//!
//! Everything else in the native path calls these, so `cfg(unix)` stays here.

use std::fs::{File, OpenOptions};
use std::path::Path;

use crate::error::{io_at, EventLogError};
use crate::log::Ownership;

/// The mode of every file the log creates (with [`Ownership::Caller`]).
pub const PRIVATE_MODE: u32 = 0o600;

/// The mode of the files and of the directories the log creates.
pub fn modes(ownership: Ownership) -> (u32, u32) {
    match ownership {
        Ownership::SharedGroup => (0o660, 0o770),
        _ => (PRIVATE_MODE, 0o700),
    }
}

/// Creates `dir` and its missing parents with the directory mode of
/// `ownership` (0o700 by default); returns whether `dir` was created.
/// The session directory itself then gets that mode exactly (the umask
/// may have narrowed a shared one).
pub fn create_dirs(dir: &Path, ownership: Ownership) -> Result<bool, EventLogError> {
    if dir.exists() {
        return Ok(false);
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    imp::dir_mode(&mut builder, modes(ownership).1);
    builder
        .create(dir)
        .map_err(|e| io_at("create directory", dir, e))?;
    if ownership == Ownership::SharedGroup {
        imp::set_mode(dir, modes(ownership).1)?;
    }
    Ok(true)
}

#[derive(Clone, Copy)]
pub enum Access {
    ReadWrite,
    /// Read and O_APPEND write.
    Append,
}

/// Refuses `path` when it is a symbolic link; a missing path is fine.
pub fn refuse_symlink(path: &Path) -> Result<(), EventLogError> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => Err(EventLogError::Symlink {
            path: path.to_path_buf(),
        }),
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io_at("stat", path, e)),
    }
}

/// Refuses `path` when it exists and is not a directory (a session
/// directory given as a file's path); a missing path is fine.
pub fn require_dir_or_missing(path: &Path) -> Result<(), EventLogError> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if !meta.is_dir() => Err(EventLogError::Io(crate::error::io_error(
            std::io::ErrorKind::InvalidInput,
            format!(
                "refusing to use {} as a session directory: it is {}",
                path.display(),
                if meta.is_file() {
                    "a regular file"
                } else {
                    imp::kind_of(&meta.file_type())
                }
            ),
        ))),
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io_at("stat", path, e)),
    }
}

/// Opens (creating 0o600 when missing) without following a final symlink,
/// refuses a file another user owns (see [`require_owner`]), and tightens a
/// looser mode on a file we own. Returns whether the file was created by
/// this call.
pub fn open_private(
    path: &Path,
    access: Access,
    ownership: Ownership,
) -> Result<(File, bool), EventLogError> {
    let mut options = OpenOptions::new();
    options.read(true);
    match access {
        Access::ReadWrite => options.write(true),
        Access::Append => options.append(true),
    };
    no_follow(&mut options);
    let (file, created) = match options.open(path) {
        Ok(file) => (file, false),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            options.create_new(true);
            private_mode(&mut options, modes(ownership).0);
            match options.open(path) {
                Ok(file) => (file, true),
                // Another process created it between the two opens.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    options.create_new(false);
                    (options.open(path).map_err(|e| open_error(path, e))?, false)
                }
                Err(e) => return Err(open_error(path, e)),
            }
        }
        Err(e) => return Err(open_error(path, e)),
    };
    require_regular(&file, path)?;
    let meta = file.metadata().map_err(|e| io_at("stat", path, e))?;
    require_owner(&meta, path, ownership)?;
    tighten(&file, path, modes(ownership).0)?;
    Ok((file, created))
}

/// Refuses a descriptor that is not a regular file: a FIFO would take every
/// append and keep none (and block its readers), a device or a directory is
/// not a log. Checked on the descriptor, after an open that does not block
/// (`O_NONBLOCK`), so the check is about the file actually opened.
pub fn require_regular(file: &File, path: &Path) -> Result<(), EventLogError> {
    let meta = file.metadata().map_err(|e| io_at("stat", path, e))?;
    if meta.file_type().is_file() {
        return Ok(());
    }
    Err(EventLogError::Io(crate::error::io_error(
        std::io::ErrorKind::InvalidInput,
        format!(
            "refusing to use {}: it is {}, not a regular file",
            path.display(),
            imp::kind_of(&meta.file_type())
        ),
    )))
}

/// Refuses a file with more than one hard link: writing to it would change
/// another name too. Returns its metadata otherwise.
pub fn refuse_hard_links(file: &File, path: &Path) -> Result<std::fs::Metadata, EventLogError> {
    let meta = file.metadata().map_err(|e| io_at("stat", path, e))?;
    let links = link_count(&meta);
    if links > 1 {
        return Err(EventLogError::HardLinked {
            path: path.to_path_buf(),
            links,
        });
    }
    Ok(meta)
}

/// Opens an existing file for reading and writing without following a final
/// symlink; `None` when it does not exist. Creates nothing; refuses a file
/// another user owns (see [`require_owner`]).
pub fn open_existing_rw(path: &Path, ownership: Ownership) -> Result<Option<File>, EventLogError> {
    let mut options = OpenOptions::new();
    options.read(true).write(true);
    no_follow(&mut options);
    match options.open(path) {
        Ok(file) => {
            require_regular(&file, path)?;
            let meta = file.metadata().map_err(|e| io_at("stat", path, e))?;
            require_owner(&meta, path, ownership)?;
            Ok(Some(file))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(open_error(path, e)),
    }
}

/// Opens for reading without following a final symlink.
pub fn open_read(path: &Path) -> Result<File, EventLogError> {
    let mut options = OpenOptions::new();
    options.read(true);
    no_follow(&mut options);
    let file = options.open(path).map_err(|e| open_error(path, e))?;
    require_regular(&file, path)?;
    Ok(file)
}

fn open_error(path: &Path, e: std::io::Error) -> EventLogError {
    if is_symlink_loop(&e) {
        EventLogError::Symlink {
            path: path.to_path_buf(),
        }
    } else {
        io_at("open", path, e)
    }
}

/// Makes a directory entry durable (a newly created file's name).
pub fn sync_dir(dir: &Path) -> Result<(), EventLogError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io_at("fsync directory", dir, e))
}

#[cfg(unix)]
mod imp {
    use std::fs::{File, Metadata, OpenOptions};
    use std::os::unix::fs::{FileExt, MetadataExt, OpenOptionsExt};
    use std::os::unix::io::AsRawFd;
    use std::path::Path;

    use crate::error::{io_at, EventLogError};

    /// No final symlink, and no blocking open: opening a FIFO for reading
    /// would wait for a writer. Non-blocking changes nothing for a regular
    /// file, the only kind the callers then accept.
    pub fn no_follow(options: &mut OpenOptions) {
        options.custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC | libc::O_NONBLOCK);
    }

    /// What a file that is not a regular file is, for error messages.
    pub fn kind_of(t: &std::fs::FileType) -> &'static str {
        use std::os::unix::fs::FileTypeExt;
        if t.is_dir() {
            "a directory"
        } else if t.is_fifo() {
            "a FIFO (named pipe)"
        } else if t.is_socket() {
            "a socket"
        } else if t.is_char_device() {
            "a character device"
        } else if t.is_block_device() {
            "a block device"
        } else if t.is_symlink() {
            "a symbolic link"
        } else {
            "a special file"
        }
    }

    pub fn private_mode(options: &mut OpenOptions, mode: u32) {
        options.mode(mode);
    }

    pub fn dir_mode(builder: &mut std::fs::DirBuilder, mode: u32) {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(mode);
    }

    pub fn set_mode(path: &Path, mode: u32) -> Result<(), EventLogError> {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
            .map_err(|e| io_at("chmod", path, e))
    }

    /// The owner rule: `meta` (of `path`) must belong to the calling
    /// (effective) user or, with [`Ownership::SharedGroup`], to a group the
    /// caller is in. Root is held to it too: a root agent appending into a
    /// directory another user prepared is the same attack.
    pub fn require_owner(
        meta: &Metadata,
        path: &Path,
        ownership: crate::log::Ownership,
    ) -> Result<(), EventLogError> {
        // SAFETY: geteuid has no preconditions and cannot fail.
        let me = unsafe { libc::geteuid() };
        if meta.uid() == me
            || (ownership == crate::log::Ownership::SharedGroup && in_my_groups(meta.gid()))
        {
            return Ok(());
        }
        Err(EventLogError::NotOwner {
            path: path.to_path_buf(),
            owner: meta.uid(),
            caller: me,
        })
    }

    /// Whether the caller is in group `gid` (effective or supplementary).
    fn in_my_groups(gid: u32) -> bool {
        // SAFETY: getegid has no preconditions; getgroups writes at most
        // `groups.len()` ids into the buffer it is given.
        unsafe {
            if libc::getegid() == gid {
                return true;
            }
            let mut groups = vec![0 as libc::gid_t; 256];
            let n = libc::getgroups(groups.len() as libc::c_int, groups.as_mut_ptr());
            n > 0 && groups[..n as usize].contains(&gid)
        }
    }

    pub fn is_symlink_loop(e: &std::io::Error) -> bool {
        e.raw_os_error() == Some(libc::ELOOP)
    }

    /// Sets the mode of a file we own to `mode` (0o600, or 0o660 for a
    /// shared group) through its descriptor (fchmod, so a swapped path
    /// cannot redirect it). Files owned by others (a shared group's) are
    /// left alone: we cannot change them. So are files with more than one
    /// hard link: the mode belongs to the other names too, and the store
    /// refuses to write such a file anyway.
    pub fn tighten(file: &File, path: &Path, mode: u32) -> Result<(), EventLogError> {
        let meta = file.metadata().map_err(|e| io_at("stat", path, e))?;
        // SAFETY: geteuid has no preconditions and cannot fail.
        let me = unsafe { libc::geteuid() };
        if meta.uid() == me && meta.nlink() == 1 && meta.mode() & 0o777 != mode {
            // SAFETY: the descriptor is open for the life of `file`.
            let rc = unsafe { libc::fchmod(file.as_raw_fd(), mode as libc::mode_t) };
            if rc != 0 {
                return Err(io_at("fchmod", path, std::io::Error::last_os_error()));
            }
        }
        Ok(())
    }

    pub fn read_at(file: &File, offset: u64, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            match file.read_at(buf, offset) {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                other => return other,
            }
        }
    }

    pub fn write_at(file: &File, offset: u64, buf: &[u8]) -> std::io::Result<()> {
        file.write_all_at(buf, offset)
    }

    pub fn link_count(meta: &Metadata) -> u64 {
        meta.nlink()
    }

    /// Which file `meta` describes: its device and inode.
    pub fn file_id(meta: &Metadata) -> Option<(u64, u64)> {
        Some((meta.dev(), meta.ino()))
    }
}

#[cfg(not(unix))]
mod imp {
    use std::fs::{File, Metadata, OpenOptions};
    use std::io::{Read, Seek, SeekFrom, Write};
    use std::path::Path;

    use crate::error::EventLogError;

    pub fn no_follow(_: &mut OpenOptions) {}

    pub fn kind_of(t: &std::fs::FileType) -> &'static str {
        if t.is_dir() {
            "a directory"
        } else {
            "a special file"
        }
    }

    pub fn private_mode(_: &mut OpenOptions, _: u32) {}

    pub fn dir_mode(_: &mut std::fs::DirBuilder, _: u32) {}

    pub fn set_mode(_: &Path, _: u32) -> Result<(), EventLogError> {
        Ok(())
    }

    /// No owners here that this crate reads: the rule is not enforced.
    pub fn require_owner(
        _: &Metadata,
        _: &Path,
        _: crate::log::Ownership,
    ) -> Result<(), EventLogError> {
        Ok(())
    }

    pub fn is_symlink_loop(_: &std::io::Error) -> bool {
        false
    }

    pub fn tighten(_: &File, _: &Path, _: u32) -> Result<(), EventLogError> {
        Ok(())
    }

    pub fn read_at(mut file: &File, offset: u64, buf: &mut [u8]) -> std::io::Result<usize> {
        file.seek(SeekFrom::Start(offset))?;
        file.read(buf)
    }

    pub fn write_at(mut file: &File, offset: u64, buf: &[u8]) -> std::io::Result<()> {
        file.seek(SeekFrom::Start(offset))?;
        file.write_all(buf)
    }

    /// No link count here: a deleted or replaced file goes unnoticed.
    pub fn link_count(_: &Metadata) -> u64 {
        1
    }

    /// No device and inode here: a replaced file is noticed only when it
    /// is shorter than what was read.
    pub fn file_id(_: &Metadata) -> Option<(u64, u64)> {
        None
    }
}

pub use imp::{file_id, link_count, read_at, write_at};
use imp::{is_symlink_loop, no_follow, private_mode};
pub use imp::{require_owner, tighten};
