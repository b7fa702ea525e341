"""`sncore run brunel` prints rates and times as JSON and writes a non-trivial PNG."""

import json

import matplotlib.image as mpimg
import numpy as np

from sncore.cli import main


def test_run_brunel_small(tmp_path, capsys):
    out = tmp_path / "raster.png"
    assert main(["run", "brunel", "--order", "20", "--duration", "200", "--seed", "2",
                 "--out", str(out), "--quiet"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    rec = json.loads(lines[-1])
    assert rec["order"] == 20 and rec["neurons"] == 100 and rec["seed"] == 2
    assert 20 < rec["rate_E_Hz"] < 150 and 20 < rec["rate_I_Hz"] < 150  # AI regime, not silent
    assert rec["compile_s"] > 0 and rec["simulate_s"] > 0
    img = mpimg.imread(out)
    assert img.shape[0] > 300 and img.shape[1] > 300
    assert np.std(img[..., :3]) > 0.05  # dots and lines, not a blank canvas


def test_bad_cli_arguments(capsys):
    import pytest

    with pytest.raises(SystemExit):
        main(["run", "brunel", "--order", "0"])
    assert "--order must be >= 1" in capsys.readouterr().err
