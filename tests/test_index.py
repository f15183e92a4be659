

def test_insert_sorted_equals_numpy_insert() -> None:
    import numpy as np

    from qa.index import _insert_sorted

    rng = np.random.default_rng(3)
    for n_base, n_new in ((0, 0), (0, 4), (5, 0), (50, 20), (1000, 300)):
        base = rng.integers(0, 1 << 20, n_base).astype(np.int32)
        other = rng.integers(0, 255, n_base).astype(np.int32)
        at = np.sort(rng.integers(0, n_base + 1, n_new))  # repeats and both ends included
        values = rng.integers(0, 1 << 20, n_new).astype(np.int32)
        merged, merged_other = _insert_sorted(at, (base, values), (other, values + 1))
        assert np.array_equal(merged, np.insert(base, at, values))
        assert np.array_equal(merged_other, np.insert(other, at, values + 1))
