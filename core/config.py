"""Settings: one schema, nested like site.toml (read from the file and overridden by flags in
core/config_load.py).

Each section of site.toml is a dataclass below, and each key is one field that carries
its type, default, check and (optionally) its command-line flag. Adding a setting is one
line here and its comment in site.toml; the file reader, the flags of every command that
uses it and the error messages follow from that line. Each step reads only its own
keys (core/views.py for_step), and each cache key names the fields its output depends on.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields

from core.config_checks import (  # noqa: F401 - FACET_NAMES: other modules import it from here
    FACET_NAMES,
    _arrangement_list,
    _blend_weights,
    _facet_list,
    _style_layer_list,
    _vectors_name,
)
from core.errors import LookalikeError
from core.setting import (
    BRANCH_HINT,
    REMOTE_HINT,
    at_least,
    between,
    branch_name,
    comma_list,
    remote_kind,
    setting,
    web_url,
)

STAGES = ("embed", "layout", "render", "deploy")
ENGINES = ("local", "ray")
DECODE_POOLS = ("auto", "processes", "threads")
RUNTIMES = ("auto", "keras", "onnxruntime", "openvino")  # embed/runtimes.py
SEED_MAX = 2**31 - 1  # Annoy's set_seed takes a C int; numpy and openTSNE accept 0 to 2**32 - 1


class ConfigError(LookalikeError):
    """A setting is wrong; the message names the key, what was expected and what arrived."""


@dataclass
class SiteSection:
    STAGE = "render"
    title: str = setting("Lookalike", flag="--title", help="site title")
    description: str = setting("Images arranged by visual similarity.")
    collection: str = setting("", flag="--collection", metavar="DIR", stage="all", path=True,
                              help="folder of images ([site] collection)")
    output: str = setting("_site", flag="--out", metavar="DIR", path=True, stage=("render", "deploy"),
                          help="output folder (default _site; [site] output)")
    base_url: str = setting("", web_url, 'empty or an http(s) URL, e.g. "https://user.github.io/repo/"',
                            "--base-url", "public URL of the site, for link previews (optional)")
    metadata: str = setting("", flag="--metadata", metavar="FILE", stage="embed", path=True,
                            help="CSV sidecar keyed by path (default: metadata.csv in the collection, when present)")
    pages_max: int = setting(0, at_least(0), "an integer >= 0 (0 = no limit)", "--pages-max",
                             "no page per image above this many images (the map links to the picture; 0 = no limit)")
    photo_query: bool = setting(True, help='"find look-alikes of your photo" on the site (the model runs in the '
                                           'visitor\'s browser; false: no button, no model shipped)')


@dataclass
class ModelSection:
    STAGE = "embed"
    name: str = setting("efficientnet_lite0", flag="--model",
                        help="backbone: efficientnet_lite0 (default, works offline), "
                             "inception_v3, vgg16, vgg19, resnet50, mobilenet_v2, or none (no model: "
                             "only [facets] vectors and colour)")
    weights: str = setting("imagenet", flag="--weights",
                           help='"imagenet" (default), "none" (architecture only), or a weights file')
    batch_size: int = setting(32, at_least(1), "an integer >= 1", "--batch-size", "images per model call")
    workers: int = setting(0, at_least(0), "an integer >= 0 (0 = all cores)", "--workers",
                           "image decoders, threads or processes (0 = all cores)")
    precision: str = setting("auto", lambda v: v in ("auto", "float32", "bfloat16"),
                             '"auto", "float32" or "bfloat16"', "--precision",
                             "model arithmetic (default auto: bfloat16 only where measured faster)",
                             choices=("auto", "float32", "bfloat16"))
    runtime: str = setting("auto", lambda v: v in RUNTIMES, '"auto", "keras", "onnxruntime" or "openvino"', "--runtime",
                           "where the model runs (default auto: the fastest installed that gives Keras' vectors)",
                           choices=RUNTIMES)


@dataclass
class EmbedSection:
    STAGE = "embed"
    engine: str = setting("local", lambda v: v in ENGINES, '"local" or "ray"', "--engine",
                          "where embedding runs: local (this process and its decoders) or ray "
                          "(a Ray Data pipeline, on a local Ray or a cluster)", choices=ENGINES)
    decode: str = setting("auto", lambda v: v in DECODE_POOLS, '"auto", "processes" or "threads"', "--decode",
                          "local engine: decode in worker processes or threads (auto: processes "
                          "when there are 3 or more cores)", choices=DECODE_POOLS)
    ray_address: str = setting("", flag="--ray-address", metavar="ADDR",
                               help='Ray cluster to run on: "auto", "ray://HOST:10001" (default: a '
                                    "local Ray started for this build)")
    model_workers: int = setting(0, at_least(0), "an integer >= 0 (0 = one per GPU, or one without GPUs)",
                                 "--model-workers", "ray engine: model replicas in the actor pool")


@dataclass
class NeighboursSection:
    STAGE = "layout"
    k: int = setting(30, at_least(1), "an integer >= 1", ("-k", "--neighbours"),
                     "neighbours per image (default 30)")
    trees: int = setting(50, between(1, 1000), "an integer from 1 to 1000", "--trees",
                         "Annoy trees (more = more exact, slower)")
    map_neighbours: int = setting(12, at_least(0), "an integer >= 0", stage="render")


@dataclass
class MapSection:
    STAGE = "layout"
    perplexity: float = setting(30.0, lambda v: 0 < v <= 1000, "a number > 0 and at most 1000", "--perplexity",
                                "t-SNE perplexity (lowered for small collections)")
    seed: int = setting(42, between(0, SEED_MAX), f"an integer from 0 to {SEED_MAX}", "--seed",
                        "random seed for Annoy and t-SNE")
    coordinates: str = setting("", flag="--coordinates", metavar="FILE", path=True,
                               help="a CSV of path,x,y: your own map, used instead of t-SNE for every facet")
    relayout: bool = setting(False, flag="--relayout",
                             help="lay the map out afresh (default: images new since the last build are "
                                  "placed into the existing map, whose points do not move)")
    arrangements: list = setting(["grid", "timeline", "groups"], _arrangement_list,
                                 'a list from "grid", "timeline", "groups" (empty = the map only)', "--arrangements",
                                 'comma-separated arrangements besides the map, e.g. "grid,groups"', parse=comma_list)
    date_column: str = setting("", help="catalogue column the timeline reads dates from (default: found by name)")


@dataclass
class ImagesSection:
    STAGE = "embed"
    thumb_size: int = setting(256, between(16, 1024), "an integer from 16 to 1024")
    display_size: int = setting(1024, between(64, 8192), "an integer from 64 to 8192")
    copy_originals: bool = setting(False, flag="--copy-originals", stage="render",
                                   help="publish the original files too, linked from each page")
    display_copies: bool = setting(True, stage="render",
                                   help="publish display copies (false: thumbnails only, the smallest site)")
    max_pixels: int = setting(200_000_000, at_least(1), "an integer >= 1")
    follow_links_outside: bool = setting(False, flag="--follow-links-outside",
                                         help="use symbolic links to files outside the collection (a folder of "
                                              "links into an archive); default: skipped with a reason")


@dataclass
class FacetsSection:
    STAGE = "embed"
    enabled: list = setting(["content", "style", "colour"], _facet_list,
                            'a list of facet names from "content", "style", "colour"', "--facets",
                            'comma-separated facets, e.g. "content,style" ([facets] enabled; '
                            'default content,style,colour)', parse=comma_list)
    blend: dict = setting({}, _blend_weights, 'a table of facet = weight (numbers >= 0, at least one > 0), '
                                              'e.g. { content = 2, colour = 1 }')
    style_layers: list = setting([], _style_layer_list,
                                 'a list of layer names, each bare (a Gram matrix) or "moments:<layer>" / '
                                 '"gram:<layer>" (empty = the backbone\'s default)')
    colour_bins: int = setting(8, between(2, 16), "an integer from 2 to 16")
    colour_space: str = setting("lab", lambda v: v in ("lab", "rgb", "hsv"), '"lab", "rgb" or "hsv"')
    vectors: str = setting("", flag="--vectors", metavar="FILE", path=True,
                           help="your own vectors as a facet: a .npy (with a CSV of paths beside it), a .csv or "
                                "a .parquet file, one row per image by path ([facets] vectors)")
    vectors_paths: str = setting("", path=True, help="the CSV of paths of a .npy's rows (default: beside it)")
    vectors_name: str = setting("", _vectors_name, 'letters, digits, - and _ (at most 40), not a built-in '
                                'facet name', help="the facet's name (default: the vectors file's stem)")


@dataclass
class TagsSection:
    STAGE = "embed"
    enabled: bool = setting(True, help="tags from the model's ImageNet classifier")
    top: int = setting(5, between(1, 10), "an integer from 1 to 10", help="tags shown per image")
    floor: float = setting(0.25, between(0.0, 1.0), "a number from 0 to 1",
                           help="a class less probable than this is not a tag")


@dataclass
class GroupsSection:
    STAGE = "layout"
    enabled: bool = setting(True, help="groups of similar images on the map, named from tags and catalogue")
    facets: list = setting(["content", "style"], _facet_list, 'a list of facet names from "content", "style", "colour"')
    min_size: int = setting(0, at_least(0), "an integer >= 0 (0 = from the collection's size)")


@dataclass
class BuildSection:
    STAGE = "all"
    work_dir: str = setting("", flag="--work-dir", metavar="DIR", path=True,
                            help="caches and stage outputs (default .lookalike/ next to the config, "
                                 "or in the current folder)")


@dataclass
class DeploySection:
    STAGE = "deploy"
    remote: str = setting("origin", lambda v: remote_kind(v) is not None, REMOTE_HINT, "--remote",
                          "git remote to push the site to (default origin)")
    branch: str = setting("gh-pages", branch_name, BRANCH_HINT, "--branch",
                          "branch that holds the published site (default gh-pages; never the checked-out "
                          "branch, nor the remote's default branch without --force)")
    message: str = setting("Lookalike site", flag="--message", help="commit message on that branch")


SECTIONS = {"site": SiteSection, "model": ModelSection, "embed": EmbedSection, "neighbours": NeighboursSection,
            "map": MapSection,
            "images": ImagesSection, "facets": FacetsSection, "tags": TagsSection,
            "build": BuildSection, "deploy": DeploySection, "groups": GroupsSection}


@dataclass
class Settings:
    site: SiteSection = field(default_factory=SiteSection)
    model: ModelSection = field(default_factory=ModelSection)
    embed: EmbedSection = field(default_factory=EmbedSection)
    neighbours: NeighboursSection = field(default_factory=NeighboursSection)
    map: MapSection = field(default_factory=MapSection)
    images: ImagesSection = field(default_factory=ImagesSection)
    facets: FacetsSection = field(default_factory=FacetsSection)
    tags: TagsSection = field(default_factory=TagsSection)
    build: BuildSection = field(default_factory=BuildSection)
    deploy: DeploySection = field(default_factory=DeploySection)
    groups: GroupsSection = field(default_factory=GroupsSection)
    # where each value came from, for messages: "[neighbours] k" -> "site.toml" or "--neighbours"
    origin: dict = field(default_factory=dict, repr=False)


def schema():
    """(section name, dataclass field) for every key, in site.toml order."""
    return [(name, f) for name, cls in SECTIONS.items() for f in fields(cls)]


def stage_of(section: str, f) -> str:
    """The stage whose command offers the key's flag (its first stage)."""
    return stages_of(section, f)[0]


def stages_of(section: str, f) -> tuple:
    """Every stage that reads the key (core/views.py for_step): its own `stage=`, a name or a
    tuple, else its section's STAGE."""
    stage = f.metadata["stage"] or SECTIONS[section].STAGE
    return (stage,) if isinstance(stage, str) else tuple(stage)
