"""matplotlib figures of simulation results; every function takes an ``ax`` first (None: a new
figure) and returns the ``ax``, except :func:`raster_and_rate`, which returns a Figure.

=========================  ====================================================================
function                   draws
=========================  ====================================================================
``raster``                 one dot per spike, a colour and a block of rows per population
``rates``                  time-resolved population rate per group (binned or kernel-smoothed)
``population_rate``        binned rate of one population from its spike times
``raster_and_rate``        two-panel figure (raster over rates), used by the ``sncore`` command
``traces``                 multimeter variables, one line per neuron, optional threshold line
``isi_histogram``          pooled inter-spike intervals
``cv_histogram``           CV of the ISIs, one value per neuron
``connectivity``           weight matrix, diverging colours centred at 0, binned when large
``weight_histogram``       weights before / after plasticity, overlaid
=========================  ====================================================================

Shortcuts on results: ``res.plot_raster(rec)``, ``res.plot_rates(rec)``, ``res.plot_traces(mm)``.
Importing ``sncore`` never imports matplotlib; these functions import it when they create a
figure (``ax=None``). In scripts without a display call ``matplotlib.use("Agg")`` first.

Example:
    >>> import matplotlib; matplotlib.use("Agg")
    >>> from sncore import plot
    >>> ax = plot.raster(None, *res.spikes(rec), groups={"E": ne, "I": ni})
    >>> ax.figure.savefig("raster.png")
"""

from .connectivity import connection_arrays as connection_arrays
from .connectivity import connectivity as connectivity
from .connectivity import weight_histogram as weight_histogram
from .connectivity import weight_matrix as weight_matrix
from .spikes import population_rate as population_rate
from .spikes import raster as raster
from .spikes import raster_and_rate as raster_and_rate
from .spikes import rates as rates
from .traces import traces as traces
from .variability import cv_histogram as cv_histogram
from .variability import isi_histogram as isi_histogram
