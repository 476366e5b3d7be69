"""Benchmark the map explorer on a synthetic 20,000-image site in headless Chromium.

Prints: time to the first drawn map, hover handling time (median / p95 / worst),
draw time and frame interval while zooming and panning, the group names' placement and drawing
per frame, and what toggling a filter costs until the map is drawn again (issue #27). Figures,
not assertions: compare runs on the same machine.

    .venv/bin/python bench/explorer_bench.py [--n 20000] [--keep DIR] [--over http|file]
    .venv/bin/python bench/explorer_bench.py --n 100000 --fast --only filters   # #27's figures

By default the site is served over HTTP from 127.0.0.1, as GitHub Pages serves it (sheets are
then fetched and decoded off the main thread); --over file opens index.html from disk.
"""
from __future__ import annotations

import argparse
import contextlib
import hashlib
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests" / "browser")]

from sitegen import FakeImage, refresh_explorer, serve, synthetic_extras, write_map_site, write_site  # noqa: E402

SHOTS = REPO / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--enable-precise-memory-info"]  # performance.memory without its 100 kB rounding
HEAP = "performance.memory ? performance.memory.usedJSHeapSize / 1e6 : -1"


def synthetic_images(n: int, seed: int = 7) -> list[FakeImage]:
    """Clustered layout (like t-SNE output) and thumbnails that look like their cluster."""
    rng = np.random.default_rng(seed)
    n_clusters = 60
    centres = rng.uniform(0.08, 0.92, size=(n_clusters, 2))
    spread = rng.uniform(0.01, 0.06, size=n_clusters)
    palette = rng.integers(30, 230, size=(n_clusters, 2, 3))
    label = rng.integers(0, n_clusters, size=n)
    xy = centres[label] + rng.normal(size=(n, 2)) * spread[label, None]
    xy = (xy - xy.min(0)) / (xy.max(0) - xy.min(0)).max()
    yy, xx = np.mgrid[0:72, 0:96] / np.array([72.0, 96.0])[:, None, None]
    out = []
    for i in range(n):
        a, b = palette[label[i]]
        t = (xx * rng.uniform(0.2, 1) + yy * rng.uniform(0.2, 1)) / 2
        px = a[None, None, :] * (1 - t[..., None]) + b[None, None, :] * t[..., None]
        px += rng.normal(0, 12, size=(1, 1, 3))
        im = Image.fromarray(np.clip(px, 0, 255).astype(np.uint8))
        if i % 4 == 0:
            im = im.transpose(Image.Transpose.ROTATE_90)   # some portraits
        out.append(FakeImage(title=f"Synthetic image {i:05d}", xy=(float(xy[i, 0]), float(xy[i, 1])), pixels=im))
    return out


def build(n: int, dest: Path) -> float:
    t0 = time.perf_counter()
    # the first 500 of the grid, as a built index.html holds (render/pages.py GRID_PAGE)
    write_site(dest, synthetic_images(n), site_title=f"Bench {n}", k=8, image_pages=False, grid_max=500)
    return time.perf_counter() - t0


FAST_FROM = 200_000  # above this many points the site is made by numpy (build_fast)


