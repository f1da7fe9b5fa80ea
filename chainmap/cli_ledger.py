"""``chainmap ledger …``: the office's ledger history, bulletin, review and assignment slips.

Registered on the main group by :mod:`chainmap.cli`. Each command resolves its
inputs (a ledger file, or a dated snapshot of the ``--db`` store), makes one library
call and formats the result; library errors become one line (the main group's ``ChainmapGroup``
handles every subcommand).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from chainmap.cli import ChainmapGroup, emit, note, output_options
from chainmap.readwrite import atomic

__all__ = ["kpi_inputs", "ledger_group"]

_DB_HELP = "台账历史库 / the SQLite store of dated snapshots (default ./chainmap.db)."


def _echo(text: str, output: Path | None) -> None:
    """Text to ``output``, or to stdout."""
    if output is None:
        click.echo(text, nl=False)
    else:
        atomic.write_text(output, text)


def _date(text: str | None, option: str) -> dt.date | None:
    from chainmap.errors import InputError
    from chainmap.model.values import date_outside, parse_date

    try:
        day = parse_date(text)
    except (ValueError, OverflowError):
        raise InputError(
            f"无法识别日期 / cannot read {option} {text!r}", hint="use YYYY-MM-DD"
        ) from None
    outside = date_outside(day, option)
    if outside:
        raise InputError(outside, hint="check the year")
    return day


def _note_reports(reports) -> None:
    """The ledger's and physical investment's summaries and first items; side tables in one line."""
    from chainmap.model.report import ImportReport

    side = []
    for name, rep in reports.items():
        if name.split(" ")[0] not in ("台账", "实物量投资") and not rep.items:
            side.append(f"{name.split(' ')[0]} {rep.kept}/{rep.read}")
            continue
        for line in ImportReport.summary(rep).splitlines():
            note(line)
        for item in rep.items[:10]:
            note(f"  {name} row {item.row} {item.column}: {item.severity}: {item.message}")
        if len(rep.items) > 10:
            note(f"  … {len(rep.items) - 10} more; see the import report (-o report.xlsx)")
    if side:
        note("其他表 保留/读取 / side tables kept/read: " + ", ".join(side))


def ledger_data(
    ledger: Path | None,
    db: Path | None,
    investment: Path | None,
    when: dt.date,
    visits: Path | None = None,
):
    """A ledger file (and a visits file), or the ``--db`` snapshot on or before ``when``."""
    if ledger is None and db is None:
        raise click.UsageError("给出台账文件或 --db / give a LEDGER file or --db (the store)")
    if ledger is not None and db is not None:
        raise click.UsageError(
            "台账文件与 --db 只能选一 / give either a LEDGER file or --db, not both"
        )
    if ledger is not None:
        from chainmap.model.office_tables import read_ledger_data

        data = read_ledger_data(ledger, investment=investment, files={"visits": visits})
        _note_reports(data.reports)
        return data
    if visits is not None:
        raise click.UsageError("--visits 需与台账文件同用 / --visits goes with a LEDGER file")
    from chainmap.model.ledger_store import load_snapshot

    day, data = load_snapshot(db, when)
    note(f"快照 / snapshot of {day} from {db}")
    data.snapshot = dt.date.fromisoformat(day)
    return data


def counted_until(data, when: dt.date) -> dt.date:
    """The day the counts stop: ``when``, or the snapshot's day when it is earlier (a
    landing dated after the snapshot was taken was a plan then, not an event)."""
    if data.snapshot is not None and data.snapshot < when:
        note(
            f"按快照日 {data.snapshot} 截止计数 / counted as of the snapshot's day "
            f"{data.snapshot} (asked for {when}): later dates in it were plans then"
        )
        return data.snapshot
    return when


def kpi_inputs(ledger, db, investment, targets, period, cohort, by, as_of):
    """What ``chainmap kpi`` reports: ``(data, kpi result, office measures)``."""
    from chainmap.analysis.kpi import classify_projects, kpi_report, owners_as_ids, parse_period
    from chainmap.analysis.office import office_measures
    from chainmap.model.kpi_targets import actuals_only, read_targets

    span = parse_period(period)
    when = _date(as_of, "--as-of") or span[1]
    if when < span[0]:
        raise click.UsageError(
            f"--as-of {when} 早于期间 {period} 的开始 / is before the period starts "
            f"({span[0]}): nothing in it has happened yet; give a date in or after the period"
        )
    data = ledger_data(ledger, db, investment, when)
    when = counted_until(data, when)
    if targets is None:
        note(
            "未给 --targets: 只报实际数, 不计完成率 / no --targets: actuals only, no completion rates"
        )
    goals = actuals_only() if targets is None else read_targets(targets)
    if data.investment is None:
        note(
            "未给实物量投资 / no physical investment (--investment or a 实物量投资 sheet): shown as —"
        )
    projects = classify_projects(data.projects)
    if by in ("owner", "platform", "chain", "segment") and (
        by not in projects.columns or not projects[by].notna().any()
    ):  # (every project in one "(未填)" group, every unit at 0%, without a word)
        from chainmap.model.ledger import LEDGER_HEADERS_ZH

        header = next(zh for zh, col in LEDGER_HEADERS_ZH.items() if col == by)
        raise click.UsageError(
            f"台账没有填写 {by} 列 / the ledger has no {by} values: --by {by} needs that "
            f"column (e.g. {header}) filled in"
        )
    projects, named = owners_as_ids(projects, goals)
    if named:
        note(f"责任单位按名称识别 / units written by name read as their ids: {named} rows")
    if by in ("chain", "segment") and by in projects.columns:
        from chainmap.model.values import split_list

        several = int(projects[by].map(lambda v: len(split_list(v)) > 1).sum())
        if several:
            note(
                f"{several} 个项目属于多个分组, 各组都计入, 分组合计大于总数 / {several} projects "
                f"belong to several {by}s and count in each, so the groups add up to more "
                "than the total"
            )
    units = {u.id for u in goals.units}
    if units and by == "owner":
        stray = sorted({o for o in projects["owner"].dropna() if str(o).strip() not in units})
        if stray:
            note(
                f"责任单位不在 [[unit]] 中 / owners not among the units: {', '.join(map(str, stray))}"
            )
    if by == "owner":
        _note_transfers(data, span[0], when, {u.id: u.name for u in goals.units})
    result = kpi_report(
        projects, data.investment, goals, period=span, cohort=cohort, by=by, as_of=when
    )
    office = office_measures(
        projects,
        data.investment,
        data.tables,
        period=span,
        as_of=when,
        behind_share=goals.behind_share,
        by="owner" if by == "owner" else "channel",
    )
    result["as_of"] = when.isoformat()  # (what the counts stop at, for titles)
    return data, result, office


def _note_transfers(data, start: dt.date, when: dt.date, names: dict[str, str]) -> None:
    """Say which projects changed unit from the period's start to ``when``: the unit KPIs
    credit every project to its current 责任单位, so a unit that signed a project and then
    handed it on loses that signing (the 流转 sheet says who held it when)."""
    moves = data.tables.get("transfers")
    if moves is None or not len(moves):
        return
    import pandas as pd

    dates = pd.to_datetime(moves["date"], errors="coerce")
    inside = moves[(dates >= pd.Timestamp(start)) & (dates <= pd.Timestamp(when))]
    if not len(inside):
        return

    def unit(value: object) -> str:  # (a blank 转出单位 reads —, never "None")
        return names.get(value, value) if isinstance(value, str) and value.strip() else "—"

    shown = [
        f"{r.project_id} {unit(r.from_unit)}→{unit(r.to_unit)}({pd.Timestamp(r.date).date()})"
        for r in inside.sort_values(["date", "project_id"]).itertuples()
    ]
    note(
        f"期内流转 {len(inside)} 个项目, 按现责任单位计入 / {len(inside)} project(s) changed "
        f"unit in the period and count for their current unit: {'; '.join(shown[:8])}"
        + ("…" if len(shown) > 8 else "")
    )


def kpi_caption(period: str, cohort: str | None, result, data, *, terminal: bool) -> str:
    """The KPI report's title: 项目考核指标 · 2024H1 [· 批次 …] · 截至 <day> [· 快照 <day>].

    On the terminal the 截至 day is said only when it is not the period's end (the
    README's table is the period's).
    """
    from chainmap.analysis.kpi import parse_period

    title = ("项目考核指标 KPIs · " if terminal else "项目考核指标 · ") + period
    title += f" · 批次 cohort {cohort}" if cohort else ""
    cut = result.get("as_of")
    if cut and (not terminal or cut != parse_period(period)[1].isoformat()):
        title += f" · 截至 {cut}"
    if data.snapshot is not None:
        title += f" · 快照 {data.snapshot}"
    return title


def _note_open_checks(data, when: dt.date) -> None:
    """One stderr line per signed project whose required due-diligence item is not passed."""
    from chainmap.analysis.office import signed_with_open_checks

    for w in signed_with_open_checks(data.projects, data.tables["diligence"], as_of=when):
        note(
            f"尽调未完成 / {w['project_id']} is at {w['stage']} with required check "
            f"{w['item']!r} {w['result']}"
        )


@click.group("ledger", cls=ChainmapGroup)
def ledger_group() -> None:
    """项目台账历史 / The ledger's history: import snapshots, bulletin, review, slips.

    Example: chainmap ledger import 台账.xlsx --as-of 2024-06-07
    """


def _visits_option(func):
    return click.option(
        "--visits",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="走访记录 / visits file (date, unit, person, organisation, channel, outcome, "
        "project_id); else the 走访 sheet.",
    )(func)


def db_option(func):
    return click.option(
        "--db",
        type=click.Path(dir_okay=False, path_type=Path),
        default=Path("chainmap.db"),
        show_default=True,
        help=_DB_HELP,
    )(func)


@ledger_group.command("import")
@click.argument("ledger", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--as-of", "as_of", required=True, help="快照日期 / the date this ledger is as of.")
@db_option
@click.option(
    "--investment",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="实物量投资表 / physical investment file (else the 实物量投资 sheet).",
)
@_visits_option
def import_cmd(
    ledger: Path, as_of: str, db: Path, investment: Path | None, visits: Path | None
) -> None:
    """存入台账快照 / Store a ledger as the snapshot of one date (same snapshot: no change).

    Example: chainmap ledger import 台账.xlsx --as-of 2024-06-07 --db chainmap.db
    """
    from chainmap.model.ledger_store import import_snapshot

    day = _date(as_of, "--as-of")
    data = ledger_data(ledger, None, investment, day, visits)
    _note_open_checks(data, day)
    done = import_snapshot(db, data, as_of=day, source=ledger.name)
    words = {
        "new": "已存入 / stored",
        "replaced": "已替换 / replaced",
        "unchanged": "未变 / unchanged",
    }
    note(f"{words[done['status']]}: {done['projects']} projects as of {done['as_of']} in {db}")


@ledger_group.command("changes")
@click.option(
    "--from", "start", required=True, help="起始日期 / compare the snapshot as of this date …"
)
@click.option("--to", "end", required=True, help="截止日期 / … with the one as of this date.")
@db_option
@click.option(
    "--targets",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="单位与阈值 / targets TOML: its [[unit]] list and [plan] behind_share.",
)
@output_options(("table", "json", "xlsx"))
def changes_cmd(
    start: str, end: str, db: Path, targets: Path | None, fmt: str | None, output: Path | None
) -> None:
    """通报 / The bulletin: new leads, stage moves, overdue items, problems, idle units.

    Example: chainmap ledger changes --from 2024-06-01 --to 2024-06-08
    """
    from chainmap.analysis.office import office_bulletin
    from chainmap.model.kpi_targets import actuals_only, read_targets
    from chainmap.model.ledger_store import load_snapshot, snapshot_on_or_before
    from chainmap.outputs import office_docs
    from chainmap.outputs.tables import resolve_format, to_json

    first, last = _date(start, "--from"), _date(end, "--to")
    if first > last:
        raise click.UsageError(f"--from {first} 晚于 --to {last} / --from is after --to")
    goals = actuals_only() if targets is None else read_targets(targets)
    before = load_snapshot(db, first)[1] if snapshot_on_or_before(db, first) else None
    day, after = load_snapshot(db, last)
    note(f"快照 / snapshots: {snapshot_on_or_before(db, first) or '(none)'} → {day}")
    result = office_bulletin(before, after, start=first, end=last, targets=goals)
    fmt = resolve_format(fmt, output, ("table", "json", "xlsx"))
    if fmt == "json":
        _echo(to_json(result), output)
    elif fmt == "xlsx":
        note(f"已写入 / wrote {office_docs.write_bulletin_xlsx(result, output)}")
    else:
        title = f"招商项目通报 / bulletin {first} → {last}"
        _echo(office_docs.render_bulletin(result, title=title), output)


@ledger_group.command("history")
@click.argument("project")
@db_option
@output_options(("table", "json", "csv"))
def history_cmd(project: str, db: Path, fmt: str | None, output: Path | None) -> None:
    """项目历程 / One project's timeline across the stored snapshots.

    Example: chainmap ledger history SX-001
    """
    from chainmap.analysis.bulletin import project_history
    from chainmap.model.ledger_store import load_snapshot, snapshot_dates

    snaps = [
        (d, load_snapshot(db, dt.date.fromisoformat(d))[1].projects) for d in snapshot_dates(db)
    ]
    rows = project_history(snaps, project)
    if not rows:
        from chainmap.errors import InputError

        raise InputError(f"快照中没有该项目 / project {project!r} is in no snapshot", file=str(db))
    for r in rows:  # one line of changes; a blank value reads —, as in the bulletin
        r["changes"] = "; ".join(
            f"{c['field']}: {_shown(c['old'])} → {_shown(c['new'])}" for c in r["changes"]
        )
    emit(
        rows,
        fmt=fmt,
        output=output,
        columns=["as_of", "stage", "since", "changes"],
        headers={"as_of": "快照日期", "stage": "阶段", "since": "进入日期", "changes": "变化"},
        title=f"项目历程 / history of {project}",
    )


def _shown(value: object) -> str:
    """A ledger value for a reader: blank (None, NaN, empty) as —."""
    from chainmap.model.values import is_blank

    return "—" if is_blank(value) else str(value)


def _document_output(help_text: str):
    """The required ``-o`` of a document command (.docx or .xlsx, A4)."""
    path = click.Path(dir_okay=False, path_type=Path)
    return click.option("-o", "--output", type=path, required=True, help=help_text)


def _source_options(func):
    func = click.option(
        "--ledger",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="台账文件 / read this ledger file instead of the store.",
    )(func)
    func = click.option(
        "--as-of",
        "as_of",
        default=None,
        help="截止日期 / as of this date (default: latest snapshot).",
    )(func)
    return db_option(func)


def _current(ledger: Path | None, db: Path, as_of: str | None):
    """``(date, data)``: the ledger file (as of ``--as-of``, required) or the store's snapshot."""
    from chainmap.model.ledger_store import snapshot_dates

    when = _date(as_of, "--as-of")
    if ledger is not None:
        if when is None:
            raise click.UsageError("与 --ledger 同用需 --as-of / --ledger needs --as-of DATE")
        return when, ledger_data(ledger, None, None, when)
    if when is None:
        dates = snapshot_dates(db)
        when = dt.date.fromisoformat(dates[-1]) if dates else dt.date.min
    return when, ledger_data(None, db, None, when)


