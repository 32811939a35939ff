"""Asterisk configuration that says how its CSV files are laid out.

cdr_custom and cel_custom write whatever columns their `[mappings]` template names, so
the readers look for the template next to the data: `cdr_custom.conf` / `cel_custom.conf`
in the file's folder, in `etc/` beside it or above it, or in /etc/asterisk. Without one,
cel_custom files are read in the order of Asterisk's sample cel_custom.conf.
"""

from __future__ import annotations

import configparser
import re
from pathlib import Path

_EXPRESSION = re.compile(r"\$\{(?:CSV_QUOTE\()?\$\{([A-Za-z_]+)(?:\(([^)]*)\))?\}\)?\}|"
                         r"\$\{([A-Za-z_]+)(?:\(([^)]*)\))?\}")


def find_conf(data_file: Path, name: str) -> Path | None:
    folder = data_file.resolve().parent
    for candidate in (folder / name, folder / "etc" / name, folder.parent / "etc" / name,
                      folder / "asterisk" / name, Path("/etc/asterisk") / name):
        if candidate.is_file():
            return candidate
    return None


def column_name(function: str, argument: str | None) -> str:
    """`CDR(clid)` → clid, `CALLERID(name)` → cid_name, `CHANNEL(uniqueid)` → uniqueid,
    `BRIDGEPEER` → peer, `eventtype` → eventtype."""
    function = function.upper()
    if argument:
        arg = argument.strip().lower()
        return f"cid_{arg}" if function == "CALLERID" else arg
    return {"BRIDGEPEER": "peer"}.get(function, function.lower())


def template_columns(template: str) -> list[str]:
    """Column names, in order, of one cdr_custom/cel_custom template."""
    columns = []
    for match in _EXPRESSION.finditer(template):
        function, argument = (match.group(1), match.group(2)) if match.group(1) else \
            (match.group(3), match.group(4))
        columns.append(column_name(function, argument))
    return columns


def mapping_columns(conf: Path, data_file: Path) -> list[str] | None:
    """The columns of the `[mappings]` entry whose file name ends the data file's name."""
    parser = configparser.ConfigParser(delimiters=("=>",), interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    try:
        parser.read(conf, encoding="utf-8")
    except configparser.Error:
        return None
    if not parser.has_section("mappings"):
        return None
    entries = list(parser.items("mappings"))
    if not entries:
        return None
    name = data_file.name.lower()
    chosen = next((template for file, template in entries if name.endswith(file.strip().lower())),
                  entries[0][1])
    return template_columns(chosen) or None


def uses_gmt(data_file: Path) -> bool:
    """cdr.conf `usegmtime = yes`: CDR times are UTC."""
    conf = find_conf(data_file, "cdr.conf")
    if conf is None:
        return False
    text = conf.read_text("utf-8", errors="replace")
    return bool(re.search(r"^\s*usegmtime\s*=\s*(yes|true|1)\b", text, re.MULTILINE | re.I))
