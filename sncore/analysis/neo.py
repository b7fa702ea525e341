"""Optional export to Neo objects (and hence to Elephant), and back.

* :func:`to_neo` / :func:`result_to_neo`: spike trains -> ``neo.SpikeTrain`` (ms).
* :func:`traces_to_neo`: multimeter samples -> one ``neo.AnalogSignal`` per recorded
  variable (``[T, n]``, one channel per neuron, the variable's unit, ``sampling_period`` the
  multimeter interval, ``t_start`` the first sample time).
* :func:`result_to_block`: a whole ``Result`` -> ``neo.Block`` with one ``Segment`` holding
  the spike trains of the given recorders and the signals of the given multimeters.

Neo (``pip install neo``) is not a dependency of sncore; it is imported when one of these
functions is called, and its absence raises an ``ImportError`` that names the pip package.
Times are exported in ms with the window ``[t_start, t_stop]`` as the train's
``t_start``/``t_stop``; with ``ids`` each train is annotated ``sender=<global id>``.

Example:
    >>> import brainunit as u
    >>> from sncore.analysis.neo import result_to_neo
    >>> sts = result_to_neo(res, rec, ids=pop)          # one neo.SpikeTrain per neuron of pop
    >>> import elephant.statistics as es
    >>> es.mean_firing_rate(sts[0])
"""

from __future__ import annotations

from typing import Any

import brainunit as u
import numpy as np

from ..units import SncoreError
from .trains import _is_one_train, _window, spike_train, spike_trains, split_by_sender

__all__ = ["from_neo", "result_to_block", "result_to_neo", "to_neo", "traces_to_neo"]


def _neo() -> Any:
    try:
        import neo
        import quantities
    except ImportError:
        raise ImportError(
            "sncore.analysis.neo needs the optional package Neo, which is not installed. "
            "Install it with `pip install neo` (and `pip install elephant` for Elephant's statistics)."
        ) from None
    return neo, quantities


def to_neo(trains: Any, t_start: Any, t_stop: Any, *, ids: Any = None, unit: Any = None) -> Any:
    """Spike train(s) as ``neo.SpikeTrain`` (units ms).

    Args:
        trains: one train or a list of trains (time; bare with ``unit``).
        t_start, t_stop: the recording window (time); every spike must lie in it.
        ids: optional sender id per train (sequence or NodeCollection), stored as the
            annotation ``sender``.
        unit: unit of bare time arguments.

    Returns:
        a ``neo.SpikeTrain`` for one train, a list of them for a list.

    Raises:
        ImportError: Neo is not installed (``pip install neo``).
        SncoreError: a spike outside ``[t_start, t_stop]``, or ``ids`` of the wrong length.
    """
    neo, pq = _neo()
    a, b = _window(t_start, t_stop, unit)
    single = _is_one_train(trains)
    tr = [spike_train(trains, unit=unit, sort=True)] if single else spike_trains(trains, unit=unit, sort=True)
    ids = getattr(ids, "global_ids", ids)
    if ids is not None:
        ids = np.atleast_1d(np.asarray(ids)).tolist()
        if len(ids) != len(tr):
            raise SncoreError(f"ids has {len(ids)} entries for {len(tr)} trains.")
    out = []
    for i, t in enumerate(tr):
        if t.size and (t[0] < a or t[-1] > b):
            raise SncoreError(f"train {i} has spikes outside [t_start, t_stop] = [{a:g}, {b:g}] ms "
                              f"(first {t[0]:g} ms, last {t[-1]:g} ms).")
        st = neo.SpikeTrain(t, units="ms", t_start=a * pq.ms, t_stop=b * pq.ms)
        if ids is not None:
            st.annotate(sender=int(ids[i]))
        out.append(st)
    return out[0] if single else out