def _units_option(func):
    """``--targets``: the KPI targets file whose ``[[unit]]`` entries name the units."""
    return click.option(
        "--targets",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="单位名称 / show units by name from this targets TOML ([[unit]] id, name), "
        "as `chainmap kpi --targets` does.",
    )(func)


def unit_names(targets: Path | None) -> dict[str, str]:
    """Unit id → name from a targets file (none without one)."""
    if targets is None:
        return {}
    from chainmap.model.kpi_targets import read_targets

    return {u.id: u.name for u in read_targets(targets).units}


@ledger_group.command("assignments")
@click.option(
    "--owner",
    required=True,
    help="责任单位 / the unit the slip is for (id, or name with --targets).",
)
@_document_output("交办单.docx 或 .xlsx / the slip (A4).")
@_source_options
@_units_option
def assignments_cmd(
    owner: str,
    output: Path,
    db: Path,
    ledger: Path | None,
    as_of: str | None,
    targets: Path | None,
) -> None:
    """交办单 / A unit's open projects with next actions and due dates, on A4.

    Example: chainmap ledger assignments --owner office_sh --targets units.toml -o 交办单.docx
    """
    from chainmap.analysis.bulletin import assignments
    from chainmap.errors import InputError
    from chainmap.model.values import text
    from chainmap.outputs.office_docs import write_office_document

    when, data = _current(ledger, db, as_of)
    names = unit_names(targets)
    owner = {name: uid for uid, name in names.items()}.get(owner, owner)  # a name: its id
    units = sorted({t for v in data.projects.get("owner", []) if (t := text(v))})
    if owner not in units:  # a unit's name for its id, or a typo: not an empty slip
        shown = ", ".join(f"{u} ({names[u]})" if u in names else u for u in units[:12]) + (
            " …" if len(units) > 12 else ""
        )
        raise InputError(
            f"台账中没有责任单位 / no unit {owner!r} in the ledger's 责任单位; "
            f"it holds: {shown or 'none'}",
            hint="pass the unit as the ledger writes it, or its name with --targets",
        )
    rows = assignments(data.projects, owner=owner, as_of=when)
    cols = [
        "project_id",
        "project",
        "enterprise",
        "stage",
        "contact",
        "next_action",
        "due",
        "overdue",
        "problem",
    ]
    path = write_office_document(
        rows,
        output,
        columns=cols,
        title=f"交办单 · {names.get(owner, owner)}",
        subtitle=f"截至 {when} · {len(rows)} 个在办项目",
    )
    note(f"已写入 / wrote {path} ({len(rows)} projects)")


