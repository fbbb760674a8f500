"""A change in a published number makes `make test` fail, with a readable diff: the stored reference
notebooks are compared strictly by nbval. This test plants such a change in a copy and checks that."""

from __future__ import annotations

import json
import re
import subprocess
import sys

from citybank.paths import PATHS
from citybank.reference import CHECK_TAG, REFERENCES, reference_name

REF_DIR = PATHS.root / "tests" / "reference"


def test_every_reference_exists_and_is_checked_strictly():
    for notebook, params in REFERENCES:
        nb = json.loads((REF_DIR / reference_name(notebook, params)).read_text(encoding="utf-8"))
        code = [c for c in nb["cells"] if c["cell_type"] == "code"]
        assert code and all(CHECK_TAG in c["metadata"].get("tags", []) for c in code)
        assert any(c.get("outputs") for c in code), "references carry their outputs"
    kinds = {nb for nb, _ in REFERENCES}
    assert {"category.ipynb", "iso_indicator.ipynb", "strategy.ipynb"} <= kinds


def test_a_changed_number_fails_with_a_readable_diff(tmp_path):
    src = REF_DIR / reference_name(*REFERENCES[0])
    nb = json.loads(src.read_text(encoding="utf-8"))
    # plant a different figure in the stored key-figures table (as if the published number had been 1 234)
    planted = None
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            text = "".join(out.get("data", {}).get("text/plain", []))
            m = re.search(r"\b\d{1,3}\u00a0\d{3}\b", text)
            if m and planted is None:
                planted = m.group(0)
                for key, value in out["data"].items():
                    joined = "".join(value) if isinstance(value, list) else value
                    out["data"][key] = joined.replace(planted, "1\u00a0234", 1)
    assert planted, "the reference holds a table with a grouped number"
    target = tmp_path / src.name
    target.write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist", "--nbval-lax",
         "--nbval-sanitize-with", str(REF_DIR / "sanitize.cfg"), str(target), "-q", "--rootdir", str(tmp_path)],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stdout[-2000:]
    assert "1\u00a0234" in proc.stdout and planted in proc.stdout  # both the stored and the new value shown
