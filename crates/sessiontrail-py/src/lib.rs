//! `sessiontrail._native`, the extension module of the `sessiontrail`
//! Python package: the core's native `EventLog` (flock, the 16-byte
//! counter, the torn-tail repair: the crate's protocol, not a copy of it)
//! as a Python class. The public API is the Python package around it
//! (python/sessiontrail/), which adds the context manager, the generators,
//! the report type and asyncio; its stubs are `__init__.pyi`.

mod errors;
mod log;
mod to_json;
mod to_py;

use pyo3::prelude::*;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<log::Log>()?;
    m.add_class::<log::Chunks>()?;
    m.add(
        "DEFAULT_MAX_LINE_BYTES",
        sessiontrail::DEFAULT_MAX_LINE_BYTES,
    )?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