def build_fast(n: int, dest: Path, k: int = 8, extra: dict | None = None) -> float:
    """A site of n points without a thumbnail per image (making 100,000 took 11 minutes):
    three clustered facets by numpy, neighbours by a k-d tree on the map, and atlas sheets of
    cells shaded in each image's colour, one sheet per 1,024 images as a build makes them.
    What opening, panning and zooming a map of 1M points costs, not what its pictures show."""
    from scipy.spatial import cKDTree

    t0 = time.perf_counter()
    rng = np.random.default_rng(11)
    clusters = max(60, n // 500)
    palette = rng.integers(30, 230, size=(clusters, 3))
    label = rng.integers(0, clusters, size=n)
    facets = {}
    for f in ("content", "style", "colour"):
        centres, spread = rng.uniform(0.05, 0.95, (clusters, 2)), rng.uniform(0.002, 0.02, clusters)
        xy = centres[label] + rng.normal(size=(n, 2)) * spread[label, None]
        xy = (xy - xy.min(0)) / (xy.max(0) - xy.min(0)).max()
        dist, nb = cKDTree(xy).query(xy, k + 1)
        facets[f] = {"xy": np.round(xy.reshape(-1), 4).tolist(), "neighbours": nb[:, 1:].tolist(),
                     "similarity": np.round(1.0 - dist[:, 1:] / 2.0, 3).tolist()}
    colors = np.clip(palette[label] + rng.normal(0, 10, (n, 3)), 0, 255).astype(np.uint8)
    cell, per_row = 64, 32
    per_sheet = per_row * per_row
    (dest / "atlas").mkdir(parents=True, exist_ok=True)
    shade = np.linspace(0.7, 1.15, cell)[:, None, None] * np.linspace(0.85, 1.1, cell)[None, :, None]
    sheets = []
    for s in range(-(-n // per_sheet)):
        grid = np.zeros((per_sheet, 3), np.uint8)
        rows = colors[s * per_sheet:(s + 1) * per_sheet]
        grid[:len(rows)] = rows
        px = grid.reshape(per_row, 1, per_row, 1, 3) * shade.reshape(1, cell, 1, cell, 1)
        full = Image.fromarray(np.clip(px, 0, 255).astype(np.uint8).reshape(per_row * cell, per_row * cell, 3))
        full.save(dest / "atlas" / f"{s}.jpg", "JPEG", quality=80)
        sheets.append(f"atlas/{s}.jpg")
        for d in (2, 4):  # the smaller levels, as render/atlas.py writes them
            (dest / "atlas" / str(d)).mkdir(exist_ok=True)
            full.reduce(d).save(dest / "atlas" / str(d) / f"{s}.jpg", "JPEG", quality=80)
    ids = [hashlib.sha256(str(i).encode()).hexdigest()[:12] for i in range(n)]
    points = {"version": 2, "count": n, "ids": ids, "titles": [f"Synthetic image {i:07d}" for i in range(n)],
              "aspect": rng.choice([0.75, 1.0, 1.333], n).tolist(), "facets": facets, "default_facet": "content",
              "facet_order": list(facets),
              "atlas": {"version": 1, "cell": cell, "per_row": per_row, "per_sheet": per_sheet, "count": n,
                        "sheets": sheets, "colors": colors.tobytes().hex(),
                        "levels": [{"divisor": d, "sheets": [f"atlas/{d}/{i}.jpg" for i in range(len(sheets))]}
                                   for d in (2, 4)]}}
    rows = [{"id": ids[i], "title": points["titles"][i], "page_url": f"image/{ids[i]}.html",
             "thumb_url": f"thumbs/{ids[i]}.jpg", "width": 4, "height": 3} for i in range(500)]
    # groups, catalogue columns, dates and tags (data/groups.js, data/filters.js) as render/map_extras.py writes them
    extras = synthetic_extras(facets["content"]["xy"], label)
    write_map_site(dest, points, rows, f"Bench {n}", k, grid_max=500, extras=extras, extra=extra)
    return time.perf_counter() - t0


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))] if xs else float("nan")


FRAME_RECORDER = """() => {
  const out = []; let last = performance.now(), on = true;
  function tick(t) { out.push(t - last); last = t; if (on) requestAnimationFrame(tick); }
  requestAnimationFrame(tick);
  window.__lkFrames = { out, stop: () => { on = false; } };
}"""


NO_WEBGL2 = """HTMLCanvasElement.prototype.getContext = (orig => function (type, opts) {
  return type === "webgl2" ? null : orig.call(this, type, opts); })(HTMLCanvasElement.prototype.getContext);"""


FILTER_TOGGLES = """async (n) => {
  const boxes = [...document.querySelectorAll('#lk-filter-panel input[type=checkbox]')].slice(0, 5);
  const out = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    boxes[i % boxes.length].click();      // change: the mask, the counts, a frame asked for
    await new Promise(r => requestAnimationFrame(() => r()));   // runs after that frame's draw
    out.push(performance.now() - t0);
    await new Promise(r => setTimeout(r, 40));
  }
  return out;
}"""


