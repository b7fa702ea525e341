"""Device selection for a run: ``backend="auto" | "cpu" | "gpu" | "tpu"``.

``"auto"`` (the default) leaves placement to JAX: the run goes to JAX's default backend
(``jax.default_backend()``), exactly as without the argument. An explicit backend places the
parameters and state on the first device of that backend and runs every chunk there; a backend
that this machine does not have raises :class:`~sncore.units.SncoreError` naming it and the
available ones. The dtype is never changed to fit a backend (float64 still needs
``jax_enable_x64``, checked by the Simulator), so a backend choice cannot silently change results
beyond the backend's own floating-point rounding. ``sim.compile()`` returns a pure function; where
it runs follows the placement of its inputs (``jax.device_put(run.state, device)``), as for any jitted function.

Kernels for a run on CPU: ``kernels="auto" | "native" | "xla"`` (:func:`use_native`, docs/native.md).

Example:
    >>> sim = sn.Simulator(dt=0.1 * u.ms, backend="cpu")
    >>> resolve_backend("tpu")   # on a machine without a TPU
    SncoreError: backend 'tpu' is not available on this machine ...; available: ['cpu'] ...
"""

from __future__ import annotations

from typing import Any

import jax

from ..units import SncoreError

__all__ = ["BACKENDS", "KERNELS", "available_backends", "check_kernels", "resolve_backend", "use_native"]

#: the names accepted by ``backend=``
BACKENDS = ("auto", "cpu", "gpu", "tpu")
#: the names accepted by ``kernels=`` (:mod:`sncore.native`, docs/native.md)
KERNELS = ("auto", "native", "xla")


def available_backends() -> list[str]:
    """The platforms among ``cpu``, ``gpu``, ``tpu`` that JAX can use in this process."""
    out = []
    for name in BACKENDS[1:]:
        try:
            if jax.devices(name):
                out.append(name)
        except RuntimeError:
            pass
    return out


def resolve_backend(backend: Any, owner: str = "Simulator") -> jax.Device | None:
    """The device a run uses: None for ``"auto"`` (JAX's default placement), else the first
    device of the named backend.

    Raises:
        SncoreError: for a name outside :data:`BACKENDS`, or a backend this machine lacks.
    """
    if backend is None or (isinstance(backend, str) and backend == "auto"):
        return None
    if not isinstance(backend, str) or backend not in BACKENDS:
        raise SncoreError(f"{owner} parameter 'backend' must be one of {list(BACKENDS)}, got {backend!r}.")
    try:
        devices = jax.devices(backend)
    except RuntimeError as err:
        devices, why = [], str(err).splitlines()[0] if str(err) else type(err).__name__
    else:
        why = "JAX lists no device"
    if not devices:
        raise SncoreError(
            f"{owner} parameter 'backend': backend {backend!r} is not available on this machine "
            f"({why}); available: {available_backends()} (JAX's default: {jax.default_backend()!r}). "
            f"Use backend='auto' for the default, or install jax with {backend} support.")
    return devices[0]


def check_kernels(kernels: Any, owner: str = "Simulator") -> str:
    if not isinstance(kernels, str) or kernels not in KERNELS:
        raise SncoreError(f"{owner} parameter 'kernels' must be one of {list(KERNELS)}, got {kernels!r}.")
    return kernels


def use_native(kernels: str, device: jax.Device | None, devices: Any, event_capacity: Any) -> bool:
    """Whether ``simulate`` runs the native CPU kernels (:mod:`sncore.native`): for
    ``"auto"`` when the run is on CPU on one device, no ``event_capacity`` is set and the
    kernels build; ``"native"`` requires them (an error names what prevents them)."""
    if kernels == "xla":
        return False
    platform = device.platform if device is not None else jax.default_backend()
    why = ("the run is not on CPU" if platform != "cpu"
           else "the network runs on several devices" if devices is not None
           else "event_capacity is set (it sizes the XLA path)" if event_capacity and kernels == "auto"
           else None)
    if why is None:
        from .. import native

        if native.available():
            return True
        why = f"they could not be built ({native.unavailable_reason()})"
    if kernels == "native":
        raise SncoreError(f"Simulator(kernels='native'): the native kernels cannot run: {why}. "
                          "Use kernels='auto' or 'xla'.")
    return False
