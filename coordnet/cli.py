"""The ``coordnet`` command line: thin wrappers over the library (the only module importing click).

Exit status: 0 success; 1 an error in the data, parameters or environment (a short
message says what and how to fix it); 2 a usage error (unknown option, bad value);
130 interrupted (Ctrl-C), 143 killed (SIGTERM); no output file is left half-written.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import signal
import sys
import traceback
from typing import Any, Callable

import click

from ._version import __version__
from .config import Config
from .errors import CoordnetError
from .platforms import PLATFORM_FORMATS
from .simulate import GroupSpec as _GroupSpec, SimParams as _SimParams

log = logging.getLogger("coordnet")

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class _Progress:
    """Draws ``stage  [#####.....]  42 %  12.3 s`` on stderr (a terminal, not ``-q``).

    Each stage keeps one line while it runs (bar from the library's ``done/total``,
    elapsed seconds of the stage); when the next stage starts, the finished one is left
    on screen with its duration, so a long run shows where the time went.
    """

    WIDTH = 20

    def __init__(self, enabled: bool) -> None:
        import time

        self._clock = time.perf_counter
        self.enabled = enabled and sys.stderr.isatty()
        self.last = ""
        self.stage = ""
        self.t_stage = self._clock()

    def _line(self, stage: str, done: int, total: int) -> str:
        frac = min(max(done / total, 0.0), 1.0) if total else 0.0
        fill = int(round(frac * self.WIDTH))
        bar = "[" + "#" * fill + "." * (self.WIDTH - fill) + "]"
        return f"{stage:<28} {bar} {100 * frac:3.0f} % {self._clock() - self.t_stage:7.1f} s"

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        if stage != self.stage:
            if self.stage:  # leave the finished stage on screen, with its duration
                sys.stderr.write("\r" + self._line(self.stage, 1, 1).ljust(70) + "\n")
            self.stage, self.t_stage = stage, self._clock()
        line = self._line(stage, done, total)
        if line != self.last:
            sys.stderr.write("\r" + line.ljust(70))
            sys.stderr.flush()
            self.last = line

    def close(self) -> None:
        if self.enabled and self.last:
            sys.stderr.write("\r" + " " * 70 + "\r")
            sys.stderr.flush()


_INTERRUPTED_MSG = ("\nInterrupted: no output file was left half-written; the output folder "
                    "holds only the files finished before. Run again with --force to redo it.")
#: Signals (SIGINT, SIGTERM) received during the current command, in order.
_RECEIVED: list[int] = []


def _on_sigint(signum: int, frame: Any) -> None:
    """Ctrl-C: remembered, then raised as Python does (KeyboardInterrupt)."""
    _RECEIVED.append(signum)
    raise KeyboardInterrupt


class _SignalsNoted:
    """For the length of a command (main thread only): Ctrl-C is remembered as well as raised,
    so that a run that went on after its KeyboardInterrupt was caught and dropped (by code
    it calls: a broad ``except``, or C code that clears Python errors) still ends as
    interrupted, never with exit 0. A SIGINT handler other than Python's own (or SIGINT
    ignored, as in a background job) is left as it is."""

    def __enter__(self) -> list[int]:
        import threading

        _RECEIVED.clear()
        self.saved: Any = None
        if threading.current_thread() is threading.main_thread() and \
                signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            self.saved = signal.signal(signal.SIGINT, _on_sigint)
        return _RECEIVED

    def __exit__(self, *exc: Any) -> None:
        if self.saved is not None:
            signal.signal(signal.SIGINT, self.saved)


def _handle_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Map library errors to a short message and exit 1; tracebacks only with --debug;
    an interrupt to its message and exit 130 (143: SIGTERM)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with _SignalsNoted() as received:
            result = _run(fn, args, kwargs)
            if received:  # interrupted, but its KeyboardInterrupt was swallowed on the way
                click.echo(_INTERRUPTED_MSG, err=True)
                sys.exit(_Terminated.exit_code if signal.SIGTERM in received else 130)
            return result

    return wrapper


def _run(fn: Callable[..., Any], args: Any, kwargs: Any) -> Any:
    """``fn(*args, **kwargs)``, its errors mapped (see :func:`_handle_errors`)."""
    debug = click.get_current_context().find_root().params.get("debug", False)
    try:
        return fn(*args, **kwargs)
    except click.exceptions.Exit:
        raise
    except (click.ClickException, click.Abort):
        raise
    except CoordnetError as e:
        if debug:
            traceback.print_exc()
        raise click.ClickException(str(e)) from None
    except KeyboardInterrupt as e:
        click.echo(_INTERRUPTED_MSG, err=True)
        sys.exit(getattr(e, "exit_code", 130))
    except MemoryError:
        raise click.ClickException(
            "out of memory.\nFix: use a smaller window, or a machine with more memory.") from None
    except Exception as e:  # a bug: say so, briefly
        if debug:
            traceback.print_exc()
            sys.exit(1)
        raise click.ClickException(
            f"unexpected internal error ({type(e).__name__}: {e}).\n"
            "This is a bug in coordnet: run again with --debug to see the details and "
            "please report it.") from None


def _config_options(*stages: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Add one option per :class:`Config` field of these stages, with its default and help."""
    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        return _add_config_options(fn, stages)
    return deco