def filters_and_labels(page, res: dict) -> None:
    """Toggle filter values (five checkboxes in turn, on then off) at the whole map's view: the
    time from the click to the end of the frame that shows it, and the frame interval meanwhile."""
    api = "document.getElementById('lk-map').lookalike"
    if not page.evaluate("!!document.querySelector('#lk-filter-panel input')"):
        return
    page.evaluate("document.getElementById('lk-reset').click()")
    page.wait_for_timeout(800)
    page.click("#lk-filter-btn")
    page.evaluate(f"{api}.stats.drawMs.length = 0")
    page.evaluate(FRAME_RECORDER)
    toggles = page.evaluate(FILTER_TOGGLES, 40)
    page.evaluate("window.__lkFrames.stop()")
    frames = page.evaluate("window.__lkFrames.out")[1:]
    draws = page.evaluate(f"{api}.stats.drawMs")
    res["filter"] = {"toggle_median_ms": statistics.median(toggles), "toggle_p95_ms": pct(toggles, 0.95),
                     "toggle_max_ms": max(toggles), "draw_p95_ms": pct(draws, 0.95),
                     "frame_p95_ms": pct(frames, 0.95), "mode": page.evaluate(f"{api}.state().mode")}
    page.click("#lk-filter-btn")
    page.wait_for_timeout(300)
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "bench-filtered.png"))


