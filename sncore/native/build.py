"""Compile and load sncore's native CPU kernels (XLA FFI custom calls).

The C++ sources beside this file are compiled on first use with the system C++ compiler
(``$CXX``, else ``c++``/``g++``/``clang++``) against the XLA FFI headers that ship with
jaxlib, and cached as a shared library under ``$SNCORE_CACHE`` (default
``~/.cache/sncore``) in a folder named by a hash of the sources, the compiler command, the
jaxlib version and the CPU's instruction-set flags (the library is built with
``-march=native``). Later processes load the cached library (no compiler needed). The
library is written to a temporary name and renamed, so concurrent builds are safe.

Nothing here is required: when no compiler is found or the build fails, :func:`load`
returns None with the reason in :func:`unavailable_reason`, and sncore runs its XLA path.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

__all__ = ["cache_dir", "load", "unavailable_reason"]

HERE = Path(__file__).parent
SOURCES = ("events.cc", "iaf_cond_exp.cc")
HEADERS = ("common.h",)
#: -ffp-contract=off: no fused multiply-adds, so the kernels round exactly as XLA's code
_FLAGS = ("-O3", "-march=native", "-ffp-contract=off", "-std=c++17", "-shared", "-fPIC", "-w")

#: FFI target name -> exported handler symbol
TARGETS = {"sncore_deliver": "SncoreDeliver", "sncore_iaf_cond_exp": "SncoreIafCondExp"}

_state: dict = {}


def cache_dir() -> Path:
    return Path(os.environ.get("SNCORE_CACHE", Path.home() / ".cache" / "sncore")) / "native"


def _compiler() -> str | None:
    for c in (os.environ.get("CXX"), "c++", "g++", "clang++"):
        if c and shutil.which(c):
            return shutil.which(c)
    return None


def _cpu_flags() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith(("flags", "Features")):
                return line
    except OSError:
        pass
    import platform
    return platform.processor() + platform.machine()


def _key(cxx: str) -> str:
    import jaxlib

    h = hashlib.sha256()
    for s in SOURCES + HEADERS:
        h.update((HERE / s).read_bytes())
    h.update(" ".join((cxx, *_FLAGS)).encode())
    h.update(jaxlib.__version__.encode())
    h.update(_cpu_flags().encode())
    return h.hexdigest()[:16]


def _build(cxx: str, out: Path) -> None:
    import jax.ffi

    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".so", dir=out.parent)
    os.close(fd)
    cmd = [cxx, *_FLAGS, f"-I{jax.ffi.include_dir()}", f"-I{HERE}", *(str(HERE / s) for s in SOURCES), "-o", tmp]
    print(f"sncore: compiling the native CPU kernels (once; cached in {out.parent})", file=sys.stderr, flush=True)
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
        if p.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed:\n{p.stderr[-2000:]}")
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def load():
    """The loaded kernel library (a ``ctypes.CDLL``) with its FFI targets registered for the
    CPU platform, or None when it cannot be built (see :func:`unavailable_reason`)."""
    if "lib" in _state:
        return _state["lib"]
    lib = None
    try:
        cxx = _compiler()
        if cxx is None:
            raise RuntimeError("no C++ compiler found (set $CXX or install g++)")
        path = cache_dir() / _key(cxx) / "libsncore_native.so"
        if not path.exists():
            _build(cxx, path)
        lib = ctypes.CDLL(str(path))
        import jax.ffi

        for name, sym in TARGETS.items():
            jax.ffi.register_ffi_target(name, jax.ffi.pycapsule(getattr(lib, sym)), platform="cpu")
        _state["reason"] = None
    except Exception as e:  # noqa: BLE001 - any failure means: use the XLA path
        lib = None
        _state["reason"] = f"{type(e).__name__}: {e}"
    _state["lib"] = lib
    return lib


def unavailable_reason() -> str | None:
    """Why :func:`load` returned None (None when the library loaded or was not tried)."""
    return _state.get("reason")
