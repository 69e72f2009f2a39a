"""Scenario files: load them, turn their builder calls into values, write or check the output."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "tests" / "data" / "email_scenarios"

Builder = Callable[..., Any]


def load(path: Path) -> Any:
    """The YAML document of ``path`` (safe loader)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with path.open(encoding="utf-8") as stream:
        return yaml.load(stream, Loader=loader)


def realize(value: Any, builders: Mapping[str, Builder]) -> Any:
    """``value`` with every builder call replaced by its result, innermost first.

    A call is a mapping with a single key naming a builder: ``{name: {argument: value}}``
    calls it with keyword arguments, ``{name: value}`` with one positional argument.
    """
    if isinstance(value, list):
        return [realize(item, builders) for item in value]
    if isinstance(value, dict):
        if len(value) == 1:
            ((name, args),) = value.items()
            if name in builders:
                if isinstance(args, dict):
                    return builders[name](**{k: realize(v, builders) for k, v in args.items()})
                return builders[name](realize(args, builders))
        return {key: realize(item, builders) for key, item in value.items()}
    return value


def check(out: Path, wanted: Mapping[str, bytes], existing: set[str]) -> list[str]:
    """What differs between the files under ``out`` and ``wanted`` (paths relative to ``out``);
    ``existing`` are the files on disk that the generator manages."""
    problems = [
        f"missing or different: {name}"
        for name, data in wanted.items()
        if not (out / name).is_file() or (out / name).read_bytes() != data
    ]
    problems += [f"not generated: {name}" for name in existing - wanted.keys()]
    return sorted(problems)


def write(out: Path, wanted: Mapping[str, bytes], existing: set[str]) -> int:
    """Write ``wanted`` under ``out``, remove the managed files no longer generated;
    return how many files were (re)written."""
    for name in existing - wanted.keys():
        (out / name).unlink()
    written = 0
    for name, data in wanted.items():
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.is_file() or path.read_bytes() != data:
            path.write_bytes(data)
            written += 1
    return written


def report(problems: list[str]) -> None:
    for problem in problems:
        print(problem, file=sys.stderr)
