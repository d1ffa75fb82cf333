"""Seed excerpts shared by the dedup and fingerprint tests: live-blog entries and the articles
that copy or rewrite them, cut straight from the seed files."""

from __future__ import annotations

from pathlib import Path

SEEDS = Path(__file__).parents[3] / "seeds"
NEAR_DUPLICATE = 0.8  # DedupThresholds defaults: Jaccard / containment for a near duplicate
CONTAINMENT = 0.85
RELATED = 0.1


def seed_lines(prefix: str) -> list[str]:
    path = next(SEEDS.glob(f"{prefix}_*.txt"))
    return path.read_text(encoding="utf-8").splitlines()


def blog_entry(headline: str, end: str) -> list[str]:
    """Body paragraphs of the live-blog entry under ``headline``, up to the line ``end``."""
    lines = seed_lines("000")
    start = lines.index(headline) + 1
    stop = lines.index(end, start)
    return [line for line in lines[start:stop] if line.strip() and line != "Image"]


HURRY = blog_entry(
    "Putin, in No Hurry for Cease-Fire, Seeks Ukrainian Concessions",
    "Tyler Pager and Eric Schmitt contributed reporting.",
)
DILEMMA = blog_entry(
    "The U.S.-backed cease-fire offer poses a dilemma for Putin.",
    "Ivan Nechepurenko contributed reporting.",
)
RUBIO = blog_entry(
    "Rubio says a cease-fire in Ukraine could happen in ‘days’ if Russia agrees.",
    "Anton Troianovski and Nataliya Vasilyeva",
)
ARTICLE_001 = seed_lines("001")[2:19]
ARTICLE_002 = [line for line in seed_lines("002") if line.strip()]
ARTICLE_003 = [line for line in seed_lines("003")[1:19] if line != "ADVERTISING"]
ARTICLE_004 = [
    line for line in seed_lines("004")[4:37] if line.strip() and not line.startswith("**")
]
