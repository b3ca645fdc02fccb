"""Entry point of an extraction worker process (see :class:`nlp.extract.process.Extractor`)."""

from __future__ import annotations

import sys
from multiprocessing.connection import Connection

from nlp.extract.process import _worker_main

if __name__ == "__main__":
    _worker_main(Connection(int(sys.argv[1])))
