"""Pretrained models of the bundled tasks: Equinox leaves + a JSON of how to rebuild them.

A model is stored as two files side by side (no pickle):

* ``NAME.eqx`` — the array leaves, written by ``eqx.tree_serialise_leaves``;
* ``NAME.json`` — ``{"task", "arch", "train": {...hyper-parameters...}, "result": {...accuracies...}}``.

:func:`load_pretrained` rebuilds the skeleton from ``arch`` with
:func:`sncore.nn.tasks.build_model` and reads the leaves into it with
``eqx.tree_deserialise_leaves``. Bundled: ``"digits"`` (sncore/zoo/pretrained/digits.eqx).

Example:
    >>> model, info = load_pretrained("digits")
    >>> (_, _), (_, _), (X, y) = sncore.nn.tasks.load_task("digits")
    >>> sncore.nn.tasks.evaluate(model, info["arch"], X, y)[0]      # test accuracy
"""

from __future__ import annotations

import json
from pathlib import Path

import equinox as eqx
import jax

from ..units import SncoreError

__all__ = ["PRETRAINED_DIR", "available", "load_pretrained", "save_pretrained"]

PRETRAINED_DIR = Path(__file__).parent / "pretrained"


def available() -> list[str]:
    """Names of the bundled pretrained models."""
    return sorted(p.stem for p in PRETRAINED_DIR.glob("*.json") if p.with_suffix(".eqx").exists())


def save_pretrained(model, info: dict, path) -> tuple[Path, Path]:
    """Write ``path`` (``.eqx`` leaves) and ``path`` with suffix ``.json`` (``info``: task, arch, ...)."""
    path = Path(path).with_suffix(".eqx")
    path.parent.mkdir(parents=True, exist_ok=True)
    eqx.tree_serialise_leaves(path, model)
    meta = path.with_suffix(".json")
    meta.write_text(json.dumps(info, indent=1, sort_keys=True) + "\n")
    return path, meta


def load_pretrained(name_or_path: str):
    """``(model, info)`` for a bundled name (``"digits"``) or a path to a saved ``.eqx`` file."""
    from ..nn.tasks import build_model

    p = Path(name_or_path)
    if p.suffix != ".eqx":
        if name_or_path not in available():
            raise SncoreError(f"load_pretrained: no pretrained model {name_or_path!r}; allowed: {available()} "
                              f"or a path to a .eqx file saved by 'sncore train ... --out'.")
        p = PRETRAINED_DIR / f"{name_or_path}.eqx"
    meta = p.with_suffix(".json")
    if not p.exists() or not meta.exists():
        raise SncoreError(f"load_pretrained: need both {p} and {meta}.")
    info = json.loads(meta.read_text())
    skeleton = build_model(info["arch"], jax.random.key(0))
    return eqx.tree_deserialise_leaves(p, skeleton), info
