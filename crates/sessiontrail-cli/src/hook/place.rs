//! Where a hook writes: the root of all sessions, the one session directory
//! a payload names, and the name of this host.
//!
//! The session id comes from the agent's payload and becomes a directory
//! name, so it must be one safe path component: a payload must never make
//! the hook write outside the root.

use std::path::PathBuf;

/// The root of the session directories: `$SESSIONTRAIL_ROOT`, else
/// `$XDG_DATA_HOME/sessiontrail/sessions`, else the platform's user data
/// directory (`~/.local/share/sessiontrail/sessions`; on macOS
/// `~/Library/Application Support/sessiontrail/sessions`).
pub fn sessions_root() -> Result<PathBuf, String> {
    if let Some(root) = non_empty_var("SESSIONTRAIL_ROOT") {
        return Ok(PathBuf::from(root));
    }
    // The XDG spec says a relative value is invalid and must be ignored.
    if let Some(data) = non_empty_var("XDG_DATA_HOME").filter(|d| PathBuf::from(d).is_absolute()) {
        return Ok(PathBuf::from(data).join("sessiontrail").join("sessions"));
    }
    let home = non_empty_var("HOME")
        .ok_or("neither SESSIONTRAIL_ROOT nor HOME is set, so there is no root for the sessions")?;
    let data = if cfg!(target_os = "macos") {
        PathBuf::from(home)
            .join("Library")
            .join("Application Support")
    } else {
        PathBuf::from(home).join(".local").join("share")
    };
    Ok(data.join("sessiontrail").join("sessions"))
}

fn non_empty_var(name: &str) -> Option<std::ffi::OsString> {
    std::env::var_os(name).filter(|v| !v.is_empty())
}

/// Checks that `session_id` can be a directory name under the root: not
/// empty, not `.` or `..`, no `/`, `\`, NUL or other control character, at
/// most 200 bytes.
pub fn check_session_id(session_id: &str) -> Result<(), String> {
    let why = if session_id.is_empty() {
        "is empty"
    } else if session_id == "." || session_id == ".." {
        "is a relative path component"
    } else if session_id.len() > 200 {
        "is longer than 200 bytes"
    } else if session_id.contains(['/', '\\']) {
        "contains a path separator"
    } else if session_id.chars().any(char::is_control) {
        "contains a control character"
    } else {
        return Ok(());
    };
    Err(format!(
        "session_id {session_id:?} {why}; it must be one safe directory name"
    ))
}

/// This machine's host name, or `"localhost"` when it cannot be read.
pub fn host_name() -> String {
    #[cfg(unix)]
    {
        let mut buf = [0u8; 256];
        // SAFETY: the buffer is valid for its whole length, and
        // gethostname writes at most that many bytes.
        let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
        if rc == 0 {
            let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
            if let Ok(name) = std::str::from_utf8(&buf[..end]) {
                if !name.is_empty() {
                    return name.to_string();
                }
            }
        }
    }
    #[cfg(windows)]
    if let Ok(name) = std::env::var("COMPUTERNAME") {
        return name;
    }
    "localhost".to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_ids_must_be_one_safe_component() {
        for good in ["0a1b2c3d-1111-2222-3333-444455556666", "abc", "a.b", "..a"] {
            assert!(check_session_id(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            ".",
            "..",
            "a/b",
            "/abs",
            "a\\b",
            "a\0b",
            "a\nb",
            &"x".repeat(201),
        ] {
            let err = check_session_id(bad).unwrap_err();
            assert!(err.contains("session_id"), "{err}");
        }
    }

    #[test]
    fn host_name_is_never_empty() {
        assert!(!host_name().is_empty());
    }
}
