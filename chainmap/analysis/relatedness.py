"""Relatedness and complexity on a region × segment matrix (pure numpy/pandas).

Every function takes a 2-D array or a DataFrame (regions in rows, segments in
columns) and returns the same kind, with the labels kept. The conventions
follow the reference implementations named on each function; ``docs/methods.md``
records where and why we differ.

Missing values: NaN cells count as zero (no enterprises observed). A region or
segment whose total is zero has RCA 0, not NaN, so it is simply absent.
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np
import pandas as pd

__all__ = ["complexity", "density", "presence", "proximity", "rca", "relatedness_density"]

Matrix = TypeVar("Matrix", np.ndarray, pd.DataFrame)


def _values(X: Matrix) -> np.ndarray:
    arr = X.to_numpy(dtype=float) if isinstance(X, pd.DataFrame) else np.asarray(X, dtype=float)
    if arr.ndim != 2:
        raise ValueError(f"expected a 2-D region × segment matrix, got shape {arr.shape}")
    return arr


def _like(X: Matrix, values: np.ndarray, *, square: bool = False) -> Matrix:
    if isinstance(X, pd.DataFrame):
        index = X.columns if square else X.index
        return pd.DataFrame(values, index=index, columns=X.columns)
    return values


def rca(X: Matrix) -> Matrix:
    """Balassa revealed comparative advantage, i.e. the location quotient.

    ``RCA_rs = (X_rs / Σ_s X_rs) / (Σ_r X_rs / Σ X)``.

    Examples
    --------
    >>> rca(np.array([[2.0, 0.0], [1.0, 1.0]])).round(3)
    array([[1.333, 0.   ],
           [0.667, 2.   ]])
    """
    x = np.nan_to_num(_values(X), nan=0.0)
    row = x.sum(axis=1, keepdims=True)
    col = x.sum(axis=0, keepdims=True)
    total = x.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (x / row) / (col / total)
    out[~np.isfinite(out)] = 0.0  # zero-total region or segment: no advantage
    return _like(X, out)


def presence(R: Matrix, threshold: float = 1.0) -> Matrix:
    """Binary presence ``M_rs = 1`` where ``R_rs ≥ threshold`` (NaN counts as absent).

    Examples
    --------
    >>> presence(np.array([[1.0, 0.5], [np.nan, 2.0]]))
    array([[1., 0.],
           [0., 1.]])
    """
    r = _values(R)
    out = np.where(np.nan_to_num(r, nan=-np.inf) >= threshold, 1.0, 0.0)
    return _like(R, out)


def proximity(M: Matrix) -> Matrix:
    """Hidalgo et al. (2007) proximity ``φ_pq = (MᵀM)_pq / max(k_p, k_q)``, diagonal 1.

    Returns a segment × segment matrix (labelled by the columns of ``M``).
    Segments present nowhere (``k_p = 0``) have proximity 0 to all others.

    Examples
    --------
    >>> proximity(np.array([[1, 1], [1, 0], [0, 1]]))
    array([[1. , 0.5],
           [0.5, 1. ]])
    """
    m = np.nan_to_num(_values(M), nan=0.0)
    co = m.T @ m
    k = m.sum(axis=0)
    denom = np.maximum.outer(k, k)
    with np.errstate(divide="ignore", invalid="ignore"):
        phi = np.where(denom > 0, co / denom, 0.0)
    np.fill_diagonal(phi, 1.0)
    return _like(M, phi, square=True)


def density(M: Matrix, phi: Matrix | np.ndarray) -> Matrix:
    """Density ``ω_rs = Σ_q M_rq φ_sq / Σ_q φ_sq`` (py-ecomplexity convention, diagonal kept).

    Examples
    --------
    >>> M = np.array([[1, 0], [0, 1]])
    >>> density(M, np.array([[1.0, 0.5], [0.5, 1.0]])).round(3)
    array([[0.667, 0.333],
           [0.333, 0.667]])
    """
    m = np.nan_to_num(_values(M), nan=0.0)
    p = np.nan_to_num(_values(phi), nan=0.0)
    den = p.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(den[np.newaxis, :] > 0, (m @ p.T) / den[np.newaxis, :], 0.0)
    return _like(M, out)


def relatedness_density(M: Matrix, rel: Matrix | np.ndarray) -> Matrix:
    """Relatedness density in the EconGeo convention (Boschma, Balland & Kogler 2015).

    The relatedness matrix's diagonal is set to 0, then
    ``RD_rs = 100 · Σ_q M_rq rel_qs / Σ_q rel_qs``. EconGeo also rounds to two
    decimals; we do not.

    Examples
    --------
    >>> M = np.array([[1, 0, 1], [0, 1, 0]])
    >>> rel = np.array([[0, 1, 1], [1, 0, 0], [1, 0, 0]])
    >>> relatedness_density(M, rel)
    array([[ 50., 100., 100.],
           [ 50.,   0.,   0.]])
    """
    m = np.nan_to_num(_values(M), nan=0.0)
    r = np.nan_to_num(_values(rel), nan=0.0).copy()
    np.fill_diagonal(r, 0.0)
    tot = r.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(tot[np.newaxis, :] > 0, 100.0 * (m @ r) / tot[np.newaxis, :], 0.0)
    return _like(M, out)


def complexity(M: Matrix) -> tuple[np.ndarray, np.ndarray] | tuple[pd.Series, pd.Series]:
    """Economic and product complexity (ECI, PCI) by the eigenvector method.

    Hidalgo & Hausmann (2009): the eigenvector of the second-largest eigenvalue
    of ``M̃ = D⁻¹ M U⁻¹ Mᵀ`` (products side), as in py-ecomplexity. The sign is
    fixed so that ECI correlates positively with diversity; both are returned as
    z-scores (population std). Regions with zero diversity and segments with
    zero ubiquity get NaN.

    Returns ``(eci, pci)``: arrays, or Series labelled by the rows / columns of ``M``.
    """
    m = np.nan_to_num(_values(M), nan=0.0)
    div = m.sum(axis=1)
    ubi = m.sum(axis=0)
    rows, cols = div > 0, ubi > 0
    eci = np.full(m.shape[0], np.nan)
    pci = np.full(m.shape[1], np.nan)
    mv = m[rows][:, cols]
    if mv.shape[0] >= 2 and mv.shape[1] >= 2:
        m1 = mv / div[rows][:, np.newaxis]
        m2 = mv / ubi[cols][np.newaxis, :]
        mpp = m2.T @ m1
        vals, vecs = np.linalg.eig(mpp)
        order = np.argsort(vals.real)
        kp = np.real(vecs[:, order[-2]])
        kc = m1 @ kp
        with np.errstate(invalid="ignore", divide="ignore"):
            corr = np.corrcoef(div[rows], kc)[0, 1]
        sign = np.sign(corr) if np.isfinite(corr) and corr != 0 else 1.0
        kc, kp = sign * kc, sign * kp
        eci[rows] = _zscore(kc)
        pci[cols] = _zscore(kp)
    if isinstance(M, pd.DataFrame):
        return pd.Series(eci, index=M.index, name="eci"), pd.Series(
            pci, index=M.columns, name="pci"
        )
    return eci, pci


def _zscore(v: np.ndarray) -> np.ndarray:
    sd = v.std()
    return (v - v.mean()) / sd if sd > 0 else np.zeros_like(v)