def _add_config_options(fn: Callable[..., Any], stages: tuple[str, ...]) -> Callable[..., Any]:
    for f in reversed(dataclasses.fields(Config)):
        if not f.metadata.get("cli", True) or f.metadata.get("stage", "graph") not in stages:
            continue
        default = f.default
        name = "--" + f.name.replace("_", "-")
        if isinstance(default, tuple):
            opt = click.option(name, f.name, default=",".join(f"{x:g}" if isinstance(x, float) else str(x) for x in default), show_default=True,
                               metavar=f.metadata.get("metavar"), help=f.metadata["help"])
        elif f.metadata.get("choices"):  # a bad value is a usage error (exit 2)
            opt = click.option(name, f.name, default=default, show_default=True,
                               type=click.Choice(f.metadata["choices"], case_sensitive=False),
                               help=f.metadata["help"])
        else:
            opt = click.option(name, f.name, default=default, type=type(default), show_default=True,
                               metavar=f.metadata.get("metavar"), help=f.metadata["help"])
        fn = opt(fn)
    return fn


def _config_from(params: dict[str, Any]) -> Config:
    names = {f.name for f in dataclasses.fields(Config)}
    return Config(**{k: v for k, v in params.items() if k in names})


def _input_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    opts = [
        click.option("--format", "fmt", default="auto", show_default=True,
                     type=click.Choice(["auto", "csv", "tsv", "jsonl", "json", "parquet",
                                        "twitter-v1", "twitter-v2", "twarc-csv", "bluesky",
                                        "mastodon", "telegram"]),
                     help="Input format; auto decides from the file name and content (platform "
                          "exports are recognised from their content)."),
        click.option("--delimiter", default=None,
                     help="Column delimiter of delimited text (',', ';', '|' or 'tab'); sniffed "
                          "when omitted."),
        click.option("--encoding", default="utf-8", show_default=True,
                     help="Text encoding of the input (e.g. latin-1, cp1252)."),
        click.option("--source-col", default=None, metavar="NAME",
                     help="Column holding the acting account (retweeter, mentioner …)."),
        click.option("--target-col", default=None, metavar="NAME",
                     help="Column holding the amplified account."),
        click.option("--time-col", default=None, metavar="NAME", help="Column holding the time."),
        click.option("--type-col", default=None, metavar="NAME",
                     help="Column holding the action type (retweet, quote, reply, mention)."),
        click.option("--id-col", default=None, metavar="NAME",
                     help="Column holding the action's own post id."),
        click.option("--object-col", default=None, metavar="NAME",
                     help="Column holding the id of the post amplified."),
        click.option("--weight-col", default=None, metavar="NAME",
                     help="Column holding a count for pre-aggregated edge lists."),
    ]
    for opt in reversed(opts):
        fn = opt(fn)
    return fn


def _io_arguments(fn: Callable[..., Any]) -> Callable[..., Any]:
    """INPUT, -o/--output and --force, shared by the commands that read and write."""
    fn = click.option("--force", is_flag=True,
                      help="Overwrite the files of an earlier run in the output folder.")(fn)
    fn = click.option("-o", "--output", "out_dir", required=True, type=click.Path(file_okay=True),
                      help="Folder to write the results into (created; must be empty unless "
                           "--force).")(fn)
    return click.argument("input", type=click.Path(dir_okay=True, allow_dash=True))(fn)


