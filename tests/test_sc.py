"""sncore.sc: LFSR/Sobol/Bernoulli encoders, packed bit ops, SC arithmetic, layers, neurons, synapses.

Oracles: plain-Python integer LFSRs written from the XAPP052 description, published Sobol
points (Joe-Kuo direction numbers), numpy bit-level transcriptions, binomial error bounds,
and the 1/sqrt(L) vs ~1/L convergence of Bernoulli vs Sobol streams.
"""

import equinox as eqx
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
    for w in (5, 16, 32):
        seed = int(rng.integers(1, 2**w))
        spec = sc.LfsrSpec.maximal(w, seed=seed, form=form, direction=direction, advance=advance)
        got = np.asarray(sc.lfsr_sequence(spec, 200)).astype(np.uint64)
        np.testing.assert_array_equal(got, ref_sequence(spec, 200))
        assert got[0] == (seed if advance == "after" else ref_step(form, direction, w, spec.taps, seed))


def test_lfsr_seed_override_is_vmappable():
    spec = sc.LfsrSpec.maximal(12, form="galois", direction="left", advance="before")
    seeds = jnp.array([1, 77, 4095, 1234], jnp.uint32)
    got = jax.vmap(lambda s: sc.lfsr_sequence(spec, 64, s))(seeds)
    for k, s in enumerate(np.asarray(seeds)):
        ref = ref_sequence(sc.LfsrSpec.maximal(12, seed=int(s), form="galois", direction="left", advance="before"), 64)
        np.testing.assert_array_equal(np.asarray(got[k]).astype(np.uint64), ref)
    np.testing.assert_array_equal(sc.lfsr_sequence(spec, 64, seeds), got)  # array of seeds -> [4, 64]
    enc = jax.vmap(lambda s: sc.lfsr_encode(spec, 0.3, 64, seed=s))(seeds)
    np.testing.assert_array_equal(enc[1], sc.lfsr_encode(sc.LfsrSpec.maximal(
        12, seed=77, form="galois", direction="left", advance="before"), 0.3, 64))
    with pytest.raises(SncoreError, match=r"'seed'.*4096.*\[1, 4095\]"):
        sc.lfsr_sequence(spec, 8, 4096)


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


# ---------------------------------------------------------------- SC arithmetic

LENGTHS = 2 ** np.arange(8, 15)


