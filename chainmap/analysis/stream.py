"""National scale: classify, score and rank enterprise tables chunk by chunk, or on Dask.

Three engines give the same result (``docs/scale.md``):

- ``memory``: read the whole table, then :func:`~chainmap.analysis.scoring.rank_enterprises`.

:func:`~chainmap.analysis.scoring.rank_enterprises` and
:func:`~chainmap.analysis.plan.build_plan` take ``engine=`` and call
:func:`stream_rank` / :func:`stream_plan` here: one entry point per analysis.
- ``stream``: read CSV in chunks and Parquet by row group. Each chunk is
  classified and reduced to additive counts (:class:`~chainmap.analysis.gaps.StatusCounts`,
  :class:`~chainmap.analysis.plan.PlanCounts`) plus its *candidates*: the active
  rows in the chain, cut to the columns that scoring and the outputs read.
  The status then comes from the merged counts, and the very same
  ``rank_enterprises`` scores the candidates, so percentiles are exact (no
  sketch) and the output equals the in-memory one. Memory is one chunk plus
  the candidates' kept columns, never the whole table. An input of 64 MiB or more
  (:data:`STREAM_WORKERS_MIN_BYTES`) in two parts or more is read by two worker
  processes, one part each at a time (:mod:`chainmap.readwrite.workers`), results
  merged in part order: the same output.
- ``dask``: the same per-part function (:func:`reduce_part`) mapped over the
  row groups of a Parquet dataset on ``dask.distributed`` (a ``LocalCluster``
  unless a scheduler address is given); the client merges the parts.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
import contextlib
import contextvars
import dataclasses
from dataclasses import dataclass
import functools
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from chainmap.analysis.engines import AUTO_STREAM_BYTES, ENGINES, choose_engine
from chainmap.analysis.gaps import StatusCounts, status_counts, status_from_counts
from chainmap.analysis.holdings import prepare_holdings
from chainmap.analysis.plan import (
    PlanCounts,
    TargetingPlan,
    assemble_plan,
    data_year,
    plan_counts,
)
from chainmap.analysis.scoring import (
    SCORING_COLUMNS,
    NarrowRanking,
    rank_enterprises,
    rank_narrow,
)
from chainmap.collector import collector_paused
from chainmap.errors import InputError, MissingExtraError
from chainmap.model.chain import Chain
from chainmap.model.home import Home, resolve_home
from chainmap.model.profile import as_profile
from chainmap.model.report import RowAccount
from chainmap.readwrite.atomic import atomic_directory, require_complete
from chainmap.readwrite.formats import STREAMABLE, format_of
from chainmap.readwrite.reader import (
    iter_table,
    parquet_columns,
    parquet_errors,
    read_row_group,
    row_groups,
)
from chainmap.readwrite.workers import Workers, default_workers

__all__ = [
    "AUTO_STREAM_BYTES",
    "CANDIDATE_COLUMNS",
    "ENGINES",
    "Part",
    "Reduced",
    "Scan",
    "accounting",
    "canonical",
    "choose_engine",
    "classify_file",
    "engine_for",
    "is_canonical",
    "iter_chunks",
    "parts",
    "read_canonical",
    "reduce_frame",
    "reduce_part",
    "scan",
    "stream_plan",
    "stream_rank",
]


#: Columns kept for each candidate row (all others are dropped after classification).
CANDIDATE_COLUMNS = tuple(
    dict.fromkeys(  # what the ranking reads, and what a plan shows of a key enterprise
        (
            *SCORING_COLUMNS,
            "uscc",
            "segments",
            "segments_source",
            "short_name",
            "exit_date",
            "legal_rep",
            "address",
        )
    )
)


@dataclass(frozen=True)
class Part:
    """One unit of work: a file, or one row group of a Parquet file."""

    path: str
    row_group: int | None = None


def parts(source: str | Path) -> list[Part]:
    """The parts of ``source``: each row group of each Parquet file, or each CSV file.

    ``source`` is a file or a directory of ``.parquet``/``.csv`` files (read in
    sorted path order).
    """
    root = Path(source)
    if root.is_dir():
        require_complete(root)
        files = sorted(p for p in root.rglob("*") if format_of(p) in STREAMABLE)
    elif root.exists():
        files = [root]
    else:
        raise InputError(f"找不到输入 / no such file or directory: {root}", file=str(root))
    out = []
    for f in files:
        if format_of(f) == "parquet":
            out.extend(Part(str(f), g) for g in range(row_groups(f)))
        else:
            out.append(Part(str(f)))
    return out


def iter_chunks(
    part: Part,
    *,
    chunk_rows: int = 250_000,
    mapping: Mapping[str, str] | None = None,
    scope_if_needed: bool = False,
) -> Iterator[pd.DataFrame]:
    """The rows of one part, canonical, as chunks of ``chunk_rows`` rows (CSV) or a row group.

    Parts are read by :func:`chainmap.readwrite.reader.iter_table`, the reader
    ``--engine memory`` uses, so both engines see the same cells (encodings, title
    rows). A canonical Parquet row group is used as it is; everything else is
    normalised as ``chainmap import`` would (:func:`canonical`), with ``mapping``.
    ``scope_if_needed``: a row group's ``scope`` column is read only when a row of it is
    still to be classified (:func:`_row_group`).
    """
    for table, _rows in _accounted_chunks(
        part, chunk_rows=chunk_rows, mapping=mapping, scope_if_needed=scope_if_needed
    ):
        yield table


def _accounted_chunks(
    part: Part,
    *,
    chunk_rows: int,
    mapping: Mapping[str, str] | None,
    scope_if_needed: bool,
) -> Iterator[tuple[pd.DataFrame, RowAccount]]:
    """:func:`iter_chunks` with each chunk's :class:`~chainmap.model.report.RowAccount`."""
    if part.row_group is not None:
        table = _row_group(part) if scope_if_needed else read_row_group(part.path, part.row_group)
        if is_canonical(list(table.columns)):
            yield table, RowAccount.rows(len(table))
        else:  # rows numbered as in the whole file (a group does not start at row 2)
            first = _group_first_row(part)
            yield _normalised_with_report(table, source=part.path, first_row=first, mapping=mapping)
        return
    for chunk in iter_table(part.path, chunk_rows):
        yield _normalised_with_report(chunk, source=part.path, mapping=mapping)


