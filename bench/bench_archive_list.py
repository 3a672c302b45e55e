"""The letter list of one archive folder on a large store: first page, count and a search inside it.

    python bench/bench_archive_list.py [--letters 100000] [--folders 300] [--filed 0.3]

Fills a store with sample letters, files a share of them into a tree of folders (one big folder
with a tenth of the filed letters, the rest spread), then times what the window reads when a
folder is selected: the first page (40 rows), the count, and a word searched in the folder.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert, select, update

from app.models import archive as A
from app.models.db import Store
from app.models.letter_lists import read_count, read_page
from app.models.tables import ArchiveFiling, ArchiveFolder, Letter
from devkit.sample_letters import fill_sample_letters


def timed(fn: object, runs: int = 20) -> tuple[float, float]:
    """Median and worst of ``runs`` calls, in milliseconds."""
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        out.append((time.perf_counter() - start) * 1000)
    return statistics.median(out), max(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--letters", type=int, default=100_000)
    ap.add_argument("--folders", type=int, default=300)
    ap.add_argument("--filed", type=float, default=0.3)
    args = ap.parse_args()
    rng = random.Random(1405)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp))
        fill_sample_letters(store, args.letters, seed=1405)
        guids = [str(uuid.uuid4()) for _ in range(args.folders)]
        with store.session() as s:
            s.execute(insert(ArchiveFolder), [{"guid": g, "parent_guid": None, "title": f"پرونده {i}",
                                               "file_number": f"1405/{i}", "file_key": f"1405/{i}", "cursor": i}
                                              for i, g in enumerate(guids)])
            letters = list(s.scalars(select(Letter.guid)))
            chosen = rng.sample(letters, int(len(letters) * args.filed))
            big, small = guids[0], guids[1:]
            rows = [{"folder_guid": big if i % 10 == 0 else rng.choice(small), "letter_guid": g, "filed": True,
                     "filed_by": "bench", "reason": ""} for i, g in enumerate(chosen)]
            s.execute(insert(ArchiveFiling), rows)
            s.execute(update(Letter).where(Letter.guid.in_(chosen)).values(archived=True))
        for name, folder in (("big folder", big), ("small folder", small[0])):
            place = A.FiledIn(folder)
            size = read_count(store, place)
            page_ms = timed(lambda p=place: read_page(store, p, 0, 40))
            count_ms = timed(lambda p=place: read_count(store, p))
            search_ms = timed(lambda p=place: read_page(store, p, 0, 40, "قرارداد"))
            print(f"{name} ({size} letters of {args.letters}): first page {page_ms[0]:.1f} ms (worst {page_ms[1]:.1f}),"
                  f" count {count_ms[0]:.1f} ms, search in it {search_ms[0]:.1f} ms (worst {search_ms[1]:.1f})")
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
