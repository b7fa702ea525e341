"""A stochastic-computing dense layer (:class:`SCDense`) on packed Bernoulli bitstreams.

Inputs are probabilities ``x_j`` in ``[0, 1]``; weights ``w_ij`` are unipolar (``[0, 1]``) or
bipolar (``[-1, 1]``).  Every input gets one stream shared by all outputs (as in hardware);
every weight gets its own stream; streams are independent Bernoulli streams of length ``L``
from one key, ``bit = (u < p)`` as in :func:`sncore.sc.bernoulli_bits` (see :meth:`SCDense.encode`).

=========  ===========================  ===============================  ===========================
polarity   stream probabilities         product stream ``z_ij``          value of ``z_ij``
=========  ===========================  ===============================  ===========================
unipolar   ``x_j``, ``w_ij``            ``X_j & W_ij``                   ``x_j w_ij``
bipolar    ``(x_j+1)/2``, ``(w_ij+1)/2``  ``XNOR(X_j, W_ij)``            ``x_j w_ij`` (bipolar)
=========  ===========================  ===============================  ===========================

Accumulation over ``j`` (``n = n_in``, ``c`` = a count of ones):

* ``"apc"`` (accumulative parallel counter): ``c_i = sum_j popcount(z_ij)`` exactly;
  output ``y_i = c_i / L`` (unipolar) or ``y_i = (2 c_i - n L) / L`` (bipolar), an estimate of
  the **sum** ``sum_j w_ij x_j`` (``scale = 1``).
* ``"mux"`` (n-input MUX tree, select uniform over ``0..n-1`` per bit and per output):
  ``m_i = OR_j (z_ij & S_ij)`` with one-hot select streams ``S``; ``y_i = popcount(m_i) / L``
  (unipolar) or ``2 popcount(m_i) / L - 1`` (bipolar), an estimate of the **mean**
  ``(1/n) sum_j w_ij x_j`` (``scale = 1/n``).

All estimates are unbiased; their binomial variances are :meth:`SCDense.variance`.

Example:
    >>> import jax, jax.numpy as jnp
    >>> layer = SCDense(jnp.array([[0.5, 0.25], [1.0, 0.0]]), length=4096)
    >>> y = layer(jnp.array([0.8, 0.4]), jax.random.key(0))   # ~ [0.5, 0.8]
    >>> ys = jax.vmap(layer)(jnp.ones((8, 2)) * 0.5, jax.random.split(jax.random.key(1), 8))
"""

from __future__ import annotations

from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp

from ..units import SncoreError
from ._checks import check_length, check_unit_interval
from .packing import pack, popcount

__all__ = ["SCDense"]


