"""The documentation site: ``mkdocs build --strict`` succeeds, the model library lists every model
of ``sncore.neurons.MODELS`` (and equals what docs/gen_models.py writes), the API reference has an
entry for every public name, and the code of docs/getting_started.md runs."""

from __future__ import annotations

import importlib
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
needs_mkdocs = pytest.mark.skipif(
    importlib.util.find_spec("mkdocs") is None or importlib.util.find_spec("mkdocstrings_handlers") is None,
    reason="mkdocs / mkdocstrings[python] not installed (pip install -e '.[docs]')")


def _gen_models():
    spec = importlib.util.spec_from_file_location("gen_models", DOCS / "gen_models.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_model_library_lists_every_model():
    from sncore.neurons import MODELS

    page = (DOCS / "models.md").read_text()
    shipped = {k: v for k, v in MODELS.items() if v.__module__.startswith("sncore.")}  # not test-registered ones
    for name, cls in shipped.items():
        assert f"| [`{name}`](#{name}) |" in page, f"{name} missing from the table of docs/models.md"
        assert f"## `{name}`" in page, f"{name} has no section on docs/models.md"
        row = next(line for line in page.splitlines() if line.startswith(f"| [`{name}`]"))
        cells = [c.strip() for c in row.split("|")[1:-1]]
        assert cells[1] == (f"`{cls.NEST_NAME}`" if cls.NEST_NAME else "—")
        assert cells[2].split()[0] == cls.WEIGHT_UNIT
        assert re.findall(r"`(\w+)`", cells[3]) == list(cls.RECEPTORS)
        assert cells[4], f"{name} has no description"


def test_model_library_is_generated():
    assert (DOCS / "models.md").read_text() == _gen_models().render(), (
        "docs/models.md is out of date: run `python docs/gen_models.py`")


#: package -> API page; every public name of the package must have an anchor on its page
API = {"sncore.neurons": "neurons", "sncore.conn": "conn", "sncore.analysis": "analysis", "sncore.plot": "plot",
       "sncore.nn": "nn", "sncore.sc": "sc", "sncore.hdl": "hdl", "sncore.zoo": "zoo"}


def _public(modname):
    mod = importlib.import_module(modname)
    names = getattr(mod, "__all__", None) or [n for n in vars(mod) if not n.startswith("_")]
    out = []
    for n in names:
        obj = getattr(mod, n)
        doc = getattr(obj, "__doc__", None) or ""
        if isinstance(obj, type(sys)) or not callable(obj) or not doc or doc.startswith(f"{n}("):
            continue   # submodules, constants (tables such as MODELS), no docstring (or dataclass's own)
        if not getattr(obj, "__module__", "").startswith("sncore") or getattr(obj, "__name__", n) != n:
            continue   # foreign objects and lower-case aliases (sn.neurons.iaf_psc_delta = IafPscDelta)
        out.append(n)
    return out


@needs_mkdocs
def test_mkdocs_build_strict(tmp_path):
    site = tmp_path / "site"
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-f", str(ROOT / "mkdocs.yml"),
                           "-d", str(site)], check=False, cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**__import__("os").environ, "NO_MKDOCS_2_WARNING": "1", "JAX_PLATFORMS": "cpu"})
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    for page in ["index", "getting_started", "models", "semantics", "custom_models", "training", "hdl", "notebooks"]:
        assert (site / page / "index.html").exists() or (site / "index.html").exists()
    html = (site / "api" / "simulator" / "index.html").read_text()
    for name in ["sncore.Simulator.create", "sncore.Simulator.connect", "sncore.Simulator.simulate",
                 "sncore.Result.spikes"]:
        assert f'id="{name}"' in html, name
    for modname, page in API.items():
        html = (site / "api" / page / "index.html").read_text()
        ids = set(re.findall(r'id="(sncore\.[\w.]+)"', html))
        missing = [n for n in _public(modname) if not any(i.endswith("." + n) for i in ids)]
        assert not missing, f"docs/api/{page}.md documents no {missing}"


def test_getting_started_runs(tmp_path, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    monkeypatch.chdir(tmp_path)
    blocks = re.findall(r"```python\n(.*?)```", (DOCS / "getting_started.md").read_text(), re.DOTALL)
    assert len(blocks) >= 6
    ns: dict = {}
    for i, block in enumerate(blocks):
        exec(compile(block, f"getting_started.md[block {i}]", "exec"), ns)  # noqa: S102 - the page's own code
    assert float(ns["res"].rate(ns["exc"]).to_decimal(__import__("brainunit").Hz)) > 0
    assert (tmp_path / "raster.png").stat().st_size > 0
    counts = ns["counts"].sum(axis=1)
    assert counts[1] > counts[0]          # more drive, more spikes
