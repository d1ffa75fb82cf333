"""Build hook: compiles the quote extractor's modules to C extensions with mypyc.

The extractor is pure, typed Python and stays importable as such; compiled, it runs about 1.5
times as fast (bench/quotes_speed.py). Set LIVEBLOG_PURE_PYTHON=1 to build without a C compiler:
the same modules then run as plain Python.
"""

import os

from setuptools import setup

# Only the quote extractor: the rest of the service spends its time in Kafka clients and Faust.
COMPILED = [
    "service/core/scan.py",
    "service/core/sentences.py",
    "service/core/mentions.py",
    "service/core/speakers.py",
    "service/core/lexicon.py",
    "service/core/attribution.py",
    "service/core/quotes.py",
]
# The extractor imports two Literal types from schemas/; pydantic is not needed to compile it.
MYPY_OPTIONS = ["--ignore-missing-imports", "--follow-imports=silent"]


def ext_modules() -> list:
    if os.environ.get("LIVEBLOG_PURE_PYTHON") == "1":
        return []
    from mypyc.build import mypycify

    return mypycify([*MYPY_OPTIONS, *COMPILED], opt_level="3", group_name="liveblog_extractor")


setup(ext_modules=ext_modules())
