"""benchmarks/table.py: the README's table from run.py's JSON; a missing or broken file is one line and exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

TABLE = Path(__file__).resolve().parents[1] / "benchmarks" / "table.py"


def _table(*paths: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(TABLE), *paths], capture_output=True, text=True)


def test_a_missing_or_broken_file_is_one_line_and_exit_2(tmp_path: Path):
    missing = _table(str(tmp_path / "none.json"))
    assert missing.returncode == 2 and missing.stdout == ""
    assert missing.stderr == f"table.py: {tmp_path / 'none.json'}: No such file or directory\n"
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    broken = _table(str(tmp_path / "bad.json"))
    assert broken.returncode == 2 and len(broken.stderr.splitlines()) == 1 and "not JSON" in broken.stderr
    assert _table().returncode == 2


def test_a_measurement_becomes_a_row(tmp_path: Path):
    runs = {"schedlog": {"seconds": 10.0, "mb_per_s": 10.0, "peak_rss_mb": 150.2},
            "stream": {"seconds": 11.0, "mb_per_s": 9.1, "peak_rss_mb": 40.0},
            "extraction": {"seconds": 1.0, "mb_per_s": 100.0, "peak_rss_mb": 20.0}}
    path = tmp_path / "m.json"
    path.write_text(json.dumps([{"era": "1.30", "format": "text", "size_mb": 100, "runs": runs}]), encoding="utf-8")
    done = _table(str(path))
    assert done.returncode == 0
    assert done.stdout.splitlines()[2] == "| 1.30 text | 100 MB | 100 | 10.0 | 0.100 | – | 150 / 40 MB |"
