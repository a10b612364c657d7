from __future__ import annotations

import importlib

from inbox import pool
from inbox.sort import meaning, places, spam_base


def test_the_pool_server_preloads_the_sort_stages_files_after_the_stages():
    assert pool.PRELOAD[-1] == "inbox.pool_warm"
    assert pool.PRELOAD.index("inbox.sort") < pool.PRELOAD.index("inbox.pool_warm")


def test_importing_the_warm_module_reads_the_shipped_model_and_tables():
    import inbox.pool_warm

    importlib.reload(inbox.pool_warm)
    assert spam_base.shipped.cache_info().currsize == 1
    assert places._table is not None and meaning._table is not None and meaning._embedder is not None


def _loaded() -> tuple[bool, bool, int]:
    return meaning._table is not None, places._table is not None, spam_base.shipped.cache_info().currsize


def test_a_pool_process_starts_with_them_read():
    shared = pool.SharedPool(2)
    try:
        assert shared.get().submit(_loaded).result(timeout=60) == (True, True, 1)
    finally:
        shared.close()
