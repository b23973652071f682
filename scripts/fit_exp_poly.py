#!/usr/bin/env python3
"""The coefficients of lib/engine/softmax_exp.cpp's exp polynomial: e^r on [-ln2/2, ln2/2] by
1 + c1 r + ... + c5 r^5 with the least largest relative error, found by iteratively reweighted
least squares (Lawson's algorithm) on 20,001 points; prints the largest relative error in exact
arithmetic and the coefficients rounded to f32, highest power first, as the C++ table lists them.

    python3 -m venv /tmp/fit && /tmp/fit/bin/pip install numpy
    /tmp/fit/bin/python scripts/fit_exp_poly.py          # degree 5 (the engine's)
    /tmp/fit/bin/python scripts/fit_exp_poly.py 6
"""

import sys

import numpy as np


def fit(degree, points=20001, iterations=200):
    half = np.log(2) / 2
    x = np.linspace(-half, half, points)
    f = np.exp(x)
    basis = np.vstack([x**k for k in range(1, degree + 1)]).T  # the constant term is 1
    w = np.ones_like(x)
    for _ in range(iterations):
        weight = w / f  # relative error
        c, *_ = np.linalg.lstsq(basis * weight[:, None], (f - 1) * weight, rcond=None)
        err = (1 + basis @ c - f) / f
        w = w * (np.abs(err) / np.abs(err).max()) ** 0.3 + 1e-12
        w /= w.max()
    return c, np.abs(err).max()


def main():
    degree = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    c, err = fit(degree)
    print(f"degree {degree}: largest relative error {err:.3g} (exact arithmetic)")
    coefficients = [float(np.float32(v)) for v in c[::-1]] + [1.0]
    print("highest power first:", ", ".join(repr(v) + "f" for v in coefficients))


if __name__ == "__main__":
    main()
