"""``scripts/bench_scale.py``: its profile reading on a py-spy output written here, and the
script itself, short, on one Rasa server and one bot process (the real layout, py-spy
included), so that the benchmark of several processes cannot rot. The run is marked
``alone``: ``make test`` runs it alone, after the rest."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from vigie.core.settings import ROOT

BENCH = ROOT / "scripts" / "bench_scale.py"


def bench_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_scale", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


RAW = """\
<module> (bot/__main__.py:51);run (asyncio/runners.py:190);Pipeline._work (vigie/conversation/pipeline.py:300);Inbox.lease_next (vigie/conversation/inbox.py:141);Connection.execute (asyncpg/connection.py:377);_SelectorSocketTransport.write (asyncio/selector_events.py:1057) 6
<module> (bot/__main__.py:51);run (asyncio/runners.py:190);Pipeline._work (vigie/conversation/pipeline.py:300);TurnLog.record (vigie/conversation/turns.py:80);redact (vigie/core/redaction.py:587) 3
<module> (rasa/__main__.py:10);EpollSelector.select (selectors.py:468) 1
garbage line without a count
"""


def test_a_profile_is_read_per_own_frame_and_per_feature() -> None:
    bench = bench_module()
    profile = bench.read_profile(RAW)
    assert profile["samples"] == 10
    assert profile["own"][0] == (
        "_SelectorSocketTransport.write (asyncio/selector_events.py)",
        60.0,
    )
    # Each sample on the innermost frame of Vigie's code: the feature that pays.
    assert profile["ours"] == [
        ("Inbox.lease_next (conversation/inbox.py)", 60.0),
        ("redact (core/redaction.py)", 30.0),
        ("(outside)", 10.0),
    ]
    assert bench.parse_layouts("1x1, 2x2") == [(1, 1), (2, 2)]
    with pytest.raises(Exception, match="RxB"):
        bench.parse_layouts("2")


@pytest.mark.rasa
@pytest.mark.postgres
@pytest.mark.alone
def test_the_short_bench_measures_and_profiles_one_layout(tmp_path: Path) -> None:
    out = tmp_path / "bench_scale.json"
    run = subprocess.run(
        [sys.executable, str(BENCH), "--layouts", "1x1", "--seconds", "3", "--json", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    [row] = json.loads(out.read_text())["layouts"]
    assert row["layout"] == "1x1"
    for scenario in ("rasa_saturation", "stack_saturation", "offered_10_per_s"):
        assert row[scenario]["n"] > 0 and row[scenario]["failures"] == 0, row[scenario]
    cpu = row["cpu_ms_per_message"]
    assert cpu["rasa"] > 0 and cpu["bot-1"] > 0 and cpu["actions"] > 0
    profile = row["profile"]
    for process in ("rasa", "bot-1", "actions"):
        assert profile[process]["samples"] > 0, profile[process]
    assert "CPU per message answered" in run.stdout and "targets:" in run.stdout