def _group_first_row(part: Part) -> int:
    """The file row (the header is row 1) of the first row of ``part``'s row group, as
    the memory engine numbers a Parquet file's rows."""
    import pyarrow.parquet as pq

    with parquet_errors(part.path):
        meta = pq.ParquetFile(part.path).metadata
    return 2 + sum(meta.row_group(g).num_rows for g in range(part.row_group or 0))


def _row_group(part: Part) -> pd.DataFrame:
    """A row group whose ``scope`` texts are read only if a row will be classified.

    The scopes are most of a classified registry's bytes, and ranking or planning a
    classified file reads none of them: every row holds its segments, or was classified
    and found none (``segments_source`` "classified"). When so, ``scope`` is left
    blank (None) in its place; otherwise it is read, and the group is the one
    :func:`read_row_group` gives (``tests/test_stream.py`` compares them).
    """
    columns = parquet_columns(part.path)
    if columns is None or "scope" not in columns:
        return read_row_group(part.path, part.row_group)
    rest = [c for c in columns if c != "scope"]
    table = read_row_group(part.path, part.row_group, columns=rest)
    at = columns.index("scope")
    if _settled(table):
        _blank_scope(table, at)
    else:
        scope = read_row_group(part.path, part.row_group, columns=["scope"])["scope"]
        table.insert(at, "scope", scope.set_axis(table.index))
    return table