@ledger_group.command("review")
@_document_output("盘点.xlsx 或 .docx / the review list (A4).")
@_source_options
@_units_option
def review_cmd(
    output: Path, db: Path, ledger: Path | None, as_of: str | None, targets: Path | None
) -> None:
    """逐一盘点 / Every project: stage, days in stage, problem, next step, owner, open checks.

    Example: chainmap ledger review -o 盘点.xlsx
    """
    from chainmap.analysis.bulletin import review
    from chainmap.analysis.office import open_diligence
    from chainmap.outputs.office_docs import write_office_document

    when, data = _current(ledger, db, as_of)
    rows = review(data.projects, as_of=when, open_items=open_diligence(data.tables["diligence"]))
    names = unit_names(targets)
    for r in rows:
        r["owner"] = names.get(r["owner"], r["owner"])
    _note_open_checks(data, when)
    cols = [
        "project_id",
        "project",
        "owner",
        "stage",
        "since",
        "days_in_stage",
        "problem",
        "next_action",
        "due",
        "open_items",
    ]
    path = write_office_document(
        rows,
        output,
        columns=cols,
        title="项目逐一盘点",
        subtitle=f"截至 {when} · {len(rows)} 个项目",
    )
    note(f"已写入 / wrote {path} ({len(rows)} projects)")