def run(url: str, w: int, h: int, webgl: bool = True, only: str = "") -> dict:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    res = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": w, "height": h})
        # webgl: WebGL2 dots whatever the size; else as a browser without WebGL2 (2-D canvas dots)
        page.add_init_script("window.LOOKALIKE_WEBGL_FROM = 0;" if webgl else NO_WEBGL2)
        page.goto(url, wait_until="commit")
        page.wait_for_function("document.getElementById('lk-map') && document.getElementById('lk-map').lookalike",
                               timeout=120000)
        res["first_draw_ms"] = page.evaluate("performance.getEntriesByName('lookalike-first-draw')[0].startTime")
        res["start_ms"] = page.evaluate("performance.getEntriesByName('lookalike-start')[0].startTime")
        res["dcl_ms"] = page.evaluate("performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd")
        res["heap_first_mb"] = page.evaluate(HEAP)
        res["renderer"] = page.evaluate("document.getElementById('lk-map').lookalike.state().renderer")
        res["decoder"] = page.evaluate("document.getElementById('lk-map').lookalike.state().sheetDecoder")
        api = "document.getElementById('lk-map').lookalike"
        box = page.locator("#lk-canvas").bounding_box()
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / "bench-overview.png"))

        # Hover: sweep the pointer over the whole map, on and between points.
        rng = np.random.default_rng(1)
        page.evaluate(f"{api}.stats.hoverMs.length = 0")
        for _ in range(400):
            page.mouse.move(box["x"] + rng.uniform(0, box["width"]), box["y"] + rng.uniform(0, box["height"]))
        hover = page.evaluate(f"{api}.stats.hoverMs")
        res["hover_median_ms"], res["hover_p95_ms"], res["hover_max_ms"] = (
            statistics.median(hover), pct(hover, 0.95), max(hover))
        page.mouse.move(box["x"] + 2, box["y"] + box["height"] - 2)

        def gesture(name, action):
            page.wait_for_timeout(300)
            page.evaluate(f"{api}.stats.drawMs.length = 0; {api}.stats.labelMs && ({api}.stats.labelMs.length = 0)")
            page.evaluate(FRAME_RECORDER)
            loaded_before = page.evaluate(f"{api}.state().sheetsLoaded")
            action()
            page.evaluate("window.__lkFrames.stop()")
            draws = page.evaluate(f"{api}.stats.drawMs")
            frames = page.evaluate("window.__lkFrames.out")[1:]
            labels = page.evaluate(f"{api}.stats.labelMs || []")
            res[name] = {"draws": len(draws), "draw_median_ms": statistics.median(draws),
                         "label_median_ms": statistics.median(labels) if labels else float("nan"),
                         "label_p95_ms": pct(labels, 0.95), "labels": len(page.evaluate(f"{api}.stats.labels || []")),
                         "draw_p95_ms": pct(draws, 0.95),
                         "draw_max_ms": max(draws), "frame_median_ms": statistics.median(frames),
                         "frame_p95_ms": pct(frames, 0.95), "state": page.evaluate(f"{api}.state()")}
            res[name]["sheets_loaded"] = res[name]["state"]["sheetsLoaded"] - loaded_before

        cx, cy = box["x"] + box["width"] * 0.45, box["y"] + box["height"] * 0.55

        def zoom_in():
            page.mouse.move(cx, cy)
            for _ in range(40):
                page.mouse.wheel(0, -120)
                page.wait_for_timeout(16)

        def pan():
            page.mouse.move(cx, cy)
            page.mouse.down()
            for i in range(60):
                page.mouse.move(cx - 4 * i, cy - 2 * i)
                page.wait_for_timeout(8)
            page.mouse.up()

        def zoom_out():
            page.mouse.move(cx, cy)
            for _ in range(40):
                page.mouse.wheel(0, 120)
                page.wait_for_timeout(16)

        def settle(timeout_ms):
            """Wait for the sheets to load; at 1M points they may not within the time: go on, and say so."""
            try:
                page.wait_for_function(f"{api}.state().sheetsLoading === 0", timeout=timeout_ms)
            except PlaywrightTimeout:
                res["unsettled"] = res.get("unsettled", 0) + 1

        if only == "filters":
            filters_and_labels(page, res)
            page.evaluate("document.getElementById('lk-reset').click()")

            def zoom_some():  # to k ~ 6: broad names and sub-group names, every frame placed anew
                page.mouse.move(cx, cy)
                for _ in range(14):
                    page.mouse.wheel(0, -100)
                    page.wait_for_timeout(16)
            gesture("labels_zoom", zoom_some)
            gesture("labels_pan", pan)
            page.wait_for_timeout(500)
            page.screenshot(path=str(SHOTS / "bench-labels-zoomed.png"))
            browser.close()
            return res
        gesture("zoom_in", zoom_in)
        gesture("pan_zoomed", pan)
        gesture("zoom_out", zoom_out)
        settle(60000)
        gesture("zoom_in_again", zoom_in)  # the same gesture over sheets already loaded: what they cost
        gesture("zoom_out_again", zoom_out)
        # The heaviest view: just past the dots/thumbnails switch, thousands of thumbnails on screen.
        page.mouse.move(cx, cy)
        for _ in range(60):
            st = page.evaluate(f"{api}.state()")
            if st["mode"] == "thumbs":
                break
            page.mouse.wheel(0, -60)
            page.wait_for_timeout(20)
        settle(30000)
        gesture("pan_densest_thumbs", pan)
        settle(30000)
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_timeout(300)
        page.screenshot(path=str(SHOTS / "bench-thumbs.png"))
        res["heap_after_gestures_mb"] = page.evaluate(HEAP)
        # Close-up of a real image: open its deep link, as a shared URL would.
        some_id = page.evaluate("window.LOOKALIKE_POINTS.ids[Math.min(4321, window.LOOKALIKE_POINTS.count - 1)]")
        page.goto(url + "#" + some_id)
        page.wait_for_function(f"{api} && {api}.stats.draws > 0", timeout=120000)
        settle(30000)
        p = page.evaluate(f"{api}.project('{some_id}')")
        page.mouse.move(p["x"] + 2, p["y"] + 2)
        page.wait_for_timeout(600)
        page.screenshot(path=str(SHOTS / "bench-closeup.png"))
        filters_and_labels(page, res)
        browser.close()
    return res


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=20000)
    ap.add_argument("--keep", type=Path, help="write the site here instead of a temp dir")
    ap.add_argument("--size", default="1280x800")
    ap.add_argument("--renderers", default="webgl2,2d", help="dots by WebGL2, by the 2-D canvas, or both (default)")
    ap.add_argument("--over", choices=("http", "file"), default="http",
                    help="open the site from a local HTTP server (default, as Pages serves it) or from disk")
    ap.add_argument("--fast", action="store_true", help="make the site by numpy at any size (build_fast: "
                    "shaded cells for thumbnails, groups, filters); by default only above 200,000 images")
    ap.add_argument("--only", choices=("filters",), help="filters: only the filter toggles and the labels while "
                    "zooming and panning (issue #27)")
    ap.add_argument("--arrangements", action="store_true",
                    help="only the arrangements section: a numpy-made site with stand-in arrangements (grid, "
                         "timeline, groups), switching between them and panning/zooming in each (2-D canvas dots)")
    ap.add_argument("--reuse", action="store_true",
                    help="with --keep: reuse the site there, refreshing only the explorer (static/explorer* "
                         "and index.html's script tags for it)")
    args = ap.parse_args(argv)
    w, h = (int(v) for v in args.size.split("x"))
    if args.arrangements:
        return arrangements_main(args, w, h)
    with tempfile.TemporaryDirectory() as tmp:
        site = (args.keep or Path(tmp) / "site").resolve()
        if args.reuse and (site / "index.html").exists():
            build_s = 0.0
            refresh_explorer(site)
        else:
            build_s = build_fast(args.n, site) if args.n > FAST_FROM or args.fast else build(args.n, site)
        sheets = sorted((site / "atlas").glob("*.jpg"))
        print(f"site: {args.n} images built in {build_s:.1f} s; atlas {len(sheets)} sheets, "
              f"{sum(p.stat().st_size for p in sheets) / 1e6:.1f} MB; map data (data/points*.js) "
              f"{sum(p.stat().st_size for p in (site / 'data').glob('points*.js')) / 1e6:.1f} MB; index.html "
              f"{(site / 'index.html').stat().st_size / 1e6:.1f} MB; groups and filters (data/groups.js, "
              f"data/filters.js) {sum(p.stat().st_size for p in (site / 'data').glob('[gf]*.js')) / 1e6:.2f} MB")
        with (serve(site) if args.over == "http" else contextlib.nullcontext(None)) as base:
            url = f"{base}/index.html" if base else (site / "index.html").as_uri()
            print(f"opened from {url}")
            results = {r: run(url, w, h, webgl=r == "webgl2", only=args.only or "") for r in args.renderers.split(",")}
    for asked, res in results.items():
        report(asked, res, w, h)