def _held_group(part: Part) -> tuple[pd.DataFrame, int, int | None] | None:
    """A settled canonical row group read down to its rows that hold a segment, with its
    row count and latest ``revenue_year``; None for any other group (read as before).

    Settled (:func:`_settled`): each row holds segments or was classified and found none,
    so the others can hold nothing of any chain; a classified registry is mostly such
    rows (88 % in the benchmark), and making them pandas rows, then dropping them, was half
    of a stream worker's time. The scopes are not read (None in their place, as
    :func:`_row_group`). A group whose held rows repeat an ``enterprise_id`` is read
    whole, so the error names the rows it names there.
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    columns = parquet_columns(part.path)
    if columns is None or "segments" not in columns or not is_canonical([*columns, "scope"]):
        return None
    flags = [c for c in ("segments", "segments_source") if c in columns]
    with parquet_errors(part.path):  # the two small columns decide; the rest only if settled
        file = pq.ParquetFile(part.path)
        marks = file.read_row_group(part.row_group, columns=flags)
    segments = marks.column("segments")
    if not (pa.types.is_list(segments.type) or pa.types.is_large_list(segments.type)):
        return None
    filled = pc.fill_null(pc.greater(pc.list_value_length(segments), 0), False)
    settled = filled
    if "segments_source" in flags:
        source = marks.column("segments_source")
        settled = pc.or_(filled, pc.fill_null(pc.equal(source, "classified"), False))
    if not pc.all(settled).as_py():
        return None
    rest = [c for c in columns if c != "scope"]
    with parquet_errors(part.path):
        arrow = file.read_row_group(part.row_group, columns=rest)
    held = arrow.filter(filled)
    ids = held.column("enterprise_id")
    if pc.count_distinct(ids.drop_null()).as_py() != len(ids.drop_null()):
        return None
    year = _latest_year(arrow.column("revenue_year")) if "revenue_year" in rest else None
    table = held.to_pandas()
    if "scope" in columns:
        _blank_scope(table, columns.index("scope"))
    return table, arrow.num_rows, year


def _latest_year(column: Any) -> int | None:
    """:func:`~chainmap.analysis.plan.data_year` of an Arrow ``revenue_year`` column: by Arrow
    where it holds numbers or only nulls (a registry's figures are mostly missing), else by
    pandas. Arrow's max skips nulls and NaN (NaN only when all are NaN), as ``dropna`` does."""
    import pyarrow as pa
    import pyarrow.compute as pc

    kind = column.type
    if pa.types.is_null(kind):
        return None
    if pa.types.is_integer(kind) or pa.types.is_floating(kind):
        latest = pc.max(column).as_py()
        return None if latest is None or latest != latest else int(latest)
    return data_year(pa.table({"revenue_year": column}).to_pandas())


def _blank_scope(table: pd.DataFrame, at: int) -> None:
    """Put a blank ``scope`` column (None) at position ``at``: the texts are not read."""
    table.insert(at, "scope", pd.Series([None] * len(table), index=table.index, dtype=object))


def _settled(table: pd.DataFrame) -> bool:
    """True when no row would be classified: each holds segments or was classified already."""
    if not is_canonical([*table.columns, "scope"]) or "segments" not in table.columns:
        return False
    done = np.zeros(len(table), dtype=bool)
    if "segments_source" in table.columns:
        done = table["segments_source"].eq("classified").to_numpy(dtype=bool, na_value=False)
    rest = table["segments"].to_numpy(dtype=object)[~done]  # not classified: tagged?
    return all(type(cell) in (list, np.ndarray) and len(cell) > 0 for cell in rest)


def is_canonical(columns: Sequence[str]) -> bool:
    """True when ``columns`` hold every canonical enterprise column (``segments`` may be absent).

    Such tables (written by ``chainmap import`` or :mod:`chainmap.synthetic`)
    are used as they are; others go through
    :func:`~chainmap.model.enterprises.normalise_enterprises` first.
    """
    from chainmap.model.enterprises import ENTERPRISE_COLUMNS

    optional = {"segments", "segments_source"}
    return set(ENTERPRISE_COLUMNS) - optional <= set(columns)


def canonical(
    table: pd.DataFrame,
    *,
    source: str = "<frame>",
    first_row: int | None = None,
    mapping: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """``table`` itself when canonical, else its normalised form (rejected rows dropped)."""
    if is_canonical(list(table.columns)):
        return table
    return _normalised(table, source=source, first_row=first_row, mapping=mapping)


def _normalised(
    table: pd.DataFrame,
    *,
    source: str,
    first_row: int | None = None,
    mapping: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """:func:`~chainmap.model.enterprises.normalise_enterprises`, rows numbered as the user sees them."""
    return _normalised_with_report(table, source=source, first_row=first_row, mapping=mapping)[0]


def _normalised_with_report(
    table: pd.DataFrame,
    *,
    source: str,
    first_row: int | None = None,
    mapping: Mapping[str, str] | None = None,
) -> tuple[pd.DataFrame, RowAccount]:
    """:func:`_normalised` and the account of its rows (read, kept, rejected, first problems)."""
    from chainmap.model.enterprises import normalise_enterprises

    first = first_row if first_row is not None else int(table.attrs.get("first_row", 2))
    rows = range(first, first + len(table))
    out, report = normalise_enterprises(table, source=source, row_numbers=rows, mapping=mapping)
    return out, RowAccount.of(report)


def read_canonical(path: str | Path) -> pd.DataFrame | None:
    """A canonical Parquet file or dataset read as it is; None for anything else."""
    root = Path(path)
    require_complete(root)
    files = sorted(root.rglob("*.parquet")) if root.is_dir() else [root]
    if not files or any(format_of(f) != "parquet" for f in files):
        return None
    import pyarrow.parquet as pq

    for f in files:
        with parquet_errors(f):
            if not is_canonical(pq.read_schema(f).names):
                return None
    frames = []
    for f in files:
        with parquet_errors(f):
            frames.append(pd.read_parquet(f))
    return pd.concat(frames, ignore_index=True)


def engine_for(engine: str, enterprises: Any) -> str:
    """The engine for ``enterprises``: ``memory`` for a table in hand, else :func:`choose_engine`."""
    from chainmap.analysis.holdings import Holdings

    if isinstance(enterprises, (pd.DataFrame, Holdings)):
        return "memory"
    return choose_engine(engine, enterprises)


# ---------------------------------------------------------------------- one part


@dataclass
class Reduced:
    """What one part (or the merge of several) reduces to."""

    status: StatusCounts
    plan: PlanCounts
    candidates: list[pd.DataFrame]
    rows: RowAccount = dataclasses.field(default_factory=RowAccount)  # what was read of it

    def __add__(self, other: Reduced) -> Reduced:
        return Reduced(
            self.status + other.status,
            self.plan + other.plan,
            self.candidates + other.candidates,
            self.rows + other.rows,
        )

    # A worker pickles its Reduced to the caller. A Parquet list column (``flags``) reads
    # as one numpy array per cell, and pickling them one by one was a quarter of a stream
    # worker's time at 10M rows: such a column travels as one array and its offsets.
    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "candidates": [_packed(c) for c in self.candidates]}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state, candidates=[_unpacked(*c) for c in state["candidates"]])


_Packed = tuple[int, str, np.ndarray, np.ndarray]


def _packed(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[_Packed]]:
    """``frame`` without its columns of 1-D numpy arrays of one dtype, and those columns
    as (position, name, the arrays end to end, their ends); :func:`_unpacked` undoes it."""
    packed: list[_Packed] = []
    if not frame.columns.is_unique:
        return frame, packed
    for at, name in enumerate(frame.columns):
        if frame[name].dtype != object or not len(frame):
            continue
        cells = frame[name].tolist()
        kind = getattr(cells[0], "dtype", None)
        if kind is None or not all(
            type(c) is np.ndarray and c.ndim == 1 and c.dtype == kind for c in cells
        ):
            continue
        ends = np.cumsum(np.fromiter(map(len, cells), dtype=np.int64, count=len(cells)))
        packed.append((at, name, np.concatenate(cells), ends))
    if packed:
        frame = frame.drop(columns=[p[1] for p in packed])
    return frame, packed


def _unpacked(frame: pd.DataFrame, packed: list[_Packed]) -> pd.DataFrame:
    """The frame :func:`_packed` took apart: each cell a view of its column's arrays, as
    pyarrow's ``to_pandas`` makes them."""
    for at, name, flat, ends in packed:
        cells = np.empty(len(ends), dtype=object)
        start = 0
        for i, end in enumerate(ends.tolist()):
            cells[i] = flat[start:end]
            start = end
        frame.insert(at, name, cells)
    return frame


def reduce_frame(
    chain: Chain,
    table: pd.DataFrame,
    *,
    level: str,
    home_code: str,
    region_level: str,
    read: tuple[int, int | None] | None = None,
) -> Reduced:
    """Classify one chunk (once) and reduce it to counts and candidate rows.

    ``read``: ``table`` holds only the rows with a segment of a chunk of ``read[0]``
    rows whose latest ``revenue_year`` is ``read[1]`` (:func:`_held_group`).
    """
    held = prepare_holdings(chain, table, part=True)  # (a chunk: checked as a part)
    status = status_counts(chain, held, level, home_code)
    plan = plan_counts(chain, held, region_level=region_level, table=table)
    if read is not None:
        plan = dataclasses.replace(plan, input=read[0], data_year=read[1])
    # Narrow first, then keep the active rows: the scope texts are never copied.
    frame = held.columns([*(c for c in CANDIDATE_COLUMNS if c != "segments"), "chain_segments"])
    cols = [c for c in CANDIDATE_COLUMNS if c in frame.columns or c == "segments"]
    narrow = frame.assign(segments=frame["chain_segments"])[cols]
    candidates = narrow[held.active].reset_index(drop=True)
    return Reduced(status, plan, [candidates])


def reduce_part(
    part: Part,
    chain: Chain,
    *,
    level: str,
    home_code: str,
    region_level: str,
    chunk_rows: int = 250_000,
    mapping: Mapping[str, str] | None = None,
) -> Reduced:
    """:func:`reduce_frame` over every chunk of ``part``, merged (the per-partition function)."""
    if part.row_group is not None:  # (a canonical group is used as it is, mapping or not)
        held = _held_group(part)
        if held is not None:
            table, rows, year = held
            reduced = reduce_frame(
                chain,
                table,
                level=level,
                home_code=home_code,
                region_level=region_level,
                read=(rows, year),
            )
            return dataclasses.replace(reduced, rows=RowAccount.rows(rows))
    out = None
    for table, account in _accounted_chunks(
        part, chunk_rows=chunk_rows, mapping=mapping, scope_if_needed=True
    ):
        one = reduce_frame(
            chain, table, level=level, home_code=home_code, region_level=region_level
        )
        one = dataclasses.replace(one, rows=account)
        out = one if out is None else out + one
    if out is None:  # an empty file
        empty = pd.DataFrame({"segments": pd.Series([], dtype=object)})
        reduced = reduce_frame(
            chain, empty, level=level, home_code=home_code, region_level=region_level
        )
        return dataclasses.replace(reduced, rows=RowAccount(canonical=False))
    return out


# ---------------------------------------------------------------------- whole input


@dataclass
class Scan:
    """The merged reduction of a whole input, ready for status, ranking and plan."""

    chain: Chain
    profile: dict[str, Any]
    where: Home
    level: str
    region_level: str
    status_counts: StatusCounts
    plan_counts: PlanCounts
    candidates: pd.DataFrame
    rows: RowAccount = dataclasses.field(default_factory=RowAccount)

    def status(self, *, policy: pd.DataFrame | None = None) -> pd.DataFrame:
        """The :func:`~chainmap.analysis.gaps.segment_status` frame (``policy`` as there)."""
        return status_from_counts(
            self.chain,
            self.status_counts,
            where=self.where,
            level=self.level,
            profile=self.profile,
            policy=policy,
        )


def scan(
    chain: Chain,
    source: str | Path,
    *,
    home: str | None = None,
    profile: Mapping[str, Any] | str | None = None,
    level: str | None = None,
    region_level: str = "city",
    engine: str = "stream",
    scheduler: str | None = None,
    chunk_rows: int = 250_000,
    mapping: str | Path | Mapping[str, str] | None = None,
) -> Scan:
    """Read ``source`` once with the ``stream`` or ``dask`` engine and merge its parts.

    ``mapping`` is the header mapping of ``chainmap import --mapping`` (a dict or TOML file).
    """
    if isinstance(mapping, (str, Path)):
        from chainmap.model.enterprises import read_mapping

        mapping = read_mapping(mapping)
    prof = as_profile(profile)
    where = resolve_home(home, prof)
    level = level or where.level
    kwargs = {
        "level": level,
        "home_code": where.at(level),
        "region_level": region_level,
        "chunk_rows": chunk_rows,
        "mapping": mapping,
    }
    work = parts(source)
    if engine == "dask":
        reduced = _on_dask(work, chain, kwargs, scheduler)
    elif engine == "stream":
        with Workers(_workers_for(work)) as pool:
            reduced = pool.map(
                functools.partial(reduce_part, chain=chain, **kwargs), [(p,) for p in work]
            )
    else:
        raise ValueError(f"engine must be 'stream' or 'dask', got {engine!r}")
    if not reduced:
        raise InputError(f"输入为空 / no input files in {source}", file=str(source))
    total = functools.reduce(lambda a, b: a + b, reduced)
    candidates = pd.concat(total.candidates, ignore_index=True)
    sizes = [sum(len(c) for c in r.candidates) for r in reduced]
    _refuse_repeated_ids(candidates, [p.path for p in work], sizes)
    accounts = _ACCOUNTS.get()
    if accounts is not None:
        accounts.append(total.rows)
    return Scan(
        chain, prof, where, level, region_level, total.status, total.plan, candidates, total.rows
    )


_ACCOUNTS: contextvars.ContextVar[list[RowAccount] | None] = contextvars.ContextVar(
    "chainmap_stream_accounts", default=None
)


@contextlib.contextmanager
def accounting() -> Iterator[list[RowAccount]]:
    """Collect the :class:`~chainmap.model.report.RowAccount` of every input :func:`scan`
    reads inside the ``with`` block: how many rows were read, kept and rejected, and the
    first problems (``rank_enterprises`` and ``build_plan`` with ``engine="stream"``
    return the memory engine's frames, which carry no import report).

    >>> with accounting() as read:
    ...     pass
    >>> read
    []
    """
    accounts: list[RowAccount] = []
    token = _ACCOUNTS.set(accounts)
    try:
        yield accounts
    finally:
        _ACCOUNTS.reset(token)


def _refuse_repeated_ids(candidates: pd.DataFrame, paths: list[str], sizes: list[int]) -> None:
    """Refuse one ``enterprise_id`` on rows of two parts, naming the files they are in.

    Each part checks its own rows; rows of different parts met only in the ranking,
    whose error named positions in the merged candidates, no file. The firm would
    count twice in the segment counts, as the memory engine says.
    """
    if "enterprise_id" not in candidates.columns or not len(candidates):
        return
    ids = candidates["enterprise_id"]
    dup = ids.duplicated(keep=False).to_numpy(dtype=bool) & ids.notna().to_numpy(dtype=bool)
    if not dup.any():
        return
    first = ids[dup].iloc[0]
    same = np.flatnonzero((ids == first).to_numpy(dtype=bool))
    part_of = np.repeat(np.arange(len(sizes)), sizes)
    files = list(dict.fromkeys(paths[k] for k in part_of[same].tolist()))
    raise InputError(
        f"enterprise_id 重复 / enterprise_id {first!r} is on {len(same)} rows of the input, in "
        f"{', '.join(files[:5])}: the firm would be counted twice in the segment counts",
        column="enterprise_id",
        hint="keep each firm once across the input files (chainmap import merges rows that "
        "share an id within a file)",
    )


#: The stream engine gives its parts to worker processes (:mod:`chainmap.readwrite.workers`,
#: one part each at a time) when the input on disk is this large and has two parts or more;
#: smaller inputs are read in this process, where starting the workers would cost more.
STREAM_WORKERS_MIN_BYTES = 64 << 20


def _workers_for(work: Sequence[Part]) -> int:
    """How many processes read ``work``: :func:`default_workers` for a large input, else 1."""
    if len(work) < 2:
        return 1
    size = sum(Path(path).stat().st_size for path in {p.path for p in work})
    return default_workers() if size >= STREAM_WORKERS_MIN_BYTES else 1


def _on_dask(
    work: Sequence[Part], chain: Chain, kwargs: Mapping[str, Any], scheduler: str | None
) -> list[Reduced]:
    """Map :func:`reduce_part` over ``work`` on dask.distributed; results in part order."""
    with _client(scheduler) as client:
        futures = client.map(reduce_part, list(work), chain=chain, pure=False, **kwargs)
        return client.gather(futures)


class _client:
    """A dask.distributed Client on ``scheduler``, or on a fresh LocalCluster (closed after)."""

    def __init__(self, scheduler: str | None):
        self.scheduler = scheduler

    def __enter__(self) -> Any:
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:  # pragma: no cover - the dask extra is missing
            raise MissingExtraError("dask") from None
        if self.scheduler:
            self.cluster = None
            self.client = Client(self.scheduler)
        else:
            with _sigint_ignored():
                self.cluster = LocalCluster(
                    n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
                )
            self.client = Client(self.cluster)
        return self.client

    def __exit__(self, kind: type | None, *exc: Any) -> None:
        if kind is not None and issubclass(kind, KeyboardInterrupt):
            _quiet_dask()  # Ctrl-C: the CLI says one line; cancelled tasks need not
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


@contextlib.contextmanager
def _sigint_ignored() -> Iterator[None]:
    """Ignore SIGINT while workers start: they inherit "ignore" and never see Ctrl-C.

    Ctrl-C then reaches this process alone, which closes the workers. A Ctrl-C
    in these few seconds of start-up is dropped (press it again).
    """
    import signal
    import threading

    # Workers log cancelled tasks as warnings after Ctrl-C, and a task's error with its
    # traceback; the error is raised again here, where the CLI says it in one line.
    ours = "DASK_LOGGING__DISTRIBUTED" not in os.environ
    os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "critical")
    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if main else None
    try:
        yield
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
        if ours:
            os.environ.pop("DASK_LOGGING__DISTRIBUTED", None)