class SCDense(eqx.Module):
    """SC dense layer ``y = scale * W x`` estimated from bitstreams (see the module docstring).

    ============  ==========================================  =============================
    field         meaning                                     allowed / default
    ============  ==========================================  =============================
    weight        ``[n_out, n_in]``                           ``[0, 1]`` or ``[-1, 1]``
    length        stream length ``L`` (static)                multiple of 32; 1024
    polarity      ``"unipolar"`` / ``"bipolar"`` (static)     ``"unipolar"``
    accumulate    ``"apc"`` (sum) / ``"mux"`` (mean) (static) ``"apc"``
    ============  ==========================================  =============================
    """

    weight: jax.Array
    length: int = eqx.field(static=True)
    polarity: str = eqx.field(static=True)
    accumulate: str = eqx.field(static=True)

    def __init__(self, weight: Any, length: int = 1024, polarity: str = "unipolar", accumulate: str = "apc"):
        if polarity not in ("unipolar", "bipolar"):
            raise SncoreError(f"parameter 'polarity': got {polarity!r}; allowed: 'unipolar', 'bipolar'")
        if accumulate not in ("apc", "mux"):
            raise SncoreError(f"parameter 'accumulate': got {accumulate!r}; allowed: 'apc', 'mux'")
        w = jnp.asarray(weight, jnp.float32)
        if w.ndim != 2:
            raise SncoreError(f"parameter 'weight': got shape {w.shape}; allowed: a matrix [n_out, n_in]")
        check_unit_interval(weight, "weight", -1.0 if polarity == "bipolar" else 0.0, 1.0)
        self.weight = w
        self.length = check_length(length)
        self.polarity = polarity
        self.accumulate = accumulate

    @property
    def scale(self) -> float:
        """``1`` for APC (the sum), ``1/n_in`` for the MUX tree (the mean)."""
        return 1.0 if self.accumulate == "apc" else 1.0 / self.weight.shape[1]

    def expected(self, x: Any) -> jax.Array:
        """The exact value the layer estimates: ``scale * W x``."""
        return self.scale * (self.weight @ jnp.asarray(x, jnp.float32))

    def variance(self, x: Any) -> jax.Array:
        """Binomial variance of the output for independent Bernoulli streams, ``[n_out]``."""
        q = self.weight * jnp.asarray(x, jnp.float32)  # values of the products
        if self.polarity == "bipolar":
            q = (1.0 + q) / 2.0  # P(XNOR = 1)
        f = 4.0 if self.polarity == "bipolar" else 1.0
        if self.accumulate == "apc":
            return f * jnp.sum(q * (1 - q), axis=-1) / self.length
        m = jnp.mean(q, axis=-1)
        return f * m * (1 - m) / self.length

    def encode(self, x: Any, key: jax.Array) -> tuple[jax.Array, jax.Array, jax.Array | None]:
        """Streams ``(X [n_in, W], Wt [n_out, n_in, W], S [n_out, n_in, W] or None)`` for input ``x``.

        One uniform array ``u ~ U[0, 1)`` of shape ``[n_in + n_out n_in (+ n_out), L]`` is drawn
        from ``key``; rows ``0..n_in-1`` give ``X = (u < p_x)``, the next ``n_out n_in`` rows give
        ``Wt = (u < p_w)`` (row-major over ``[n_out, n_in]``), and for the MUX the last ``n_out`` rows
        give the select index ``min(floor(n_in u), n_in - 1)``, uniform over ``0..n_in-1``.
        """
        check_unit_interval(x, "x")
        x = jnp.asarray(x, jnp.float32)
        n_out, n_in = self.weight.shape
        px, pw = (x, self.weight) if self.polarity == "unipolar" else ((x + 1) / 2, (self.weight + 1) / 2)
        mux = self.accumulate == "mux"
        u = jax.random.uniform(key, (n_in + n_out * n_in + (n_out if mux else 0), self.length), jnp.float32)
        xs = pack(u[:n_in] < px[:, None])
        wbits = u[n_in : n_in + n_out * n_in] < pw.reshape(-1, 1)
        ws = pack(wbits.reshape(n_out, n_in, self.length))
        sel = None
        if mux:
            idx = jnp.minimum((u[n_in + n_out * n_in :] * n_in).astype(jnp.int32), n_in - 1)
            sel = pack(idx[:, None, :] == jnp.arange(n_in)[None, :, None])
        return xs, ws, sel

    def from_streams(self, xs: jax.Array, ws: jax.Array, sel: jax.Array | None = None) -> jax.Array:
        """Bit-level forward pass on given packed streams (see the module docstring), ``[n_out]``."""
        z = (xs[None] & ws) if self.polarity == "unipolar" else ~(xs[None] ^ ws)
        L = self.length
        if self.accumulate == "apc":
            c = jnp.sum(popcount(z), axis=-1)
            n = self.weight.shape[1]
            return c / L if self.polarity == "unipolar" else (2 * c - n * L) / L
        if sel is None:
            raise SncoreError("parameter 'sel': got None; allowed: one-hot select streams for accumulate='mux'")
        m = jax.lax.reduce(z & sel, jnp.uint32(0), jax.lax.bitwise_or, (1,))
        c = popcount(m)
        return c / L if self.polarity == "unipolar" else 2 * c / L - 1.0

    def __call__(self, x: Any, key: jax.Array) -> jax.Array:
        """Encode ``x`` (``[n_in]`` probabilities) with ``key`` and return ``y [n_out]``."""
        return self.from_streams(*self.encode(x, key))
