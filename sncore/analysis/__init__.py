"""Spike-train statistics on the host (numpy), for recordings after a simulation.

Times are brainunit Quantities (or bare numbers with ``unit=``); see :mod:`.trains` for
the conventions (sorted trains, closed counting windows, NaN for too-short trains).

Example:
    >>> import brainunit as u, sncore as sn
    >>> from sncore import analysis as sa
    >>> times, senders = res.spikes(rec)
    >>> trains = sa.split_by_sender(times, senders, ids=pop)
    >>> sa.firing_rates(trains, res.t_start * u.ms, res.t_stop * u.ms)
    >>> sa.cv(trains[0]), sa.correlation_matrix(trains, 0 * u.ms, 1 * u.second, 5 * u.ms)
"""

from .correlation import correlation_coefficient as correlation_coefficient
from .correlation import correlation_matrix as correlation_matrix
from .correlation import cross_correlogram as cross_correlogram
from .correlation import synchrony as synchrony
from .correlation import synchrony_traces as synchrony_traces
from .distances import van_rossum as van_rossum
from .distances import van_rossum_matrix as van_rossum_matrix
from .distances import victor_purpura as victor_purpura
from .distances import victor_purpura_matrix as victor_purpura_matrix
from .neo import from_neo as from_neo
from .neo import result_to_block as result_to_block
from .neo import result_to_neo as result_to_neo
from .neo import to_neo as to_neo
from .neo import traces_to_neo as traces_to_neo
from .rates import KERNELS as KERNELS
from .rates import PSTH as PSTH
from .rates import firing_rate as firing_rate
from .rates import firing_rates as firing_rates
from .rates import kernel as kernel
from .rates import kernel_rate as kernel_rate
from .rates import population_rate as population_rate
from .rates import psth as psth
from .trains import bin_edges as bin_edges
from .trains import binned_counts as binned_counts
from .trains import spike_train as spike_train
from .trains import spike_trains as spike_trains
from .trains import split_by_sender as split_by_sender
from .trains import to_ms as to_ms
from .variability import cv as cv
from .variability import cv2 as cv2
from .variability import fano_factor as fano_factor
from .variability import isi as isi
from .variability import isi_distribution as isi_distribution
from .variability import lv as lv
