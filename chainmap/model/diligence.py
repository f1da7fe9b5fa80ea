"""The admission and due-diligence checklist (项目准入与尽职调查), from TOML.

The bundled template is ``graphs/diligence_checklist.toml``; an office may pass its
own. Each item has ``id``, ``group``, ``name``, ``required`` and ``basis`` (who asks
for it: a cited rule, or "office practice").
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
import tomllib

from chainmap.errors import InputError

__all__ = ["CheckItem", "read_checklist"]


@dataclass(frozen=True)
class CheckItem:
    """One due-diligence check."""

    id: str
    group: str
    name: str
    required: bool
    basis: str
    source: str | None = None


def read_checklist(path: str | Path | None = None) -> tuple[CheckItem, ...]:
    """The checklist at ``path``, or the bundled template.

    Examples
    --------
    >>> items = read_checklist()
    >>> items[0].id, items[0].required
    ('registry_status', True)
    """
    from chainmap.model.catalog import read_text

    source = str(path) if path is not None else "diligence_checklist.toml"
    try:
        text = (
            read_text("diligence_checklist.toml") if path is None else Path(path).read_text("utf-8")
        )
        data = tomllib.loads(text)
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(
            f"无法读取尽调清单 / cannot read the checklist: {exc}", file=source
        ) from None
    items = []
    for i, raw in enumerate(data.get("item", [])):
        try:
            items.append(
                CheckItem(
                    id=str(raw["id"]),
                    group=str(raw["group"]),
                    name=str(raw["name"]),
                    required=bool(raw.get("required", False)),
                    basis=str(raw.get("basis", "office practice")),
                    source=raw.get("source"),
                )
            )
        except KeyError as exc:
            raise InputError(f"缺少键 / item[{i}] lacks {exc}", file=source) from None
    return tuple(items)