def _quiet_dask() -> None:
    """Silence the loggers that report cancelled tasks and closed comms after Ctrl-C."""
    import logging

    for name in ("distributed", "asyncio", "tornado"):
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)


# ---------------------------------------------------------------------- rank and plan


def stream_rank(
    chain: Chain,
    source: str | Path,
    *,
    home: str | None = None,
    profile: Mapping[str, Any] | str | None = None,
    engine: str = "stream",
    scheduler: str | None = None,
    chunk_rows: int = 250_000,
    mapping: str | Path | Mapping[str, str] | None = None,
    **options: Any,
) -> pd.DataFrame:
    """:func:`~chainmap.analysis.scoring.rank_enterprises` over ``source`` without loading it.

    ``options`` are those of ``rank_enterprises`` (``segments``, ``zone``,
    ``top``, ``top_per_segment``, ``with_stability``). Same result, same ``attrs``.
    """
    s = scan(
        chain,
        source,
        home=home,
        profile=profile,
        engine=engine,
        scheduler=scheduler,
        chunk_rows=chunk_rows,
        mapping=mapping,
    )
    return _rank(s, s.status(policy=options.get("policy")), **options)


def _rank(
    s: Scan, status: pd.DataFrame, *, narrow: bool = False, **options: Any
) -> pd.DataFrame | NarrowRanking:
    rank = rank_narrow if narrow else rank_enterprises
    ranking = rank(
        s.chain,
        s.candidates,
        home=s.where,
        profile=s.profile,
        status=status,
        level=s.level,
        **options,
    )
    # Deregistered firms were dropped chunk by chunk; the counts kept their number.
    frame = ranking.frame if narrow else ranking
    frame.attrs["inactive_excluded"] = s.status_counts.inactive
    return ranking