@ledger_group.command("funnel")
@click.argument("ledger", type=click.Path(dir_okay=False, path_type=Path), required=False)
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path), default=None, help=_DB_HELP)
@click.option("--period", required=True, help="期间 / 2024, 2024H1, 2024Q1 …")
@click.option("--as-of", "as_of", default=None, help="截止日期 / default: period end.")
@click.option(
    "--by",
    type=click.Choice(["channel", "owner", "none"]),
    default="channel",
    show_default=True,
    help="分组 / by channel, by unit, or overall.",
)
@_visits_option
@_units_option
@output_options()
def funnel_cmd(ledger, db, period, as_of, by, visits, targets, fmt, output) -> None:
    """渠道漏斗 / Visits → information → tracked → intent → signed → landed → started → in stats.

    Example: chainmap ledger funnel 台账.xlsx --period 2024H1 --by channel
    """
    from chainmap.analysis.kpi import parse_period
    from chainmap.analysis.office import channel_funnel
    from chainmap.outputs.office_docs import render_funnel
    from chainmap.outputs.tables import resolve_format

    span = parse_period(period)
    when = _date(as_of, "--as-of") or span[1]
    data = ledger_data(ledger, db, None, when, visits)
    when = counted_until(data, when)
    rows = channel_funnel(
        data.projects,
        data.tables["visits"],
        period=span,
        as_of=when,
        by=None if by == "none" else by,
    )
    names = unit_names(targets) if by == "owner" else {}
    for r in rows:
        r["group"] = (
            "(全部 all)" if r["group"] is None and by == "none" else r["group"] or "(未填 none)"
        )
        r["group"] = names.get(r["group"], r["group"])
    if resolve_format(fmt, output) == "table":
        title = f"渠道漏斗 funnel · {period} (数量, 括号内为上一阶段转化率)"
        _echo(render_funnel(rows, title=title), output)
        return
    if resolve_format(fmt, output) == "xlsx":  # for people: A4, rates as 0.0%, a Chinese sheet
        from chainmap.outputs.kpi_report import write_print_ready_xlsx
        from chainmap.outputs.office_docs import OFFICE_HEADERS
        from chainmap.outputs.tables import records_to_frame

        cols = ["group", "stage_zh", "count", "conversion"]
        frame = records_to_frame(rows, cols)
        written = write_print_ready_xlsx(
            {f"渠道漏斗 {period}": frame},
            output,
            headers={
                **OFFICE_HEADERS,
                "group": "分组",
                "stage_zh": "阶段",
                "count": "数量",
                "conversion": "转化率",
            },
            title="渠道漏斗 funnel",
        )
        note(f"已写入 / wrote {written}")
        return
    emit(
        rows,
        fmt=fmt,
        output=output,
        columns=["group", "stage", "stage_zh", "count", "conversion"],
        headers={"group": "分组", "stage_zh": "阶段", "count": "数量", "conversion": "转化率"},
        sheet="funnel",
    )