def report(asked: str, res: dict, w: int, h: int) -> None:
    print(f"\n[{asked}] viewport {w}x{h}, headless Chromium (--disable-gpu); dots drawn by {res['renderer']}; "
          f"sheets decoded by {res['decoder']}")
    print(f"first drawn map     : {res['first_draw_ms']:.0f} ms after navigation start "
          f"(explorer started {res['start_ms']:.0f} ms, DOMContentLoaded {res['dcl_ms']:.0f} ms)")
    print(f"hover handling      : median {res['hover_median_ms']:.3f} ms, p95 {res['hover_p95_ms']:.3f} ms, "
          f"worst {res['hover_max_ms']:.3f} ms")
    if "heap_after_gestures_mb" in res:
        print(f"JS heap used        : {res['heap_first_mb']:.0f} MB at the first draw, "
              f"{res['heap_after_gestures_mb']:.0f} MB after the gestures")
    if res.get("unsettled"):
        print(f"(sheets still loading after the wait, {res['unsettled']} times: the bench went on)")
    f = res.get("filter")
    if f:
        print(f"filter toggle       : click to drawn median {f['toggle_median_ms']:.1f} ms, "
              f"p95 {f['toggle_p95_ms']:.1f}, "
              f"max {f['toggle_max_ms']:.1f} ({f['mode']}); draw p95 {f['draw_p95_ms']:.1f} ms; "
              f"frame interval p95 {f['frame_p95_ms']:.1f} ms")
    for g in ("zoom_in", "pan_zoomed", "zoom_out", "zoom_in_again", "zoom_out_again", "pan_densest_thumbs",
              "labels_zoom", "labels_pan"):
        if g not in res:
            continue
        r = res[g]
        st = r["state"]
        print(f"{g:<20}: draw median {r['draw_median_ms']:.1f} ms, p95 {r['draw_p95_ms']:.1f}, "
              f"max {r['draw_max_ms']:.1f} "
              f"({r['draws']} draws); frame interval median {r['frame_median_ms']:.1f} ms, p95 {r['frame_p95_ms']:.1f} "
              f"[end: k={st['k']:.1f} {st['mode']}, {st['visible']} visible; {r['sheets_loaded']} sheets came]")
        print(f"{'':<20}  group names: placed and drawn median {r['label_median_ms']:.2f} ms, "
              f"p95 {r['label_p95_ms']:.2f} a frame ({r['labels']} names at the end)")


# --- arrangements (#28): switching animates, and pan/zoom in each arrangement ----------------------

