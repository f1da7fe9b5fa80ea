"""The home region: resolved once from ``--home`` or the profile, then passed on.

A :class:`Home` is what every analysis means by "home": the region's adcode,
name and level. :meth:`Home.at` gives the home's unit at a comparison level,
and :meth:`Home.holds` says whether an enterprise's region lies at home.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from chainmap.errors import ChainmapError, InputError
from chainmap.model.vocab import LEVELS

__all__ = ["Home", "resolve_home"]


@dataclass(frozen=True)
class Home:
    """The home region: its adcode, name and level."""

    code: str
    name: str
    level: str

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def at(self, level: str) -> str:
        """The home's adcode at ``level`` (itself at its own level, else its ancestor).

        Raises :class:`InputError` when ``level`` is finer than the home's own level.

        Examples
        --------
        >>> Home("330723", "武义县", "county").at("city")
        '330700'
        """
        from chainmap.model import regions

        if level not in LEVELS:
            raise InputError(
                f"未知比较级别 / unknown comparison level {level!r}",
                hint="use one of " + ", ".join(LEVELS),
            )
        if LEVELS.index(level) > LEVELS.index(self.level):
            raise InputError(
                f"比较级别 {level} 细于家乡 {self} 的级别 {self.level} / the comparison level "
                f"{level} is finer than the home region's level {self.level}",
                hint="use --level " + self.level + " or a coarser one",
            )
        return self.code if level == self.level else str(regions.ancestor(self.code, level))

    def holds(self, region_code: Any) -> bool:
        """True when ``region_code`` lies in the home region (the home or a unit inside it).

        Examples
        --------
        >>> wuyi = Home("330723", "武义县", "county")
        >>> wuyi.holds("330723"), wuyi.holds("330700"), wuyi.holds(None)
        (True, False, False)
        """
        from chainmap.model import regions

        if not isinstance(region_code, str) or not region_code:
            return False
        try:
            return regions.ancestor(region_code, self.level) == self.code
        except (KeyError, ValueError, ChainmapError):  # a code the region table does not know
            return False


def resolve_home(home: str | Home | None = None, profile: Mapping[str, Any] | None = None) -> Home:
    """Resolve ``home`` (adcode or name; None = the profile's home) to a :class:`Home`.

    A :class:`Home` is returned as it is, so callers resolve once and pass it on.

    Examples
    --------
    >>> resolve_home("武义县")
    Home(code='330723', name='武义县', level='county')
    """
    if isinstance(home, Home):
        return home
    from chainmap.model import regions
    from chainmap.model.profile import load_profile

    profile = profile if profile is not None else load_profile()
    query = home if home is not None else profile["home"]["region"]
    code = regions.resolve_region(str(query))  # (a current code: levels() holds it)
    return Home(code=code, name=regions.region_name(code), level=str(regions.levels()[code]))
