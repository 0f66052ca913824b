"""Parses SQL files with Debian's sqlfluff (its own grammar of each dialect, independent of dt-sql-parser).

    /usr/bin/python3 sqlfluff-parse.py --dialect hive|sparksql FILE...

Follows tests/validators' contract: exit 0 and OK when every file parses completely, 1 with
file:line:column: message lines for each unparsable segment or lexing error, 2 on wrong arguments.
Only the parse is checked, not sqlfluff's style rules: the question is whether the engine's grammar
accepts the statement.
"""

import sys
from pathlib import Path

from sqlfluff.core import FluffConfig, Linter


def problems(path: Path, dialect: str) -> list[str]:
    linter = Linter(config=FluffConfig(overrides={"dialect": dialect}))
    parsed = linter.parse_string(path.read_text(encoding="utf-8"), fname=str(path))
    found = [f"{path}:{e.line_no}:{e.line_pos}: {e.desc()}" for e in parsed.violations]
    if found:
        return found
    if parsed.tree is None:
        return [f"{path}: nothing parsed"]
    if not any(True for _ in parsed.tree.recursive_crawl("statement")):
        found.append(f"{path}: no SQL statement")
    return found


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[0] != "--dialect" or argv[1] not in ("hive", "sparksql"):
        print(__doc__, file=sys.stderr)
        return 2
    files = [Path(name) for name in argv[2:]]
    missing = [str(path) for path in files if not path.is_file()]
    if missing:
        print(f"no such file: {', '.join(missing)}", file=sys.stderr)
        return 2
    found = [line for path in files for line in problems(path, argv[1])]
    print("\n".join(found) if found else "OK")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