def write_arrangements(site: Path) -> float:
    """data/arrangements.js for a written site: tests/browser/arrangegen.py's stand-ins, with a
    year (1850-1949, every 12th undated) and one of 24 groups (by map region) per image."""
    import json

    from arrangegen import arrangements, arrangements_js

    t0 = time.perf_counter()
    text = (site / "data" / "points.js").read_text("utf-8")
    points = json.loads(text[text.index("{"):text.rindex("}") + 1])
    first = points["facets"][points["default_facet"]]["xy"]
    metas = [{"date": "" if i % 12 == 5 else str(1850 + (i * 7919) % 100),
              "group": f"Region {int(first[2 * i] * 5.999) + 6 * int(first[2 * i + 1] * 3.999):02d}"}
             for i in range(points["count"])]
    (site / "data" / "arrangements.js").write_text(arrangements_js(arrangements(points, metas)), "utf-8")
    return time.perf_counter() - t0


def run_arrangements(url: str, w: int, h: int) -> dict:
    from playwright.sync_api import sync_playwright

    api = "document.getElementById('lk-map').lookalike"
    res = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": w, "height": h})
        page.add_init_script(NO_WEBGL2)  # a visitor without a GPU gets the 2-D canvas at any size (gl.js)
        page.goto(url, wait_until="commit")
        page.wait_for_function(f"document.getElementById('lk-map') && {api} && {api}.stats.draws > 0", timeout=120000)
        t0 = time.perf_counter()
        page.evaluate("new Promise(r => window.Lookalike.arrange.load(r))")
        res["load_s"] = time.perf_counter() - t0
        box = page.locator("#lk-canvas").bounding_box()
        cx, cy = box["x"] + box["width"] * 0.45, box["y"] + box["height"] * 0.55

        def frames(action, until):
            page.wait_for_timeout(300)
            page.evaluate(FRAME_RECORDER)
            action()
            page.wait_for_function(until, timeout=60000)
            page.evaluate("window.__lkFrames.stop()")
            out = page.evaluate("window.__lkFrames.out")[1:]
            return {"frames": len(out), "median": statistics.median(out), "p95": pct(out, 0.95), "max": max(out)}

        def gestures():
            page.mouse.move(cx, cy)
            for _ in range(20):
                page.mouse.wheel(0, -120)
                page.wait_for_timeout(16)
            page.mouse.down()
            for i in range(40):
                page.mouse.move(cx - 4 * i, cy - 2 * i)
                page.wait_for_timeout(8)
            page.mouse.up()
            for _ in range(20):
                page.mouse.wheel(0, 120)
                page.wait_for_timeout(16)

        for name in ("grid", "timeline", "groups", "map"):
            done = f"{api}.state().arr === '{name}' && !{api}.state().animating"
            res[f"switch to {name}"] = frames(lambda: page.click(f"#lk-arrange button[data-arr='{name}']"), done)
            page.screenshot(path=str(SHOTS / f"bench-arrange-{name}.png"))
            res[f"pan/zoom in {name}"] = frames(gestures, "true")
            page.evaluate(f"{api}.state()")
            page.click("#lk-reset")
            page.wait_for_timeout(700)
        browser.close()
    return res


def arrangements_main(args, w: int, h: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        site = (args.keep or Path(tmp) / "site").resolve()
        if args.reuse and (site / "data" / "arrangements.js").exists():
            refresh_explorer(site)
            build_s = arr_s = 0.0
        else:
            build_s = build_fast(args.n, site, extra={"arrangements": ["map", "grid", "timeline", "groups"]})
            arr_s = write_arrangements(site)
        size = (site / "data" / "arrangements.js").stat().st_size / 1e6
        print(f"site: {args.n} images (numpy-made) in {build_s:.1f} s; stand-in arrangements in {arr_s:.1f} s, "
              f"data/arrangements.js {size:.1f} MB")
        with (serve(site) if args.over == "http" else contextlib.nullcontext(None)) as base:
            url = f"{base}/index.html" if base else (site / "index.html").as_uri()
            res = run_arrangements(url, w, h)
    print(f"\n[arrangements] viewport {w}x{h}, headless Chromium (--disable-gpu), 2-D canvas dots; "
          f"data/arrangements.js loaded in {res.pop('load_s'):.2f} s")
    for name, r in res.items():
        print(f"{name:<22}: frame interval median {r['median']:.1f} ms, p95 {r['p95']:.1f} ms, "
              f"max {r['max']:.1f} ms ({r['frames']} frames)")


if __name__ == "__main__":
    main()
