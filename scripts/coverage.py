"""Print the coverage of the regional doors and lines per health region (same as `guide directory coverage`).

python scripts/coverage.py [--json]
"""

from __future__ import annotations

import json
import sys

from guide.directory.coverage import markdown, region_coverage, summary
from guide.directory.store import directory_path, load_directory
from guide.settings import get_settings


def main(argv: list[str]) -> int:
    corpus = get_settings().corpus_dir
    rows = region_coverage(load_directory(directory_path(corpus)), corpus)
    if "--json" in argv:
        print(json.dumps({"regions": rows, "summary": summary(rows)}, ensure_ascii=False, indent=2))
    else:
        print(markdown(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
