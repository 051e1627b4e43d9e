"""The ``kg`` command: a thin layer over the library.

Each command parses its arguments, calls one or two library functions, formats the result and
turns the library's own errors into a one-line message.

Exit codes: 0 success; 1 the data does not conform (``kg validate``); 2 bad input (unknown
term, malformed query, unreadable data file); 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence

from . import __version__
from .errors import KGError

__all__ = ["main"]

Handler = Callable[[argparse.Namespace], int]


def _print_json(obj: object) -> None:
    json.dump(obj, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


# --- commands -----------------------------------------------------------------------------
# Each ``cmd_*`` function takes the parsed arguments and returns an exit code. Heavy libraries
# (rdflib, pyshacl, pyvis) are imported inside the commands that need them.


def cmd_trace(args: argparse.Namespace) -> int:
    from .api import get_graph
    from .trace import trace

    result = trace(get_graph(args), args.term, forward=args.forward, max_depth=args.depth)
    if args.json:
        _print_json(result.to_dict())
    else:
        sys.stdout.write(result.to_text(limit=args.limit))
    if args.html:
        from .pages import write_trace_page

        write_trace_page(result, args.html)
        sys.stderr.write(f"wrote {args.html}\n")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from .api import get_graph
    from .show import show

    info = show(get_graph(args), args.term)
    if args.json:
        _print_json(info.to_dict())
    else:
        sys.stdout.write(info.to_text())
    return 0


# --- parser ---------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kg",
        description="Trace and explain cited referral routes of lumbopelvic pain. "
        "A teaching and reasoning aid, not a diagnostic device.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--data", metavar="DIR", default=None,
                        help="read the graph from this folder of .ttl files instead of the shipped data")
    parser.add_argument("--endpoint", metavar="URL", default=None,
                        help="answer from this SPARQL 1.1 endpoint instead of the embedded store")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    p = sub.add_parser("trace", help="candidate sources of pain felt in a region (or, with "
                       "--forward, the regions a source can hurt)")
    p.add_argument("term", metavar="REGION", help="region (or source with --forward): id, label or synonym")
    p.add_argument("--forward", action="store_true", help="trace from a source to where it is felt")
    p.add_argument("--depth", type=int, default=4, help="longest route, in relations (default 4)")
    p.add_argument("--limit", type=int, default=15, help="candidates shown in the table (default 15)")
    p.add_argument("--json", action="store_true", help="print the stable JSON schema")
    p.add_argument("--html", metavar="FILE", help="also write an interactive offline page")
    p.set_defaults(func=cmd_trace)

    p = sub.add_parser("show", help="everything the graph says about one entity")
    p.add_argument("term", metavar="TERM", help="id, CURIE, label or synonym")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_show)

    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (also used by tests, in-process)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.func
    try:
        return handler(args)
    except KGError as exc:
        sys.stderr.write(f"kg: error: {exc}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("kg: interrupted\n")
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