def _columns(kw: dict[str, Any]) -> dict[str, str]:
    pairs = {"source": "source_col", "target": "target_col", "timestamp": "time_col",
             "type": "type_col", "id": "id_col", "object_id": "object_col", "weight": "weight_col"}
    return {f: kw[k] for f, k in pairs.items() if kw.get(k)}


def _say(ctx: click.Context, msg: str = "") -> None:
    if not ctx.find_root().params.get("quiet"):
        click.echo(msg)


@click.group(context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", prog_name="coordnet")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors (no progress, no summary).")
@click.option("-v", "--verbose", count=True, help="Log what is being done (-vv for more).")
@click.option("--debug", is_flag=True, help="Show the full Python traceback on errors.")
def cli(quiet: bool, verbose: int, debug: bool) -> None:
    """coordnet: find coordinated amplification in social-media data.

    Give it an edge list of retweets / mentions / replies (CSV, TSV, JSON Lines,
    Parquet; compressed or not) or a platform export (Twitter/X, Bluesky, Mastodon,
    Telegram): `analyze` finds coordinated clusters and writes a report folder, `graph`
    writes the account graphs only, `plot` redraws a report's figures, `simulate` writes
    synthetic test data.
    """
    level = logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    log.handlers[:] = [handler]
    log.setLevel(level)
    log.propagate = False


@cli.command(context_settings=CONTEXT)
@_io_arguments
@_input_options
@_config_options("graph")
@_handle_errors
def graph(input: str, out_dir: str, force: bool, fmt: str, delimiter: str | None,
          encoding: str, **kw: Any) -> None:
    """Read INPUT and write its account graphs (CSV, GraphML, GEXF) into a folder.

    INPUT is an edge list with one row per action ('-' reads standard input). The
    columns are recognised by name (source/target, from/to, account_id/object_id,
    created_at …); name them explicitly with --source-col and friends.

    Python equivalent: coordnet.run_graph(INPUT, OUTPUT, config=coordnet.Config(...)).
    """
    from .pipeline import run_graph

    ctx = click.get_current_context()
    config = _config_from(kw)
    progress = _Progress(not ctx.find_root().params.get("quiet"))
    try:
        run = run_graph(input, out_dir, config=config, columns=_columns(kw), format=fmt,
                        delimiter=delimiter, encoding=encoding, force=force, progress=progress)
    finally:
        progress.close()
    _print_read(ctx, run.read)
    g = run.summary["graphs"]
    _say(ctx, f"Graphs:   {g['accounts']:,} accounts; {g['amplification_edges']:,} amplification "
              f"edges; {g['coaction_edges']:,} co-action pairs (window {config.window:g} s, "
              f"{'/'.join(config.action_types)}, same {g['coaction_key'] or '-'})")
    for note in g["notes"]:
        _say(ctx, f"Note:     {note}")
    _say(ctx, f"Wrote {len(run.files)} files to {run.out_dir}/: {', '.join(run.files)}")


@cli.command(context_settings=CONTEXT)
@_io_arguments
@click.option("--lang", type=click.Choice(["en", "fr"]), default="en", show_default=True,
              help="Language of report.md, report.html and the figures (fr: français).")
@click.option("--all-evidence", is_flag=True,
              help="Write the evidence of every linked pair, not only of flagged clusters.")
