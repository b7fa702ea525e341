"""sncore.sc: LFSR/Sobol/Bernoulli encoders, packed bit ops, SC arithmetic, layers, neurons, synapses.

Oracles: plain-Python integer LFSRs written from the XAPP052 description, published Sobol
points (Joe-Kuo direction numbers), numpy bit-level transcriptions, binomial error bounds,
and the 1/sqrt(L) vs ~1/L convergence of Bernoulli vs Sobol streams.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sncore import sc
from sncore.units import SncoreError

# ---------------------------------------------------------------- plain-Python LFSR references


def _bits_of(x, w):
    return [(x >> k) & 1 for k in range(w)]


def _int_of(bits):
    return sum(b << k for k, b in enumerate(bits))


def _rev(x, w):
    return int(format(x, f"0{w}b")[::-1], 2)


def ref_fibonacci_left(w, taps, s):
    """XAPP052 picture: Q1..Qw, shift Q(k) -> Q(k+1), Q1 <- XOR of Q(taps); Q(k) = bit k-1."""
    q = _bits_of(s, w)
    fb = 0
    for t in taps:
        fb ^= q[t - 1]
    return _int_of([fb] + q[:-1])


def ref_galois_right(w, taps, s):
    """Textbook Galois: output LSB; shift right; if the output was 1, toggle bit t-1 for each tap."""
    q = _bits_of(s, w)
    out = q[0]
    q = q[1:] + [0]
    if out:
        for t in taps:
            q[t - 1] ^= 1
    return _int_of(q)


def ref_step(form, direction, w, taps, s):
    if form == "fibonacci" and direction == "left":
        return ref_fibonacci_left(w, taps, s)
    if form == "fibonacci":  # mirror of the left form
        return _rev(ref_fibonacci_left(w, taps, _rev(s, w)), w)
    if direction == "right":
        return ref_galois_right(w, taps, s)
    return _rev(ref_galois_right(w, taps, _rev(s, w)), w)


def ref_sequence(spec, n):
    s = spec.seed
    if spec.advance == "before":
        s = ref_step(spec.form, spec.direction, spec.width, spec.taps, s)
    out = []
    for _ in range(n):
        out.append(s)
        s = ref_step(spec.form, spec.direction, spec.width, spec.taps, s)
    return np.array(out, dtype=np.uint64)


def np_threshold(p, levels):
    """round_half_up(float32(p) * float32(levels)) evaluated in float32, as documented."""
    x = np.float32(p) * np.float32(levels)
    f = np.floor(x)
    return int(min(f + (x - f >= 0.5), levels))


FORMS = [(f, d) for f in ("fibonacci", "galois") for d in ("right", "left")]

# ---------------------------------------------------------------- LFSR


@pytest.mark.parametrize("width", range(3, 17))
def test_lfsr_period_is_maximal_by_stepping(width):
    for form, direction in (FORMS if width in (3, 8, 16) else FORMS[:1]):
        spec = sc.LfsrSpec.maximal(width, form=form, direction=direction, seed=1)
        assert int(sc.lfsr_period(spec)) == 2**width - 1


@pytest.mark.parametrize("width", [20, 24])
def test_lfsr_period_large_widths(width):
    for form, direction in FORMS:
        assert sc.lfsr_is_maximal(sc.LfsrSpec.maximal(width, form=form, direction=direction))
    if width == 20:  # one brute-force run too
        assert int(sc.lfsr_period(sc.LfsrSpec.maximal(20, seed=12345))) == 2**20 - 1


def test_all_table_taps_are_maximal():
    for w in range(2, 33):
        assert sc.lfsr_is_maximal(sc.LfsrSpec.maximal(w)), w


def test_non_maximal_taps_are_detected():
    spec = sc.LfsrSpec(width=8, taps=(8, 7))  # x^8 + x^7 + 1 is not primitive
    assert 0 < int(sc.lfsr_period(spec)) < 255
    assert not sc.lfsr_is_maximal(spec)
    with pytest.raises(SncoreError, match=r"'taps'.*\(8, 7\).*not maximal.*\(8, 6, 5, 4\)"):
        sc.LfsrSpec(width=8, taps=(8, 7), check=True)
    sc.LfsrSpec(width=8, taps=(8, 6, 5, 4), check=True)  # no error


@pytest.mark.parametrize("form,direction", FORMS)
@pytest.mark.parametrize("advance", ["after", "before"])
def test_lfsr_sequence_equals_python_reference(form, direction, advance):
    rng = np.random.default_rng(0)
    for w in (4, 7, 16, 32):
        seed = int(rng.integers(1, 2**w))
        spec = sc.LfsrSpec.maximal(w, seed=seed, form=form, direction=direction, advance=advance)
        got = np.asarray(sc.lfsr_sequence(spec, 300)).astype(np.uint64)
        np.testing.assert_array_equal(got, ref_sequence(spec, 300))
        assert got[0] == (seed if advance == "after" else ref_step(form, direction, w, spec.taps, seed))


def test_lfsr_encode_full_period_is_exact():
    w = 9
    spec = sc.LfsrSpec.maximal(w, seed=77)
    p = np.array([0.0, 1e-3, 0.25, 0.5, 0.7071, 1.0], np.float32)
    bits = np.asarray(sc.lfsr_encode(spec, p, 2**w - 1, packed=False))
    states = ref_sequence(spec, 2**w - 1)
    for k, pk in enumerate(p):
        t = np_threshold(pk, 2**w - 1)
        np.testing.assert_array_equal(bits[k], states <= t)
        assert bits[k].sum() == t  # one full period holds exactly T ones
    assert int(sc.lfsr_threshold(0.5, 8)) == 128  # 127.5 rounds half up


def test_rtl_params_describe_the_spec():
    spec = sc.LfsrSpec(width=16, taps=(16, 14, 13, 11), seed=0xACE1, form="galois", direction="right")
    prm = spec.rtl_params()
    assert prm["TAP_MASK"] == "16'hb400" and prm["GALOIS"] == 1 and prm["SHIFT_RIGHT"] == 1
    fib = sc.LfsrSpec(width=16, taps=(16, 14, 13, 11), seed=0xACE1)
    assert fib.mask == 0b101101  # bits 0, 2, 3, 5: the textbook s ^ s>>2 ^ s>>3 ^ s>>5
    assert int(sc.lfsr_sequence(fib, 2)[1]) == 0x5670  # 0xACE1 -> 0x5670 in the textbook example
    hash(spec)  # usable as a static argument


# ---------------------------------------------------------------- Sobol

SOBOL_16 = {
    1: [0, .5, .75, .25, .375, .875, .625, .125, .1875, .6875, .9375, .4375, .3125, .8125, .5625, .0625],
    2: [0, .5, .25, .75, .375, .875, .125, .625, .3125, .8125, .0625, .5625, .1875, .6875, .4375, .9375],
    3: [0, .5, .25, .75, .625, .125, .875, .375, .9375, .4375, .6875, .1875, .3125, .8125, .0625, .5625],
}


@pytest.mark.parametrize("dim", [1, 2, 3])
def test_sobol_first_16_points_equal_published(dim):
    got = np.asarray(sc.sobol_sequence(dim, 16)).astype(np.float64) / 2**32
    np.testing.assert_array_equal(got, SOBOL_16[dim])


def test_sobol_matches_scipy_if_available():
    qmc = pytest.importorskip("scipy.stats.qmc")
    ref = qmc.Sobol(d=10, scramble=False, bits=32).random(1024)
    got = np.stack([np.asarray(sc.sobol_sequence(d, 1024)) for d in range(1, 11)], 1) / 2.0**32
    np.testing.assert_array_equal(got, ref)
    # continuing a stream from a start index gives the same points
    np.testing.assert_array_equal(sc.sobol_sequence(3, 100, 500), sc.sobol_sequence(3, 600)[500:])


def test_sobol_encode_counts_are_exact():
    w, m = 24, 10
    p = np.array([0.0, 0.1, 1 / 3, 0.5, 0.999, 1.0], np.float32)
    ones = np.asarray(sc.popcount(sc.sobol_encode(p, 2**m, dim=2, width=w)))
    for k, pk in enumerate(p):
        t = np_threshold(pk, 2**w)
        assert ones[k] == -(-t // 2 ** (w - m))  # ceil(T / 2^(w-m))


# ---------------------------------------------------------------- packing


@given(st.integers(1, 3), st.integers(1, 2), st.integers(0, 2**32 - 1), st.floats(0, 1))
def test_pack_unpack_round_trip(n_words, rows, seed, density):
    arr = np.random.default_rng(seed).random((rows, 32 * n_words)) < density
    words = sc.pack(arr)
    assert words.dtype == jnp.uint32 and words.shape == (rows, n_words)
    np.testing.assert_array_equal(sc.unpack(words), arr)
    # documented bit order: bit i is bit i % 32 of word i // 32 (little-endian byte view)
    le = np.unpackbits(np.asarray(words).astype("<u4").view(np.uint8), bitorder="little").reshape(arr.shape)
    np.testing.assert_array_equal(le, arr)


def test_popcount_equals_numpy_unpackbits():
    words = np.random.default_rng(1).integers(0, 2**32, (5, 7), dtype=np.uint64).astype(np.uint32)
    ref = np.unpackbits(words.view(np.uint8), axis=-1).sum(-1)
    np.testing.assert_array_equal(sc.popcount(words), ref)
    np.testing.assert_allclose(sc.decode(words), ref / 224.0, rtol=1e-7)
    np.testing.assert_allclose(sc.decode_bipolar(words), 2 * ref / 224.0 - 1, atol=1e-6)