def result_to_neo(res: Any, recorder: Any, ids: Any = None) -> list[Any]:
    """The spikes of a spike_recorder in a sncore ``Result`` as one ``neo.SpikeTrain`` per neuron.

    Args:
        res: the ``Result`` of ``sim.simulate``.
        recorder: the spike_recorder NodeCollection.
        ids: neurons to export, in order (global ids or a NodeCollection); default the senders
            that spiked. Trains span ``[res.t_start, res.t_stop]`` and carry ``sender``.
    """
    _neo()
    times, senders = res.spikes(recorder)
    ids = getattr(ids, "global_ids", ids)
    ids = np.unique(np.asarray(senders)) if ids is None else np.asarray(ids)
    trains = split_by_sender(times, senders, ids=ids)
    return to_neo(trains, res.t_start * u.ms, res.t_stop * u.ms, ids=ids)


def from_neo(spiketrains: Any) -> Any:
    """``neo.SpikeTrain`` (or a list of them) -> Quantity in ms (or a list of them)."""
    neo, _ = _neo()
    if isinstance(spiketrains, neo.SpikeTrain):
        return u.Quantity(np.asarray(spiketrains.rescale("ms").magnitude, dtype=np.float64), unit=u.ms)
    return [from_neo(st) for st in spiketrains]


def traces_to_neo(res: Any, meter: Any) -> list[Any]:
    """The samples of a multimeter as ``neo.AnalogSignal`` objects, one per recorded variable.

    Args:
        res: the ``Result`` of ``sim.simulate``.
        meter: the multimeter NodeCollection.

    Returns:
        list of ``neo.AnalogSignal`` ``[T, n]`` (channels in the multimeter's sender order),
        each named after its variable, annotated ``senders=[...]``; ``sampling_period`` is the
        spacing of the samples and ``t_start`` the first sample time (ms).

    Raises:
        ImportError: Neo is not installed. SncoreError: fewer than 2 samples, or unequal spacing.
    """
    neo, pq = _neo()
    tr = res.traces(meter)
    t = np.asarray(tr["times"].to_decimal(u.ms), dtype=np.float64)
    if t.size < 2:
        raise SncoreError(f"traces_to_neo needs at least 2 samples per neuron, got {t.size}.")
    d = np.diff(t)
    if np.ptp(d) > 1e-6 * d[0]:
        raise SncoreError("traces_to_neo needs equally spaced samples (one multimeter interval).")
    ev = res.meters[meter.groups[0].index]
    senders = np.asarray(ev["senders"])
    n = len(np.unique(senders)) if senders.size else 1
    units = res.units.get(meter.groups[0].index, {})
    out = []
    for name, q in tr.items():
        if name == "times":
            continue
        unit = units.get(name, "1")
        mag = np.asarray(q.to_decimal(getattr(u, unit)) if isinstance(q, u.Quantity) else q, dtype=np.float64)
        sig = neo.AnalogSignal(mag, units="dimensionless" if unit == "1" else unit,
                               sampling_period=float(d[0]) * pq.ms, t_start=float(t[0]) * pq.ms, name=name)
        sig.annotate(senders=senders[:n].astype(int).tolist())
        out.append(sig)
    return out


def result_to_block(res: Any, recorders: Any = (), meters: Any = (), *, name: str = "sncore") -> Any:
    """A ``Result`` as a ``neo.Block`` with one ``Segment`` (``t_start``/``t_stop`` of the call).

    Args:
        res: the ``Result`` of ``sim.simulate``.
        recorders: spike_recorders whose senders become ``segment.spiketrains``
            (:func:`result_to_neo`, one train per neuron that spiked, annotated ``sender``).
        meters: multimeters whose variables become ``segment.analogsignals`` (:func:`traces_to_neo`).
        name: name of the Block.

    Example:
        >>> blk = result_to_block(res, recorders=[rec], meters=[mm])
        >>> seg = blk.segments[0]; seg.spiketrains, seg.analogsignals
    """
    neo, pq = _neo()
    blk = neo.Block(name=name)
    seg = neo.Segment(name="simulate", t_start=res.t_start * pq.ms, t_stop=res.t_stop * pq.ms)
    for rec in ([recorders] if hasattr(recorders, "groups") else recorders):
        seg.spiketrains.extend(result_to_neo(res, rec))
    for mm in ([meters] if hasattr(meters, "groups") else meters):
        seg.analogsignals.extend(traces_to_neo(res, mm))
    blk.segments.append(seg)
    return blk