@click.option("--no-figures", is_flag=True, help="Do not draw the figures (faster on huge data).")
@_input_options
@_config_options("graph", "detect")
@_handle_errors
def analyze(input: str, out_dir: str, force: bool, lang: str, all_evidence: bool, no_figures: bool,
            fmt: str, delimiter: str | None, encoding: str, **kw: Any) -> None:
    """Find coordinated-amplification clusters in INPUT and write a report folder.

    Writes clusters.csv, accounts.csv, evidence.csv, pairs.csv, report.md, report.html
    (self-contained, figures embedded), summary.json, Gephi files, figures/ and tables/
    (Parquet, for `coordnet plot`). Every flag comes from calibrated tests (see the method
    in the docs); a cluster is a pattern of behaviour, not proof of intent.

    Python equivalent: coordnet.run_analyze(INPUT, OUTPUT, config=coordnet.Config(...)).
    """
    from .pipeline import run_analyze

    ctx = click.get_current_context()
    config = _config_from(kw)
    progress = _Progress(not ctx.find_root().params.get("quiet"))
    try:
        run = run_analyze(input, out_dir, config=config, columns=_columns(kw), format=fmt,
                          delimiter=delimiter, encoding=encoding, force=force,
                          all_evidence=all_evidence, lang=lang, figures=not no_figures,
                          progress=progress)
    finally:
        progress.close()
    _print_read(ctx, run.read)
    from .report import headline

    res = run.result
    d = run.summary["detection"]
    _say(ctx, f"Tests:    {d['n_tested']:,} account pairs tested for synchrony, "
              f"{d['pairs_significant']:,} significant; {d['edges_significant']:,} significant "
              f"amplification edges; {d['candidate_clusters']} candidate cluster(s)")
    if res.flagged.empty:
        _say(ctx, "Result:   no coordinated cluster found.")
    else:
        _say(ctx, "")
        _say(ctx, f"{'cluster':>7} {'tier':<9} {'size':>5} {'targets':>7} {'actions':>8} "
                  f"{'<60s':>6} {'lift':>7} {'p':>8}")
        for _, r in res.flagged.iterrows():
            lift = "inf" if r["lift"] == float("inf") else f"{r['lift']:.1f}"
            s60 = "-" if r["share_within_60s"] != r["share_within_60s"] else f"{r['share_within_60s']:.0%}"
            _say(ctx, f"{int(r['cluster']):>7} {r['tier']:<9} {int(r['size']):>5} {int(r['n_targets']):>7} "
                      f"{int(r['actions']):>8} {s60:>6} {lift:>7} {r['p_value']:>8.4f}")
        _say(ctx, "")
        what = "posts" if res.info.get("object_key", "object_id") == "object_id" else "accounts"
        for _, r in res.flagged.iterrows():
            _say(ctx, "Headline: " + headline(r, lang, what=what))
    _say(ctx, f"Wrote {len(run.files)} files to {run.out_dir}/: {', '.join(run.files)}")


@cli.command(context_settings=CONTEXT)
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@click.option("--lang", type=click.Choice(["en", "fr"]), default=None,
              help="Language of the figures and report.html  [default: the analysis's]")
@click.option("--title", default=None, help="Title of the network map and of report.html.")
@click.option("--cluster", type=int, default=None,
              help="Redraw the figures of this flagged cluster only (see clusters.csv).")
@click.option("--size", "width", type=click.FloatRange(min=1, max=40), default=6.0, show_default=True,
              help="Figure width in inches (6 = a newspaper column, 1,200 px at 200 dpi).")
@_handle_errors
def plot(folder: str, lang: str | None, title: str | None, cluster: int | None, width: float) -> None:
    """Redraw the figures and report.html of a finished analysis FOLDER (no recomputing).

    FOLDER is the output folder of `coordnet analyze`. The figures (figures/*.png, *.svg)
    and report.html are written again; the tables and report.md are left as they are.

    Python equivalent: coordnet.plot.redraw(FOLDER, lang=..., title=..., cluster=..., width=...).
    """
    from .plot import redraw

    ctx = click.get_current_context()
    files = redraw(folder, lang=lang, title=title, cluster=cluster, width=width)
    _say(ctx, f"Wrote {len(files)} files to {folder}/: {', '.join(files)}")


def _field_defaults(cls: type) -> dict[str, Any]:
    return {f.name: f.default for f in dataclasses.fields(cls)}


# the simulator's defaults live in its parameter dataclasses; the options below read them
_SIM, _GROUP = _field_defaults(_SimParams), _field_defaults(_GroupSpec)


@cli.command(context_settings=CONTEXT)
@click.option("-o", "--output", "out_file", required=True, type=click.Path(dir_okay=False),
              help="Actions file to write (CSV, .csv.gz compressed); the ground truth goes beside "
                   "it as <stem>_truth.csv (account, group, role).")
@click.option("--force", is_flag=True, help="Overwrite existing files.")
@click.option("--seed", type=int, default=_SIM["seed"], show_default=True, help="Seed: same seed, same data.")
@click.option("--accounts", type=int, default=_SIM["n_accounts"], show_default=True, help="Organic accounts.")
@click.option("--actions", type=int, default=_SIM["n_actions"], show_default=True,
              help="Organic retweets (before viral posts, friend circles, hyperactive accounts).")
@click.option("--hours", type=float, default=_SIM["hours"], show_default=True, help="Length of the data.")
@click.option("--no-group", is_flag=True, help="Plant no coordinated group (a null data set).")
@click.option("--group-size", type=int, default=_GROUP["size"], show_default=True, help="Members of the planted group.")
@click.option("--group-posts", type=int, default=_GROUP["n_posts"], show_default=True,
              help="Coordinated posts (bursts) of the planted group.")
