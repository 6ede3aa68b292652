"""Print the score of the last ``mutmut run`` (``nox -s mutants``): killed / (killed + survived).

Reads ``mutants/mutmut-cicd-stats.json`` (written by ``mutmut export-cicd-stats``).  Mutants that
no test reaches ("no tests") are counted apart: they are code that the chosen tests do not run
(error paths reached only through pages, say), a coverage gap rather than a weak assertion.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def main() -> int:
    subprocess.run(["mutmut", "export-cicd-stats"], check=True)
    stats = json.loads(Path("mutants/mutmut-cicd-stats.json").read_text(encoding="utf-8"))
    killed, survived = stats["killed"] + stats["timeout"], stats["survived"] + stats["suspicious"]
    tested = killed + survived
    score = 100 * killed / tested if tested else 0.0
    print(
        f"mutation score: {score:.1f} % ({killed} of {tested} mutants that a test reaches are killed); "
        f"{stats['no_tests']} reached by no test, {stats['skipped']} skipped, {stats['total']} in all"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