def stream_plan(
    chain: Chain,
    source: str | Path,
    *,
    home: str | None = None,
    profile: Mapping[str, Any] | str | None = None,
    engine: str = "stream",
    scheduler: str | None = None,
    chunk_rows: int = 250_000,
    region_level: str = "city",
    mapping: str | Path | Mapping[str, str] | None = None,
    **options: Any,
) -> TargetingPlan:
    """:func:`~chainmap.analysis.plan.build_plan` over ``source`` without loading it.

    ``options``: ``fields``, ``per_field``, ``regions_per_field``, ``sources``.
    """
    s = scan(
        chain,
        source,
        home=home,
        profile=profile,
        region_level=region_level,
        engine=engine,
        scheduler=scheduler,
        chunk_rows=chunk_rows,
        mapping=mapping,
    )
    policy = options.pop("policy", None)
    status = s.status(policy=policy)
    ranking = _rank(s, status, narrow=True, signals=options.pop("signals", None), policy=policy)
    return assemble_plan(
        chain,
        status,
        ranking,
        s.plan_counts,
        profile=s.profile,
        where=s.where,
        level=s.level,
        region_level=region_level,
        **options,
    )


# ---------------------------------------------------------------------- classify


def classify_file(
    chain: Chain,
    source: str | Path,
    output: str | Path,
    *,
    text_column: str = "scope",
    engine: str = "stream",
    scheduler: str | None = None,
    chunk_rows: int = 250_000,
) -> dict[str, int]:
    """Classify every row of ``source`` chunk by chunk into ``output`` (a Parquet directory).

    Each part becomes ``output/part-NNNNN.parquet`` with ``segments`` and
    ``segments_source`` added (tags win, as in
    :func:`~chainmap.analysis.classify.assign_segments`). Returns row counts:
    ``rows`` and ``with_segments``.
    """
    work = parts(source)
    job = functools.partial(
        _classify_part, chain=chain, text_column=text_column, chunk_rows=chunk_rows
    )
    # Built in a sibling folder, marked complete, then swapped in: an interrupted
    # run leaves the previous dataset as it was.
    with atomic_directory(output) as out:
        targets = [str(out / f"part-{i:05d}.parquet") for i in range(len(work))]
        if engine == "dask":
            with _client(scheduler) as client:
                counts = client.gather(client.map(job, work, targets, pure=False))
        else:
            with Workers(_workers_for(work)) as pool:
                counts = pool.map(job, list(zip(work, targets, strict=True)))
    return {
        "rows": sum(c[0] for c in counts),
        "with_segments": sum(c[1] for c in counts),
    }