@click.option("--participation", type=float, default=_GROUP["participation"], show_default=True,
              help="Probability that a member joins a burst.")
@click.option("--targets", type=click.Choice(["own", "outside"]), default=_GROUP["targets"], show_default=True,
              help="The group boosts its own posts, or the posts of outside accounts.")
@click.option("--jitter", type=float, default=_GROUP["jitter"], show_default=True, metavar="SECONDS",
              help="Mean delay between a post and each member's retweet.")
@click.option("--camouflage", type=float, default=_GROUP["camouflage"], show_default=True,
              help="Normal-looking retweets of popular posts, as a multiple of the coordinated volume.")
@click.option("--rotation", type=int, default=_GROUP["rotation"], show_default=True,
              help="Shifts the members are split into (each burst done by one shift).")
@_handle_errors
def simulate(out_file: str, force: bool, seed: int, accounts: int, actions: int, hours: float,
             no_group: bool, group_size: int, group_posts: int, participation: float, targets: str,
             jitter: float, camouflage: float, rotation: int) -> None:
    """Write a SYNTHETIC retweet data set with a planted coordinated group, and its truth.

    The organic background has heavy-tailed activity and popularity, like-minded
    communities, viral posts, friend circles and hyperactive accounts; the planted group
    follows the knobs below. For benchmarks and demonstrations only: no real account.

    Python equivalent: coordnet.write_simulation(coordnet.simulate(...), FILE).
    """
    from .simulate import GroupSpec, SimParams, simulate as sim_fn, write_simulation

    ctx = click.get_current_context()
    groups = () if no_group else (GroupSpec(size=group_size, n_posts=group_posts,
                                            participation=participation, targets=targets,
                                            jitter=jitter, camouflage=camouflage, rotation=rotation),)
    sim = sim_fn(SimParams(n_accounts=accounts, n_actions=actions, n_posts=max(1, accounts),
                           hours=hours, groups=groups, seed=seed))
    data, truth = write_simulation(sim, out_file, force=force)
    _say(ctx, f"Wrote {len(sim.actions):,} retweets by {sim.actions['source'].nunique():,} accounts "
              f"to {data}; ground truth ({len(sim.truth)} planted accounts) to {truth}")


def _print_read(ctx: click.Context, read: Any) -> None:
    s = read.summary()
    _say(ctx, f"Read:     {s['input']} ({s['format']}{', ' + s['compression'] if s['compression'] else ''})")
    if s["format"] in PLATFORM_FORMATS:
        _say(ctx, f"Columns:  actions derived from each post of the {s['format']} export "
                  "(author → source, amplified author → target, amplified post → object_id; "
                  "see the input formats in the docs)")
    else:
        _say(ctx, "Columns:  " + ", ".join(f"{c!r} → {f}" for f, c in s["mapping"].items())
             + (f"; ignored: {', '.join(map(repr, s['ignored_columns']))}" if s["ignored_columns"] else ""))
    _say(ctx, f"Rows:     {read.rows_read:,} read, {read.rows_kept:,} kept, {read.rows_rejected:,} "
              f"rejected, {read.rows_duplicate:,} duplicate")
    for reason, n in s["rejected_by_reason"].items():
        _say(ctx, f"          {n:,} × {reason}")
    types = ", ".join(f"{n:,} {t}" for t, n in s["types"].items())
    _say(ctx, f"Data:     {s['accounts']:,} accounts; {types}")
    if s["first_time"]:
        _say(ctx, f"Period:   {s['first_time']} → {s['last_time']} (UTC)")
    for note in s["notes"]:
        _say(ctx, f"Note:     {note}")


class _Terminated(KeyboardInterrupt):
    """SIGTERM (``kill``), raised like Ctrl-C so that temporary files are removed."""

    exit_code = 143


def _on_sigterm(signum: int, frame: Any) -> None:
    _RECEIVED.append(signum)
    raise _Terminated()


def main() -> None:  # pragma: no cover - console-script entry point
    # kill (SIGTERM) unwinds like Ctrl-C: atomic writes delete their temporary file
    signal.signal(signal.SIGTERM, _on_sigterm)
    cli(prog_name="coordnet")


if __name__ == "__main__":  # pragma: no cover
    main()
