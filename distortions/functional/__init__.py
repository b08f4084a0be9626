"""Pure numpy/OpenCV distortion functions.

Contract for every function here: ``fn(image, rng, **params) -> image`` where ``image`` is a
uint8 RGB array H×W×3 (C-contiguous), ``rng`` a ``numpy.random.Generator`` (ignored by the
deterministic ones) and the result a new uint8 array of the same shape. No global random state.
"""
