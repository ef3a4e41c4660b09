"""Regenerate the figure gallery (``docs/gallery.md`` and ``docs/gallery/``).

Usage (from the project root)::

    python docs/make_gallery.py coordnet/data/campaign.csv ../shared/data/russian_coord_tweets.csv

Each input file is analysed with the default parameters and gets a section with every figure
``coordnet analyze`` draws for it (PNG at 100 dpi to keep the docs small; the real outputs
are 200 dpi PNG + SVG). The first input also gets its network map and timeline in French and,
when Chromium is installed, screenshots of its ``report.html`` on a desktop and a phone. The
same inputs give the same files, so re-running after a change shows in ``git diff`` exactly
which pictures changed.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

DOCS = Path(__file__).resolve().parent
DPI = 100

TITLES = {
    "network_map": "Network map", "timeline": "Timeline", "delays": "Delay distribution",
    "cluster": "Cluster close-up", "raster": "Lockstep raster", "matrix": "Amplification matrix",
}


def _save(fig, path: Path) -> None:
    import matplotlib

    with matplotlib.rc_context({"svg.hashsalt": "coordnet"}):
        fig.savefig(path, format="png", dpi=DPI, metadata={"Software": None})


def _screens(html: Path, out: Path, stem: str) -> list[tuple[str, str]]:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("Chromium not found: no report screenshots", file=sys.stderr)
        return []
    from PIL import Image

    shots = []
    for label, (w, h, keep) in {"desktop": (1280, 2200, 640), "phone": (390, 1800, 300)}.items():
        png = out / f"{stem}_report_{label}.png"
        with tempfile.TemporaryDirectory() as prof:
            subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                            "--no-first-run", "--disable-background-networking",
                            "--disable-component-update", "--disable-sync", "--hide-scrollbars",
                            f"--user-data-dir={prof}", f"--screenshot={png}", f"--window-size={w},{h}",
                            html.as_uri()], capture_output=True, timeout=120, check=True)
        img = Image.open(png).convert("RGB")
        img = img.resize((keep, round(img.height * keep / img.width)), Image.LANCZOS)
        img = img.quantize(colors=128, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
        img.save(png, optimize=True)
        shots.append((label, png.name))
    return shots


def section(path: Path, out: Path, *, french: bool, screenshots: bool) -> list[str]:
    import coordnet
    from coordnet import plot

    stem = path.name.split(".")[0]
    with tempfile.TemporaryDirectory() as tmp:
        run = coordnet.run_analyze(path, Path(tmp) / "o", figures=screenshots)
        res, s = run.result, run.summary
        flagged = res.flagged
        lines = [f"## `{path.name}`", "",
                 f"{s['rows_kept']:,} actions by {s['data']['accounts']:,} accounts, "
                 f"{s['data']['first_time'][:10]} to {s['data']['last_time'][:10]}; "
                 f"{len(flagged)} flagged cluster(s) with the default parameters.", "",
                 f"```\ncoordnet analyze {path.name} -o out\n```", ""]
        figs = [("network_map", plot.network_map(res, source=str(path))),
                ("timeline", plot.timeline(res, source=str(path)))]
        if not flagged.empty and res.actions["object_id"].notna().any():
            figs.append(("delays", plot.delay_distribution(res, source=str(path))))
        for c in flagged["cluster"].astype(int).head(2):
            figs.append((f"cluster_{c}", plot.cluster_closeup(res, c, source=str(path))))
            figs.append((f"raster_{c}", plot.lockstep_raster(res, c, source=str(path))))
            if not res.graphs.amplification.empty:
                figs.append((f"matrix_{c}", plot.amplification_matrix(res, c, source=str(path))))
        if french:
            figs.append(("network_map_fr", plot.network_map(res, lang="fr", source=str(path))))
            figs.append(("timeline_fr", plot.timeline(res, lang="fr", source=str(path))))
        for name, fig in figs:
            _save(fig, out / f"{stem}_{name}.png")
            base = name.removesuffix("_fr")
            numbered = base[-1].isdigit()
            title = TITLES[base.rsplit("_", 1)[0] if numbered else base]
            if numbered:
                title += f", cluster {base.rsplit('_', 1)[1]}"
            if name.endswith("_fr"):
                title += " (français)"
            lines += [f"### {title}", "", f"![{title}: {path.name}](gallery/{stem}_{name}.png)", ""]
        if screenshots:
            shots = _screens(run.out_dir / "report.html", out, stem)
            if shots:
                lines += ["### report.html", "",
                          "The self-contained report as Chromium draws it (figures embedded; "
                          "left a desktop window, right a phone):", ""]
                lines += [" ".join(f"![report.html, {label}](gallery/{png})" for label, png in shots), ""]
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("inputs", nargs="+", type=Path, help="edge lists to draw (first: also French)")
    a = ap.parse_args(argv)
    out = DOCS / "gallery"
    out.mkdir(exist_ok=True)
    for old in out.glob("*.png"):
        old.unlink()
    text = ["# Gallery", "",
            "What `coordnet analyze` draws, on the bundled synthetic campaign and on real data "
            "(see [Data and citations](data.md)). Every figure uses the Okabe–Ito colour-blind-safe "
            "palette and carries a caption with the source, the period and the counts. Shown here at "
            "100 dpi; the output folder holds 200 dpi PNG and SVG. `coordnet plot FOLDER` redraws "
            "them (`--lang fr`, `--title`, `--cluster`, `--size`) without recomputing.", "",
            "Regenerate this page with "
            f"`python docs/make_gallery.py {' '.join(p.name for p in a.inputs)}` (full paths).", ""]
    for i, p in enumerate(a.inputs):
        text += section(p, out, french=i == 0, screenshots=i == 0)
    (DOCS / "gallery.md").write_text("\n".join(text), encoding="utf-8")
    total = sum(p.stat().st_size for p in out.glob("*.png"))
    print(f"wrote docs/gallery.md and {len(list(out.glob('*.png')))} images ({total / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
