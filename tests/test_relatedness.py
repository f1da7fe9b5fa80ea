"""Relatedness and complexity against hand-computed cases and py-ecomplexity."""

from __future__ import annotations

import contextlib
import io
import warnings

import numpy as np
import pandas as pd
import pytest

from chainmap.analysis.relatedness import (
    complexity,
    density,
    presence,
    proximity,
    rca,
    relatedness_density,
)

# A 4 regions × 5 segments case, worked by hand below.
X = np.array(
    [
        [4, 0, 2, 0, 2],
        [0, 3, 3, 0, 0],
        [2, 1, 0, 5, 0],
        [0, 0, 1, 1, 2],
    ],
    dtype=float,
)


def test_rca_hand_case():
    # RCA_rs = X_rs * 26 / (rowsum_r * colsum_s); rows 8,6,8,4; cols 6,4,6,6,4.
    expected = np.array(
        [
            [104 / 48, 0, 52 / 48, 0, 52 / 32],
            [0, 78 / 24, 78 / 36, 0, 0],
            [52 / 48, 26 / 32, 0, 130 / 48, 0],
            [0, 0, 26 / 24, 26 / 24, 52 / 16],
        ]
    )
    np.testing.assert_allclose(rca(X), expected)


def test_presence_and_proximity_hand_case():
    M = presence(rca(X))
    np.testing.assert_array_equal(
        M, [[1, 0, 1, 0, 1], [0, 1, 1, 0, 0], [1, 0, 0, 1, 0], [0, 0, 1, 1, 1]]
    )
    # ubiquity k = 2,1,3,2,2; co-occurrences divided by the larger ubiquity.
    expected = np.array(
        [
            [1, 0, 1 / 3, 1 / 2, 1 / 2],
            [0, 1, 1 / 3, 0, 0],
            [1 / 3, 1 / 3, 1, 1 / 3, 2 / 3],
            [1 / 2, 0, 1 / 3, 1, 1 / 2],
            [1 / 2, 0, 2 / 3, 1 / 2, 1],
        ]
    )
    np.testing.assert_allclose(proximity(M), expected)


def test_density_hand_case():
    M = presence(rca(X))
    omega = density(M, proximity(M))
    # Region 1 holds s1, s2; row sums of phi are 7/3, 4/3, 8/3, 7/3, 8/3.
    np.testing.assert_allclose(omega[1], [1 / 7, 1.0, 0.5, 1 / 7, 0.25])
    # Region 2 holds s0, s3.
    np.testing.assert_allclose(omega[2], [1.5 / (7 / 3), 0.0, 0.25, 1.5 / (7 / 3), 0.375])


def test_relatedness_density_hand_case():
    M = presence(rca(X))
    rd = relatedness_density(M, proximity(M))
    # Diagonal dropped: column sums 4/3, 1/3, 5/3, 4/3, 5/3.
    np.testing.assert_allclose(rd[1], [25.0, 100.0, 20.0, 25.0, 40.0])


def test_dataframes_keep_labels_and_zero_totals_are_explicit():
    frame = pd.DataFrame(
        [[1, 0, np.nan], [0, 0, 0], [2, 3, 0]],
        index=["330723", "330100", "440300"],
        columns=["ahf", "pvdf", "ptfe"],
    )
    out = rca(frame)
    assert list(out.index) == list(frame.index) and list(out.columns) == list(frame.columns)
    assert (out.loc["330100"] == 0).all()  # a region with no firms has no advantage
    assert (out["ptfe"] == 0).all()  # a segment held nowhere
    phi = proximity(presence(out))
    assert list(phi.index) == ["ahf", "pvdf", "ptfe"] and phi.loc["ptfe", "ptfe"] == 1.0
    eci, pci = complexity(presence(out))
    assert np.isnan(eci["330100"]) and np.isnan(pci["ptfe"])


# ---------------------------------------------------------------------- py-ecomplexity


def _reference(matrix: np.ndarray):
    ecomplexity = pytest.importorskip("ecomplexity")
    regions = [f"r{i:02d}" for i in range(matrix.shape[0])]
    segs = [f"s{j:02d}" for j in range(matrix.shape[1])]
    long = pd.DataFrame(
        [(2024, r, s, matrix[i, j]) for i, r in enumerate(regions) for j, s in enumerate(segs)],
        columns=["year", "region", "segment", "value"],
    )
    cols = {"time": "year", "loc": "region", "prod": "segment", "val": "value"}
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        out = ecomplexity.ecomplexity(long, cols)  # it prints to stdout
        prox = ecomplexity.proximity(long, cols)
    out = out.set_index(["region", "segment"])
    shape = (len(regions), len(segs))

    def grid(col):
        return np.array([[out.loc[(r, s), col] for s in segs] for r in regions]).reshape(shape)

    phi = (
        prox.pivot(index="segment_1", columns="segment_2", values="proximity")
        .reindex(index=segs, columns=segs)
        .to_numpy()
    )
    eci = np.array([out.loc[(r, segs[0]), "eci"] for r in regions])
    pci = np.array([out.loc[(regions[0], s), "pci"] for s in segs])
    return grid("rca"), grid("mcp"), grid("density"), phi, eci, pci


def _z(v):
    v = np.asarray(v, dtype=float)
    return (v - v.mean()) / v.std()


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_matches_py_ecomplexity_on_seeded_random_matrices(seed):
    rng = np.random.default_rng(seed)
    matrix = rng.poisson(3.0, size=(12, 9)).astype(float) + rng.integers(0, 2, size=(12, 9))
    matrix[matrix.sum(axis=1) == 0, 0] = 1.0
    ref_rca, ref_mcp, ref_density, ref_phi, ref_eci, ref_pci = _reference(matrix)
    ours_rca = rca(matrix)
    M = presence(ours_rca)
    np.testing.assert_allclose(ours_rca, ref_rca, atol=1e-6)
    np.testing.assert_array_equal(M, ref_mcp)
    phi = proximity(M)
    off = ~np.eye(len(phi), dtype=bool)  # reference leaves the diagonal as computed
    np.testing.assert_allclose(phi[off], ref_phi[off], atol=1e-6)
    np.testing.assert_allclose(density(M, phi), ref_density, atol=1e-6)
    eci, pci = complexity(M)
    np.testing.assert_allclose(eci, ref_eci, atol=1e-6)
    # py-ecomplexity scales PCI by ECI's mean and std; ours is PCI's own z-score.
    np.testing.assert_allclose(pci, _z(ref_pci), atol=1e-6)


def test_matches_py_ecomplexity_on_the_hand_case():
    ref_rca, ref_mcp, ref_density, _, ref_eci, ref_pci = _reference(X)
    np.testing.assert_allclose(rca(X), ref_rca, atol=1e-6)
    M = presence(rca(X))
    np.testing.assert_array_equal(M, ref_mcp)
    np.testing.assert_allclose(density(M, proximity(M)), ref_density, atol=1e-6)
    eci, pci = complexity(M)
    np.testing.assert_allclose(eci, ref_eci, atol=1e-6)
    np.testing.assert_allclose(pci, _z(ref_pci), atol=1e-6)


def test_eci_sign_follows_diversity():
    M = np.array([[1, 1, 1, 1], [1, 1, 1, 0], [1, 1, 0, 0], [1, 0, 0, 0]], dtype=float)
    eci, _ = complexity(M)
    assert np.corrcoef(M.sum(axis=1), eci)[0, 1] > 0
    assert abs(eci.mean()) < 1e-12 and abs(eci.std() - 1) < 1e-12