# ---------------------------------------------------------------------- rank / plan / map


def _file_option(name: str, help_text: str):
    """An optional file-path option (``--db``, ``--ledger`` …), default none."""
    path = click.Path(dir_okay=False, path_type=Path)
    return click.option(name, type=path, default=None, help=help_text)


def pipeline_db_option(func):
    """``--db``: flag targets already in the pipeline of the store's latest snapshot."""
    return _file_option(
        "--db", "台账历史库 / flag firms already in the pipeline (latest snapshot of this store)."
    )(func)


def pipeline_ledger_option(func):
    """``--ledger``: flag targets already in the pipeline of this ledger file."""
    return _file_option(
        "--ledger", "项目台账 / flag firms already in the pipeline (在跟进/已签约/已落地/已放弃)."
    )(func)


def _pipeline_projects(ledger: Path | None, db: Path | None):
    if ledger is not None and db is not None:
        raise click.UsageError("--ledger 与 --db 只能选一 / give --ledger or --db, not both")
    if db is not None:
        from chainmap.model.ledger_store import load_snapshot

        day, data = load_snapshot(db, dt.date.max)
        note(f"台账快照 / pipeline from the snapshot of {day} in {db}")
        return data.projects
    from chainmap.model.ledger import read_ledger

    projects, _, report = read_ledger(ledger)
    note(report.summary().splitlines()[0])
    return projects


