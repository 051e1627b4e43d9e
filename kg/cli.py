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
from pathlib import Path

from kg._version import __version__
from kg.errors import KGError

__all__ = ["main"]

Handler = Callable[[argparse.Namespace], int]


def _print_json(obj: object) -> None:
    json.dump(obj, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


# --- commands -----------------------------------------------------------------------------
# Each ``cmd_*`` function takes the parsed arguments and returns an exit code. Heavy libraries
# (rdflib, pyshacl, pyvis) are imported inside the commands that need them.


def cmd_trace(args: argparse.Namespace) -> int:
    from kg.api import get_graph
    from kg.reason.trace import trace

    result = trace(get_graph(args), args.term, forward=args.forward, max_depth=args.depth,
                   within=args.within)
    if args.json:
        _print_json(result.to_dict())
    else:
        sys.stdout.write(result.to_text(limit=args.limit))
    if args.html:
        from kg.render.pages import write_trace_page

        write_trace_page(result, args.html)
        sys.stderr.write(f"wrote {args.html}\n")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from kg.api import get_graph
    from kg.reason.show import show

    info = show(get_graph(args), args.term)
    if args.json:
        _print_json(info.to_dict())
    else:
        sys.stdout.write(info.to_text())
    return 0


# --- SPARQL commands (query, sparql, serve, export) -------------------------------------------


def _param_pairs(pairs: list[str] | None) -> dict[str, str]:
    from kg.errors import QueryError

    out: dict[str, str] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise QueryError(f"--param {pair!r} is not NAME=VALUE; e.g. --param region=lp:groin")
        out[key.strip()] = value
    return out


def cmd_query(args: argparse.Namespace) -> int:
    from kg.sparql.named import get_query, load_queries

    if args.list or not args.name:
        queries = sorted(load_queries().values(), key=lambda q: (q.is_violation_check, q.name))
        for nq in queries:
            params = " ".join(f"{p.name}={p.default or '…'}" for p in nq.params)
            kind = "  (integrity check: no rows when the data is sound)" if (
                nq.is_violation_check) else ""
            sys.stdout.write(f"{nq.name:36s} {nq.title}" + (f"  [{params}]" if params else "")
                             + kind + "\n")
        return 0
    nq = get_query(args.name)
    from kg.sparql.named import resolve_bindings
    from kg.sparql.run import format_result, run_query
    from kg.store.backends import get_backend

    backend = get_backend(endpoint=args.endpoint, data_dir=args.data)
    bindings = resolve_bindings(nq, _param_pairs(args.param), backend)
    result = run_query(backend, nq.text, bindings, check=False)
    sys.stdout.write(format_result(result, args.format))
    return 0


def cmd_sparql(args: argparse.Namespace) -> int:
    from pathlib import Path

    from kg.sparql.run import format_result, run_query
    from kg.store.backends import get_backend

    text = args.query
    if text == "-":
        text = sys.stdin.read()
    elif "\n" not in text and Path(text).is_file():
        text = Path(text).read_text(encoding="utf-8")
    elif text.endswith(".rq"):
        raise KGError(f"no query file {text!r}; give a SPARQL query in quotes or a .rq file")
    result = run_query(get_backend(endpoint=args.endpoint, data_dir=args.data), text)
    sys.stdout.write(format_result(result, args.format))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    if args.endpoint:
        raise KGError("kg serve answers from its own store; drop --endpoint")
    from kg.server.app import serve

    serve(host=args.host, port=args.port, data_dir=args.data, timeout=args.timeout,
          max_rows=args.max_rows, workers=args.workers)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from kg.export import export

    written = export(args.format, output=args.output, data_dir=args.data,
                     endpoint=args.endpoint)
    for path in written:
        sys.stderr.write(f"wrote {path}\n")
    return 0


# --- data quality commands (validate, stats, list) ---------------------------------------


def cmd_validate(args: argparse.Namespace) -> int:
    from kg.store.validate import validate

    if args.endpoint:
        raise KGError("kg validate checks data files, not an endpoint; drop --endpoint "
                      "(use --data DIR for another folder)")
    report = validate(args.data)
    if args.json:
        _print_json(report.to_dict())
    else:
        sys.stdout.write(report.to_text())
    return 0 if report.conforms else 1


def _stats_graph(args: argparse.Namespace):
    """The remote endpoint when --endpoint is given, else the rdflib graph of --data."""
    if args.endpoint:
        from kg.store.backends import get_backend

        return get_backend(endpoint=args.endpoint)
    from kg.store.files import load_rdf

    return load_rdf(args.data)


def cmd_stats(args: argparse.Namespace) -> int:
    from kg.graph.stats import compute_stats, stats_to_text

    stats = compute_stats(_stats_graph(args))
    if args.json:
        _print_json(stats)
    else:
        sys.stdout.write(stats_to_text(stats))
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from kg.api import get_graph
    from kg.graph.stats import check_list_type, list_nodes

    if args.type is not None:
        check_list_type(args.type)  # before loading anything: a bad TYPE is a one-line error
    items = list_nodes(get_graph(args), args.type)
    if args.json:
        _print_json(items)
        return 0
    width = max((len(i["id"]) for i in items), default=0)
    for item in items:
        extra = "" if args.type else "  (" + ", ".join(item["types"]) + ")"
        sys.stdout.write(f"{item['id']:<{width}}  {item['label'] or ''}{extra}\n")
    return 0


def cmd_differential(args: argparse.Namespace) -> int:
    from kg.api import get_graph
    from kg.reason.differential import differential

    write = None
    if args.html:
        from kg.render import pages

        write = getattr(pages, "write_differential_page", None)
        if write is None:
            raise KGError("this build cannot write differential pages yet; use --json")
    result = differential(get_graph(args), args.region, args.finding or (),
                          max_depth=args.depth, leaders=args.leaders,
                          conditions_only=args.conditions, absent=args.absent or (),
                          setting=args.setting)
    if args.json:
        _print_json(result.to_dict())
    else:
        sys.stdout.write(result.to_text(limit=args.limit, detail=args.leaders))
    if write is not None:
        write(result, args.html)
        sys.stderr.write(f"wrote {args.html}\n")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from kg.api import get_graph
    from kg.reason.evaluate import (
        EvaluationReport,
        case_files,
        check_cases,
        evaluate,
        load_cases,
    )

    files = [Path(f) for f in args.cases] if args.cases else case_files()
    G = get_graph(args)
    reports: list[tuple[Path, EvaluationReport]] = []
    for file in files:
        cases = load_cases(file)
        if args.split:
            cases = [c for c in cases if c.split == args.split]
        if not cases:
            continue
        check_cases(G, cases, file)
        reports.append((file, evaluate(G, cases, max_depth=args.depth)))
    if not reports:
        raise KGError(f"no {args.split} cases in {', '.join(f.name for f in files)}")
    if len(reports) == 1:
        file, report = reports[0]
        if args.json:
            _print_json({"file": file.name, **report.to_dict()})
        else:
            sys.stdout.write(report.to_text(verbose=args.verbose))
        return 0
    combined = EvaluationReport([r for _, rep in reports for r in rep.results])
    if args.json:
        _print_json({**combined.to_dict(), "files": [
            {"file": f.name, **rep.to_dict()} for f, rep in reports]})
        return 0
    for file, report in reports:
        sys.stdout.write(f"== {file.name}\n" + report.to_text(verbose=args.verbose) + "\n")
    sys.stdout.write("== all files\n" + combined.to_text())
    return 0


# --- teaching commands (site, quiz) --------------------------------------------------------


def cmd_site(args: argparse.Namespace) -> int:
    from kg.api import get_graph
    from kg.render.site import build_site

    report = build_site(get_graph(args), args.outdir)
    sys.stderr.write(report.summary() + "\n")
    return 0


def cmd_quiz(args: argparse.Namespace) -> int:
    import textwrap

    from kg.api import get_graph
    from kg.reason.quiz import grade, make_quiz, quiz_to_text

    questions = make_quiz(get_graph(args), seed=args.seed, count=args.count)
    if args.json:
        _print_json([q.to_dict() for q in questions])
        return 0
    right = asked = 0
    letters = "abcdefgh"
    for number, q in enumerate(questions, 1):
        sys.stdout.write(("\n" if number > 1 else "") + quiz_to_text(q, number, len(questions))
                         + "\n")
        verdict = None
        while verdict is None:
            sys.stdout.write(f"Your answer (a-{letters[len(q.options) - 1]}): ")
            sys.stdout.flush()
            line = sys.stdin.readline()
            if not line:  # end of input: stop and score what was answered
                sys.stdout.write("\n")
                return _quiz_score(right, asked, len(questions))
            if not sys.stdin.isatty():  # answers piped in: echo them so the transcript reads
                sys.stdout.write(line.strip() + "\n")
            verdict = grade(q, line)
            if verdict is None:
                sys.stdout.write(f"  {line.strip()!r} is not one of the options; answer with a "
                                 f"letter, a number or the option's name.\n")
        asked += 1
        right += verdict
        correct = f"{q.answer_letter}) {next(o.label for o in q.options if o.id == q.answer)}"
        verdict_text = "Correct. " if verdict else f"Not quite: the answer is {correct}. "
        sys.stdout.write(textwrap.fill(verdict_text + q.explanation, 100) + "\n")
        for i, o in enumerate(q.options):
            if o.id != q.answer and o.why_wrong:
                sys.stdout.write(textwrap.fill(f"{letters[i]}) {o.label} is wrong: {o.why_wrong}",
                                               100, initial_indent="  ",
                                               subsequent_indent="    ") + "\n")
        for source in q.sources:
            sys.stdout.write(textwrap.fill(source["citation"], 100, initial_indent="  - ",
                                           subsequent_indent="    ") + "\n")
    return _quiz_score(right, asked, len(questions))


def cmd_flashcards(args: argparse.Namespace) -> int:
    from kg.api import get_graph
    from kg.render.flashcards import build_deck

    report = build_deck(get_graph(args), args.output, seed=args.seed)
    sys.stderr.write(report.summary() + "\n")
    return 0


def _quiz_score(right: int, asked: int, total: int) -> int:
    from kg.explain.words import DISCLAIMER

    sys.stdout.write(f"\nScore: {right} of {asked} answered correctly ({total} asked).\n"
                     f"{DISCLAIMER}\n")
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
                        help="read the graph from this folder of .ttl files instead of the "
                        "shipped data")
    parser.add_argument("--endpoint", metavar="URL", default=None,
                        help="answer from this SPARQL 1.1 endpoint instead of the embedded store")
    parser.add_argument("--with-uberon", action="store_true",
                        help="merge the whole UBERON release (pip install "
                        "'lumbopelvic-kg[uberon]') to climb its hierarchy and know its synonyms")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    p = sub.add_parser("trace", help="candidate sources of pain felt in a region (or, with "
                       "--forward, the regions a source can hurt)")
    p.add_argument("term", metavar="REGION",
                   help="region (or source with --forward): id, label or synonym")
    p.add_argument("--forward", action="store_true", help="trace from a source to where it is felt")
    p.add_argument("--depth", type=int, default=4, help="longest route, in relations (default 4)")
    p.add_argument("--limit", type=int, default=15,
                   help="candidates shown in the table (default 15)")
    p.add_argument("--within", metavar="CLASS",
                   help="only candidates that are part or a kind of this UBERON class "
                   "(needs --with-uberon), e.g. 'hip muscle'")
    p.add_argument("--json", action="store_true", help="print the stable JSON schema")
    p.add_argument("--html", metavar="FILE", help="also write an interactive offline page")
    p.set_defaults(func=cmd_trace)

    p = sub.add_parser("show", help="everything the graph says about one entity")
    p.add_argument("term", metavar="TERM", help="id, CURIE, label or synonym")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("query", help="run a named query from queries/ (see --list)")
    p.add_argument("name", nargs="?", metavar="NAME", help="query name, e.g. region-candidates")
    p.add_argument("--list", action="store_true",
                   help="list the named queries and their parameters")
    p.add_argument("--param", action="append", metavar="NAME=VALUE",
                   help="bind a parameter (repeatable); IRIs as lp:groin, a label or a full IRI")
    p.add_argument("--format", choices=["table", "json", "csv", "tsv", "xml", "turtle", "nt",
                                        "jsonld"], default=None,
                   help="table (default), W3C json/csv/tsv/xml; turtle/nt/jsonld for graphs")
    p.set_defaults(func=cmd_query)

    p = sub.add_parser("sparql",
                       help="run a read-only SPARQL query (text, .rq file or - for stdin)")
    p.add_argument("query", metavar="QUERY|FILE", help="SPARQL text, a .rq file, or - for stdin; "
                   "the project prefixes (kg:, lp:, obo: …) are declared for you")
    p.add_argument("--format", choices=["table", "json", "csv", "tsv", "xml", "turtle", "nt",
                                        "jsonld"], default=None,
                   help="table (default), W3C json/csv/tsv/xml; turtle/nt/jsonld for graphs")
    p.set_defaults(func=cmd_sparql)

    p = sub.add_parser("serve", help="serve the graph as a read-only SPARQL 1.1 endpoint")
    p.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=7878, help="port (default 7878)")
    p.add_argument("--timeout", type=float, default=10.0,
                   help="seconds a query may run before it is cancelled (default 10)")
    p.add_argument("--max-rows", type=int, default=100_000,
                   help="largest result returned, in rows or triples (default 100000)")
    p.add_argument("--workers", type=int, default=None,
                   help="query worker processes (default: number of CPUs, at least 2)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("export", help="write the graph for triple stores (ttl, nt, jsonld) or "
                       "network tools (graphml, csv edge list)")
    p.add_argument("--format", choices=["ttl", "nt", "jsonld", "graphml", "csv"], default="ttl",
                   help="output format (default ttl)")
    p.add_argument("-o", "--output", metavar="FILE", default=None,
                   help="write here instead of standard output (csv also writes FILE's "
                   "-nodes.csv companion and the SSSOM mappings next to it)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("validate", help="check the data against the SHACL shapes "
                       "(exit 0 conforms, 1 violations, 2 unreadable file)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("stats", help="counts of entities, relation assertions, evidence "
                       "and sources")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser("list", help="entities of one type with ids and labels")
    p.add_argument("type", metavar="TYPE", nargs="?", default=None,
                   help="regions, findings, red-flags, conditions, structures, dermatomes, "
                   "tests or sources (default: every entity)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("site", help="build the offline teaching atlas (body map, region and "
                       "entity pages, explorer, quiz) into a folder")
    p.add_argument("outdir", metavar="OUTDIR", help="folder to write the site into (created if "
                   "needed); open OUTDIR/index.html")
    p.set_defaults(func=cmd_site)

    p = sub.add_parser("quiz", help="answer questions generated from the graph, graded with "
                       "explanations and sources (answers are read from standard input)")
    p.add_argument("--seed", type=int, default=None, help="same seed, same questions")
    p.add_argument("--count", type=int, default=5, help="number of questions (default 5)")
    p.add_argument("--json", action="store_true", help="print the questions with their answers "
                   "as JSON instead of asking (non-interactive)")
    p.set_defaults(func=cmd_quiz)

    p = sub.add_parser("flashcards", help="write the quiz bank as a cited Anki deck (.apkg), one "
                       "note type per question kind; rebuilt decks update on re-import")
    p.add_argument("-o", "--output", required=True, metavar="FILE",
                   help="the deck file to write, such as deck.apkg (written atomically)")
    p.add_argument("--seed", type=int, default=0, help="which justified wrong options a "
                   "choice question shows (notes keep their ids whatever the seed)")
    p.set_defaults(func=cmd_flashcards)

    p = sub.add_parser("differential", help="ranked, explained candidate sources of pain in "
                       "one or more regions, weighed by findings, red flags first")
    p.add_argument("--region", "-r", action="append", required=True, metavar="REGION",
                   help="a painful region (id, label or synonym); repeat for several")
    p.add_argument("--finding", "-f", action="append", metavar="FINDING",
                   help="a symptom or sign (see `kg list findings`); repeat for several")
    p.add_argument("--depth", type=int, default=4, help="longest route, in relations (default 4)")
    p.add_argument("--limit", type=int, default=10, help="candidates in the table (default 10)")
    p.add_argument("--leaders", type=int, default=5,
                   help="leading candidates explained in full, with tests to do next (default 5)")
    p.add_argument("--conditions", action="store_true",
                   help="rank clinical conditions only; structures show inside their routes")
    p.add_argument("--absent", "-a", action="append", metavar="FINDING",
                   help="a symptom or sign stated absent (weighed by its LR-); repeatable")
    p.add_argument("--setting", default=None, metavar="SETTING",
                   help="where the patient is seen, choosing the priors measured there: "
                   "primary-care, sports, emergency or specialist (default: any setting)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--html", metavar="FILE", help="also write an offline page")
    p.set_defaults(func=cmd_differential)

    p = sub.add_parser("evaluate", help="run the differential over the cited clinical cases and "
                       "print top-1/3/5 accuracy, red-flag sensitivity and false alarms")
    p.add_argument("--cases", metavar="FILE", action="append", default=None,
                   help="cases file (.toml or .json); repeatable (default: every file in "
                   "data/cases/, reported per file)")
    p.add_argument("--split", choices=["dev", "frozen"], default=None,
                   help="only the cases of this split (frozen cases are never used for tuning)")
    p.add_argument("--depth", type=int, default=4, help="longest route, in relations (default 4)")
    p.add_argument("--verbose", "-v", action="store_true", help="one line per case")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_evaluate)

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
    except BrokenPipeError:  # `kg show X | head`: the reader left; say nothing more
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