def _classify_part(
    part: Part, target: str, *, chain: Chain, text_column: str, chunk_rows: int
) -> tuple[int, int]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from chainmap.analysis.classify import assign_segments

    rows = found = 0
    writer = None
    try:
        for table in iter_chunks(part, chunk_rows=chunk_rows):
            # The chunk's lists are freed before the collector runs again: it would
            # otherwise walk them all (7 % of the work).
            with collector_paused():
                done = assign_segments(chain, table, text_column=text_column)
                rows += len(done)
                found += sum(1 for ids in done["segments"].tolist() if len(ids))
                arrow = pa.Table.from_pandas(done, preserve_index=False)
                del done
            # A chunk where a list column is empty in every row infers list<null>, which
            # later chunks' list<string> cannot be cast to: fix the id lists as strings.
            for name in ("segments", "trade_segments", "segments_confidence"):
                at = arrow.schema.get_field_index(name)
                if at >= 0 and arrow.schema.field(at).type != pa.list_(pa.string()):
                    arrow = arrow.set_column(at, name, arrow.column(at).cast(pa.list_(pa.string())))
            if writer is None:
                writer = pq.ParquetWriter(target, arrow.schema)
            writer.write_table(arrow.cast(writer.schema))
    finally:
        if writer is not None:
            writer.close()
    return rows, found