@jax.jit
def _errors(a, b):
    """RMSE over the trials (entries of a, b) of AND-multiply, MUX-add and XNOR-multiply for every
    L in LENGTHS: the streams of length L are the first L bits of one long stream (a prefix of
    independent bits is independent; a prefix of a Sobol stream is the Sobol stream of length L)."""
    n = int(LENGTHS[-1])
    half = jnp.full_like(a, 0.5)
    xa, xb = 2 * a - 1, 2 * b - 1
    bern = sc.bernoulli_encode(jax.random.key(11), jnp.stack([a, b, half]), n)  # independent rows
    sob = [sc.sobol_encode(p, n, dim=d) for d, p in ((1, a), (2, b), (3, half))]
    est, refs = [], []
    for sa, sb, ss in (bern, sob):
        for z, ref, bipolar in ((sc.mul(sa, sb), a * b, False), (sc.mux_add(sa, sb, ss), (a + b) / 2, False),
                                (sc.mul_bipolar(sa, sb), xa * xb, True)):  # same streams read as bipolar
            ones = jnp.cumsum(jax.lax.population_count(z).astype(jnp.int32), axis=-1)[:, LENGTHS // 32 - 1]
            p = ones / jnp.asarray(LENGTHS, jnp.float32)  # [trials, len]: decode of each prefix
            est.append(2 * p - 1 if bipolar else p)
            refs.append(ref[:, None])
    err = jnp.sqrt(jnp.mean((jnp.stack(est) - jnp.stack(refs)) ** 2, axis=1))  # [6, len]
    return err.T


def test_error_falls_as_inverse_sqrt_length_for_bernoulli_and_faster_for_sobol():
    rng = np.random.default_rng(3)
    a = jnp.asarray(rng.random(256), jnp.float32)
    b = jnp.asarray(rng.random(256), jnp.float32)
    err = np.asarray(_errors(a, b))  # [len, 6]
    slopes = np.polyfit(np.log(LENGTHS), np.log(err), 1)[0]
    # Bernoulli: RMSE = sqrt(mean p(1-p)/L) exactly in expectation -> slope -1/2
    assert np.all((slopes[:3] > -0.6) & (slopes[:3] < -0.4)), slopes
    # Sobol dims 1, 2 (3) form a low-discrepancy net -> ~ log(L)/L
    assert np.all(slopes[3:] <= -0.8), slopes
    # the Bernoulli RMSE matches its binomial prediction within 20% at the longest length
    pred = np.sqrt(np.mean(np.asarray(a * b * (1 - a * b))) / LENGTHS[-1])
    assert 0.8 < err[-1, 0] / pred < 1.2


def test_independent_streams_multiply_correlated_streams_give_min():
    a = jnp.array([0.2, 0.5, 0.9, 0.6], jnp.float32)
    b = jnp.array([0.7, 0.5, 0.3, 0.6], jnp.float32)
    n = 2**14
    # Bernoulli: different keys -> product, SCC ~ 0; the same key -> min(a, b) exactly, SCC = +1
    sa = sc.bernoulli_encode(jax.random.key(1), a, n)
    sb = sc.bernoulli_encode(jax.random.key(2), b, n)
    sigma = np.sqrt(a * b * (1 - a * b) / n)
    assert np.all(np.abs(sc.decode(sc.mul(sa, sb)) - a * b) < 4 * sigma)
    assert np.all(np.abs(sc.scc(sa, sb)) < 0.05)
    sb_same = sc.bernoulli_encode(jax.random.key(1), b, n)
    np.testing.assert_array_equal(sc.mul(sa, sb_same), sc.bernoulli_encode(jax.random.key(1), jnp.minimum(a, b), n))
    np.testing.assert_array_equal(sc.scc(sa, sb_same), 1.0)
    # one LFSR shared by both: min exactly; Sobol dims 1 and 2 form a (0, m, 2)-net, whose star
    # discrepancy is at most (m/3 + 19/9)/L (Kritzer 2006): the product is within that
    spec = sc.LfsrSpec.maximal(12, seed=99)
    la, lb = sc.lfsr_encode(spec, a, 4096), sc.lfsr_encode(spec, b, 4096)
    np.testing.assert_array_equal(sc.mul(la, lb), sc.lfsr_encode(spec, jnp.minimum(a, b), 4096))
    np.testing.assert_array_equal(sc.scc(la, lb), 1.0)
    qa, qb = sc.sobol_encode(a, 4096, dim=1), sc.sobol_encode(b, 4096, dim=2)
    assert np.all(np.abs(sc.decode(sc.mul(qa, qb)) - a * b) < (12 / 3 + 19 / 9) / 4096)
    assert np.all(np.abs(sc.scc(qa, qb)) < 0.01)
    # complementary streams: SCC = -1
    np.testing.assert_array_equal(sc.scc(qa, ~qa)[:3], -1.0)


def test_scc_equals_alaghi_hayes_formula_on_counts():
    rng = np.random.default_rng(5)
    for _ in range(20):
        n = 256
        x = rng.random(n) < rng.random()
        y = np.where(rng.random(n) < rng.random(), x, rng.random(n) < rng.random())
        a, b = int(np.sum(x & y)), int(np.sum(x & ~y))
        c, d = int(np.sum(~x & y)), int(np.sum(~x & ~y))
        if a * d > b * c:
            ref = (a * d - b * c) / (n * min(a + b, a + c) - (a + b) * (a + c))
        else:
            den = (a + b) * (a + c) - n * max(a - d, 0)
            ref = 0.0 if den == 0 else (a * d - b * c) / den
        assert abs(float(sc.scc(sc.pack(x), sc.pack(y))) - ref) < 1e-5


def test_bipolar_multiply_and_mux_add_values():
    n = 2**14
    ka, kb, ks = jax.random.split(jax.random.key(7), 3)
    xa = jnp.array([-0.8, -0.3, 0.0, 0.5, 0.9], jnp.float32)
    xb = jnp.array([0.6, -0.7, 0.4, 0.5, -0.9], jnp.float32)
    qa, qb = (xa + 1) / 2, (xb + 1) / 2
    sa, sb = sc.bernoulli_encode(ka, qa, n), sc.bernoulli_encode(kb, qb, n)
    q = (1 + xa * xb) / 2  # P(XNOR = 1) for independent streams
    assert np.all(np.abs(sc.decode_bipolar(sc.mul_bipolar(sa, sb)) - xa * xb) < 4 * 2 * np.sqrt(q * (1 - q) / n))
    sel = sc.bernoulli_encode(ks, jnp.full(5, 0.25), n)
    m = 0.75 * qa + 0.25 * qb  # (1 - s) a + s b with s = 1/4
    assert np.all(np.abs(sc.decode(sc.mux_add(sa, sb, sel)) - m) < 4 * np.sqrt(m * (1 - m) / n))
    # bit-level: the MUX takes b where sel is 1
    ua, ub, us = (np.asarray(sc.unpack(s)) for s in (sa, sb, sel))
    np.testing.assert_array_equal(sc.unpack(sc.mux_add(sa, sb, sel)), np.where(us, ub, ua))
    np.testing.assert_array_equal(sc.unpack(sc.mul_bipolar(sa, sb)), ua == ub)


def test_apc_counts_per_bit_position():
    words = sc.bernoulli_encode(jax.random.key(3), jnp.array([0.1, 0.5, 0.8, 0.3, 0.9]), 256)
    bits = np.asarray(sc.unpack(words))
    np.testing.assert_array_equal(sc.apc(words), bits.sum(0))
    assert int(sc.apc_total(words)) == bits.sum()
    batched = jnp.stack([words, ~words])  # [2, 5, W]: count along axis 1
    np.testing.assert_array_equal(sc.apc(batched, axis=1), np.stack([bits.sum(0), (~bits).sum(0)]))


def test_jit_and_vmap_equal_eager():
    p = jnp.array([[0.1, 0.4], [0.7, 1.0]], jnp.float32)
    spec = sc.LfsrSpec.maximal(10, form="galois", advance="before")
    eager = sc.lfsr_encode(spec, p, 1024)
    np.testing.assert_array_equal(jax.jit(lambda q: sc.lfsr_encode(spec, q, 1024))(p), eager)
    np.testing.assert_array_equal(jax.vmap(lambda q: sc.lfsr_encode(spec, q, 1024))(p), eager)
    keys = jax.random.split(jax.random.key(0), 2)
    vm = jax.vmap(lambda k, q: sc.bernoulli_encode(k, q, 512))(keys, p)
    for i in range(2):
        np.testing.assert_array_equal(vm[i], sc.bernoulli_encode(keys[i], p[i], 512))
    s = jax.vmap(lambda q: sc.sobol_encode(q, 1024, dim=3))(p)
    np.testing.assert_array_equal(s, sc.sobol_encode(p, 1024, dim=3))
    ops = jax.jit(lambda a, b: (sc.mul(a, b), sc.mux_add(a, b, a), sc.scc(a, b), sc.popcount(a)))
    for got, ref in zip(ops(eager, s), (sc.mul(eager, s), sc.mux_add(eager, s, eager), sc.scc(eager, s),
                                         sc.popcount(eager))):
        np.testing.assert_array_equal(got, ref)


# ---------------------------------------------------------------- errors


def test_bad_input_errors_name_parameter_value_and_allowed():
    spec = sc.LfsrSpec.maximal(8)
    with pytest.raises(SncoreError, match=r"'p'.*1\.5.*\[0, 1\]"):
        sc.lfsr_encode(spec, 1.5, 64)
    with pytest.raises(SncoreError, match=r"'p'.*-0\.1.*\[0, 1\]"):
        sc.bernoulli_encode(jax.random.key(0), jnp.array([0.5, -0.1]), 64)
    with pytest.raises(SncoreError, match=r"'p'.*nan"):
        sc.sobol_encode(float("nan"), 64)
    for w in (1, 33):
        with pytest.raises(SncoreError, match=rf"'width'.*{w}.*\[2, 32\]"):
            sc.LfsrSpec(width=w, taps=(w,))
    with pytest.raises(SncoreError, match=r"'width'.*32.*\[1, 31\]"):
        sc.sobol_encode(0.5, 64, width=32)
    with pytest.raises(SncoreError, match=r"'seed'.*0.*\[1, 255\]"):
        sc.LfsrSpec.maximal(8, seed=0)
    with pytest.raises(SncoreError, match=r"'taps'.*\(7, 3\).*include 8"):
        sc.LfsrSpec(width=8, taps=(7, 3))
    with pytest.raises(SncoreError, match=r"'form'.*'xor'.*fibonacci"):
        sc.LfsrSpec.maximal(8, form="xor")
    with pytest.raises(SncoreError, match=r"'length'.*100.*multiple of 32"):
        sc.lfsr_encode(spec, 0.5, 100)
    with pytest.raises(SncoreError, match=r"'bits'.*40.*multiple of 32"):
        sc.pack(np.zeros(40, bool))
    with pytest.raises(SncoreError, match=r"'words'.*int32.*uint32"):
        sc.popcount(np.zeros(3, np.int32))
    with pytest.raises(SncoreError, match=r"'b'.*64 bits.*32 bits"):
        sc.mul(np.zeros(1, np.uint32), np.zeros(2, np.uint32))
    assert sc.lfsr_encode(spec, 0.5, 100, packed=False).shape == (100,)  # unpacked: any length


# ---------------------------------------------------------------- SC dense layer


def np_unpack(words):
    """numpy oracle of the documented bit order (little-endian bytes, LSB first)."""
    return np.unpackbits(np.asarray(words).astype("<u4").view(np.uint8), axis=-1, bitorder="little").astype(bool)


def np_dense(xs, ws, sel, polarity, accumulate, n_in, length):
    x, w = np_unpack(xs), np_unpack(ws)
    z = (x[None] & w) if polarity == "unipolar" else (x[None] == w)
    L = np.float32(length)
    if accumulate == "apc":
        c = z.sum(axis=(1, 2)).astype(np.float32)
        return c / L if polarity == "unipolar" else (2 * c - np.float32(n_in) * L) / L
    c = (z & np_unpack(sel)).any(axis=1).sum(-1).astype(np.float32)
    return c / L if polarity == "unipolar" else 2 * c / L - np.float32(1)


@pytest.mark.parametrize("polarity", ["unipolar", "bipolar"])
@pytest.mark.parametrize("accumulate", ["apc", "mux"])
def test_sc_dense_matches_float_within_binomial_error_and_numpy_bit_oracle(polarity, accumulate):
    rng = np.random.default_rng(0)
    n_out, n_in, length = 16, 8, 1024
    lo = -1.0 if polarity == "bipolar" else 0.0
    w = rng.uniform(lo, 1.0, (n_out, n_in)).astype(np.float32)
    layer = sc.SCDense(w, length=length, polarity=polarity, accumulate=accumulate)
    assert layer.scale == (1.0 if accumulate == "apc" else 1 / n_in)
    enc = jax.jit(lambda m, x, k: m.encode(x, k))
    fwd = jax.jit(lambda m, s: m.from_streams(*s))  # __call__ = from_streams(*encode); jit == eager below
    for trial in range(3):
        x = rng.random(n_in).astype(np.float32)
        key = jax.random.key(trial)
        xs, ws, sel = streams = enc(layer, x, key)
        y = np.asarray(fwd(layer, streams))
        ref = np.asarray(w, np.float64) @ x * layer.scale
        sigma = np.sqrt(np.asarray(layer.variance(x)))
        assert np.all(np.abs(y - ref) <= 4 * sigma), (y - ref) / sigma
        np.testing.assert_array_equal(y, np_dense(xs, ws, sel, polarity, accumulate, n_in, length))
        if accumulate == "mux":  # one-hot select: exactly one input per bit and output
            np.testing.assert_array_equal(np_unpack(sel).sum(axis=1), 1)


def test_sc_dense_jit_vmap_equal_eager():
    w = np.random.default_rng(1).uniform(-1, 1, (4, 6)).astype(np.float32)
    layer = sc.SCDense(w, length=256, polarity="bipolar", accumulate="mux")
    xb = jnp.asarray(np.random.default_rng(2).random((5, 6)), jnp.float32)
    keys = jax.random.split(jax.random.key(3), 5)
    eager = jnp.stack([layer(xb[i], keys[i]) for i in range(5)])
    np.testing.assert_array_equal(jax.jit(jax.vmap(layer))(xb, keys), eager)
    with pytest.raises(SncoreError, match=r"'weight'.*-0\.5.*\[0, 1\]"):
        sc.SCDense(-0.5 * np.ones((2, 2)))
    with pytest.raises(SncoreError, match=r"'x'.*2\.0.*\[0, 1\]"):
        layer(jnp.full(6, 2.0), keys[0])
    with pytest.raises(SncoreError, match=r"'length'.*100.*multiple of 32"):
        sc.SCDense(np.ones((2, 2)) / 2, length=100)


# ---------------------------------------------------------------- stochastic LIF and recorder


def np_lif(weight, bits, k, theta, v_reset, v_min, v_max):
    """numpy transcription of the documented integer LIF; also returns rail/negative coverage."""
    v = np.full(weight.shape[0], min(max(0, v_min), v_max), np.int64)
    vs, ss, cov = [], [], {"low": 0, "high": 0, "neg": 0}
    for b in bits:
        v = v - (v >> k)  # numpy >> on signed ints is arithmetic (floor)
        v = v + weight.astype(np.int64) @ b.astype(np.int64)
        cov["low"] += int(np.sum(v < v_min))
        cov["high"] += int(np.sum(v > v_max))
        v = np.clip(v, v_min, v_max)
        cov["neg"] += int(np.sum(v < 0))
        s = v >= theta
        v = np.where(s, v_reset, v)
        vs.append(v.copy())
        ss.append(s)
    return np.array(vs), np.array(ss), cov


def test_stochastic_lif_equals_numpy_integer_loop():
    rng = np.random.default_rng(4)
    n, n_in, steps = 6, 10, 512
    weight = rng.integers(-40, 41, (n, n_in))
    weight[0] = np.abs(weight[0])  # one neuron pushed onto the upper rail
    weight[1] = -np.abs(weight[1])  # one onto the lower rail
    prm = {"leak_shift": 3, "theta": 100, "v_reset": -20, "v_min": -100, "v_max": 120}
    lif = sc.StochasticLIF(weight, **prm)
    p = rng.uniform(0.1, 0.9, n_in).astype(np.float32)
    words = sc.bernoulli_encode(jax.random.key(5), p, steps)
    bits = np.asarray(sc.unpack(words)).T  # [T, n_in]
    v, s = jax.jit(lambda m, b: m.run(b))(lif, bits)
    v_ref, s_ref, cov = np_lif(weight, bits, 3, 100, -20, -100, 120)
    np.testing.assert_array_equal(v, v_ref)  # every membrane value, every step
    np.testing.assert_array_equal(s, s_ref)
    assert cov["low"] > 0 and cov["high"] > 0 and cov["neg"] > 0 and 0 < s_ref.sum() < s_ref.size
    # a second configuration (leak 1/4, narrower rails)
    lif2 = sc.StochasticLIF(weight, leak_shift=2, theta=30, v_reset=0, v_min=-64, v_max=63)
    v2, s2, _ = np_lif(weight, bits, 2, 30, 0, -64, 63)
    got_v, got_s = lif2.run(bits)
    np.testing.assert_array_equal(got_v, v2)
    np.testing.assert_array_equal(got_s, s2)
    assert s2.sum() > 50
    # packed input and online recorder
    np.testing.assert_array_equal(lif2.run_packed(words)[0], v2)
    v_rec, rec_words = lif2.run_recorded(bits)
    np.testing.assert_array_equal(v_rec, v2)
    np.testing.assert_array_equal(np_unpack(rec_words), s2.T)
    # vmap over a batch of input streams == loop
    batch = np.stack([bits, bits[::-1], ~bits])
    vb, _sb = jax.vmap(lif2.run)(batch)
    for i in range(3):
        np.testing.assert_array_equal(vb[i], np_lif(weight, batch[i], 2, 30, 0, -64, 63)[0])


def test_spike_recorder_bit_order_and_overflow():
    rec = sc.SpikeRecorder(2, 64)
    state = rec.init()
    spikes = np.zeros((70, 2), bool)
    spikes[[0, 5, 31, 32, 63], 0] = True
    spikes[[1, 64, 69], 1] = True  # steps >= 64 are dropped
    step = jax.jit(rec.record)
    for s in spikes:
        state = step(state, s)
    assert int(state.t) == 70
    np.testing.assert_array_equal(state.words, [[1 | 1 << 5 | 1 << 31, 1 | 1 << 31], [2, 0]])


def test_lif_bad_parameters():
    with pytest.raises(SncoreError, match=r"'leak_shift'.*0.*\[1, 30\]"):
        sc.StochasticLIF(np.ones((1, 2), int), leak_shift=0)
    with pytest.raises(SncoreError, match=r"'weight'.*float.*integer"):
        sc.StochasticLIF(np.ones((1, 2)) * 0.5)
    with pytest.raises(SncoreError, match=r"'weight'.*70000.*2\^15"):
        sc.StochasticLIF(np.array([[1, 70000]]))
    with pytest.raises(SncoreError, match=r"'v_max'.*-10.*\[0, "):
        sc.StochasticLIF(np.ones((1, 2), int), v_min=0, v_max=-10)


# ---------------------------------------------------------------- synapses


def np_stdp(w0, pre, post, gp, gm, w_max, window):
    """numpy transcription of the documented stochastic STDP rule."""
    w = w0.astype(np.int64).copy()
    a_pre = np.full(pre.shape[1], window + 1)
    a_post = np.full(post.shape[1], window + 1)
    out = []
    for t in range(len(pre)):
        a_pre = np.where(pre[t], 0, np.minimum(a_pre + 1, window + 1))
        a_post = np.where(post[t], 0, np.minimum(a_post + 1, window + 1))
        for i in range(w.shape[0]):
            for j in range(w.shape[1]):
                ltp = post[t, i] and a_pre[j] <= window - 1
                ltd = pre[t, j] and not post[t, i] and 1 <= a_post[i] <= window
                w[i, j] = min(max(w[i, j] + int(ltp and gp[t, i, j]) - int(ltd and gm[t, i, j]), 0), w_max)
        out.append(w.copy())
    return np.array(out)


def test_stochastic_stdp_equals_numpy_transcription():
    rng = np.random.default_rng(8)
    steps, n_post, n_pre = 300, 3, 4
    pre = rng.random((steps, n_pre)) < 0.15
    post = rng.random((steps, n_post)) < 0.15
    for w_max, window, pp, pm in ((7, 3, 0.6, 0.3), (3, 5, 1.0, 0.1)):
        stdp = sc.StochasticSTDP(w_max=w_max, window=window, p_plus=pp, p_minus=pm)
        gp, gm = sc.stdp_gates(jax.random.key(w_max), steps, (n_post, n_pre), pp, pm)
        w0 = rng.integers(0, w_max + 1, (n_post, n_pre))
        got = jax.jit(stdp.run)(w0, pre, post, gp, gm)
        ref = np_stdp(w0, pre, post, np.asarray(gp), np.asarray(gm), w_max, window)
        np.testing.assert_array_equal(got, ref)
        assert ref.min() >= 0 and ref.max() <= w_max
    assert (ref == w_max).any()  # the upper bound was reached with p_plus = 1
    # LFSR-gated: one comparator per sign shared by all synapses
    specs = sc.LfsrSpec.maximal(11, seed=3), sc.LfsrSpec.maximal(13, seed=5)
    lp, lm = sc.lfsr_gates(*specs, steps, (n_post, n_pre), 0.5, 0.25)
    np.testing.assert_array_equal(lp[:, 1, 2], sc.lfsr_encode(specs[0], 0.5, steps, packed=False))
    got = stdp.run(w0, pre, post, lp, lm)
    np.testing.assert_array_equal(got, np_stdp(w0, pre, post, np.asarray(lp), np.asarray(lm), w_max, window))
    # gate rates are the requested probabilities
    assert abs(float(np.mean(gp)) - 1.0) < 1e-9 and abs(float(np.mean(gm)) - 0.1) < 0.02


def test_stdp_windows_on_handmade_spike_trains():
    stdp = sc.StochasticSTDP(w_max=10, window=3, p_plus=1.0, p_minus=1.0)
    steps = 30
    pre, post = np.zeros((steps, 1), bool), np.zeros((steps, 1), bool)
    pre[[2, 20], 0] = True
    post[[4, 10, 18, 26], 0] = True
    ones = np.ones((steps, 1, 1), bool)
    w = np.asarray(stdp.run(np.array([[5]]), pre, post, ones, ones))[:, 0, 0]
    # post at 4: last pre 2 steps ago (< 3) -> +1; post at 10: pre 8 ago -> 0; post at 18: none
    # within window; pre at 20: last post 2 steps ago (1..3) -> -1; post at 26: pre 6 ago -> 0
    expect = np.full(steps, 5)
    expect[4:] += 1
    expect[20:] -= 1
    np.testing.assert_array_equal(w, expect)
    with pytest.raises(SncoreError, match=r"'w0'.*\[0, 10\]"):
        stdp.init(np.array([[11]]))
    with pytest.raises(SncoreError, match=r"'p_plus'.*1\.2.*\[0, 1\]"):
        sc.StochasticSTDP(p_plus=1.2)
    np.testing.assert_allclose(stdp.probability(np.array([5])), 0.5)


def test_bitstream_synapse_ands_spikes_with_weight_streams():
    w = jnp.array([[0.5, 0.2, 0.9], [1.0, 0.0, 0.3]], jnp.float32)
    syn = sc.BitstreamSynapse(w)
    n = 4096
    rate = jnp.array([0.8, 0.5, 0.3], jnp.float32)
    pre = sc.bernoulli_encode(jax.random.key(9), rate, n)
    out = eqx.filter_jit(syn)(pre, jax.random.key(10))
    wst = syn.weight_streams(jax.random.key(10), n)
    np.testing.assert_array_equal(np_unpack(out), np_unpack(pre)[None] & np_unpack(wst))
    q = np.asarray(w * rate)
    assert np.all(np.abs(np.asarray(sc.decode(out)) - q) <= 4 * np.sqrt(q * (1 - q) / n) + 1e-9)
    with pytest.raises(SncoreError, match=r"'weight'.*1\.5"):
        sc.BitstreamSynapse(jnp.array([1.5]))