def mark_targets(
    records, *, ledger: Path | None, db: Path | None, profile, chain: str, projects=None
):
    """Flag ranked firms or plan records already in the pipeline; notes go to stderr.

    Returns ``records`` unchanged when neither ``--ledger`` nor ``--db`` is given.
    ``projects``: the ledger's projects when the caller has read (and noted) it already.
    """
    if ledger is None and db is None:
        return records
    from chainmap.analysis.pipeline import exclude_from_profile, mark_pipeline
    from chainmap.model.profile import load_profile

    exclude = exclude_from_profile(load_profile(profile))
    if projects is None:
        projects = _pipeline_projects(ledger, db)
    marked, notes = mark_pipeline(records, projects, chain=chain, exclude=exclude)
    for line in notes:
        note(line)
    rows = marked.to_dict("records") if hasattr(marked, "to_dict") else marked
    for r in [r for r in rows if r.get("pipeline")][:20]:
        note(f"  {r.get('name')}: {r['pipeline']} ({r['pipeline_project']})")
    return marked


def with_pipeline(records: list[dict], ranking) -> list[dict]:
    """Copy the ``pipeline`` label of a marked ranking onto its rank records (same order)."""
    if "pipeline" not in getattr(ranking, "columns", ()):
        return records
    for rec, label in zip(records, ranking["pipeline"], strict=True):
        rec["pipeline"] = label
    return records
