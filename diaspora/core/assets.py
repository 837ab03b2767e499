"""Static files: fingerprinted, precompressed and cached for a year.

`make assets` compiles the NHS.UK frontend into static/nhsuk/ and then runs this module
(`build()`), which copies the served files into static/dist/ twice, under
their own name and under a name carrying a hash of their content (`css/app.1a2b3c4d5e6f.css`),
writes a brotli and a gzip copy of each file that shrinks, and lists the names in
static/dist/manifest.json. At run time WhiteNoise serves static/dist/ before the request reaches
Flask (so no page header, such as the signed-in `no-store`, applies), picking the compressed copy
the browser accepts; `url_for("static", ...)` gives the fingerprinted name. See ADR 17.
"""

import hashlib
import json
import posixpath
import re
import shutil
from collections.abc import Callable
from pathlib import Path

from flask import Flask, abort, redirect, url_for
from werkzeug.wrappers import Response
from whitenoise import WhiteNoise
from whitenoise.compress import Compressor

STATIC = Path(__file__).resolve().parent.parent.parent / "static"
DIST = STATIC / "dist"
MANIFEST = "manifest.json"
# What the pages load, relative to static/; static/css, static/js and static/scss are sources
# that make compiles into static/nhsuk/.
SERVED = ("impact", "nhsuk")

IMMUTABLE = "public, max-age=31536000, immutable"
# A file asked for by its plain name may change with the next release: cached briefly.
PLAIN_MAX_AGE = 60
HASH_LENGTH = 12
FINGERPRINTED = re.compile(rf"^(?P<stem>.+)\.[0-9a-f]{{{HASH_LENGTH}}}(?P<suffix>\.[^./]+)$")

# References from one served file to another, rewritten to the fingerprinted names.
CSS_URL = re.compile(r"""url\(\s*(["']?)([^"')]+)\1\s*\)""")
JSON_SRC = re.compile(r'("src"\s*:\s*")([^"]+)(")')


def fingerprint(name: str, content: bytes) -> str:
    stem, suffix = posixpath.splitext(name)
    return f"{stem}.{hashlib.sha256(content).hexdigest()[:HASH_LENGTH]}{suffix}"


def _rewrite(name: str, text: str, manifest: dict[str, str]) -> str:
    """`text` of the file `name` with its references to other served files fingerprinted."""
    folder = posixpath.dirname(name)

    def target(reference: str) -> str:
        if reference.startswith(("/", "data:", "#")) or "://" in reference:
            return reference
        resolved = posixpath.normpath(posixpath.join(folder, reference))
        if resolved not in manifest:
            return reference
        return posixpath.relpath(manifest[resolved], folder or ".")

    if name.endswith(".css"):
        return CSS_URL.sub(lambda m: f"url({m[1]}{target(m[2])}{m[1]})", text)
    if name.endswith(".json"):
        return JSON_SRC.sub(lambda m: m[1] + target(m[2]) + m[3], text)
    return text


def build(static: Path = STATIC, dist: Path = DIST) -> dict[str, str]:
    """Fill `dist` from the served folders of `static`; answer the manifest written."""
    names = sorted(
        path.relative_to(static).as_posix()
        for folder in SERVED
        for path in (static / folder).rglob("*")
        if path.is_file()
    )
    # Images first: stylesheets and the web manifest name them.
    names.sort(key=lambda name: name.endswith((".css", ".json")))
    shutil.rmtree(dist, ignore_errors=True)
    manifest: dict[str, str] = {}
    compressor = Compressor(quiet=True)
    for name in names:
        content = (static / name).read_bytes()
        if name.endswith((".css", ".json")):
            content = _rewrite(name, content.decode(), manifest).encode()
        manifest[name] = fingerprint(name, content)
        for served_as in (name, manifest[name]):
            path = dist / served_as
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
            if compressor.should_compress(served_as):
                compressor.compress(str(path))
    (dist / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True))
    return manifest


class StaticFiles(WhiteNoise):
    """WhiteNoise with a year's immutable caching for fingerprinted names."""

    def __init__(self, application: Callable, dist: Path, fingerprinted: set[str]) -> None:
        self.fingerprinted = fingerprinted
        super().__init__(
            application,
            root=str(dist),
            prefix="/static/",
            max_age=PLAIN_MAX_AGE,
            allow_all_origins=False,
            add_headers_function=_add_headers,
        )

    def add_cache_headers(self, headers, path: str, url: str) -> None:
        if url.removeprefix("/static/") in self.fingerprinted:
            headers["Cache-Control"] = IMMUTABLE
        else:
            super().add_cache_headers(headers, path, url)


def _add_headers(headers, _path: str, _url: str) -> None:
    headers["X-Content-Type-Options"] = "nosniff"


def init_static(app: Flask, dist: Path = DIST) -> None:
    """Serve the built files; without a build (`make assets` not run) Flask serves static/."""
    manifest_path = dist / MANIFEST
    if not manifest_path.is_file():
        return
    manifest: dict[str, str] = json.loads(manifest_path.read_text())

    @app.url_defaults
    def _fingerprinted(endpoint: str, values: dict) -> None:
        """A link to a file the build does not serve fails where the page is made, not as a
        404 in a person's browser."""
        if endpoint != "static":
            return
        filename = values.get("filename")
        if filename not in manifest:
            raise LookupError(f"{filename} is not served: see SERVED in diaspora/core/assets.py")
        values["filename"] = manifest[filename]

    def _superseded(filename: str) -> Response:
        """A fingerprint from an earlier release: the current file, if the name still exists."""
        match = FINGERPRINTED.match(filename)
        plain = f"{match['stem']}{match['suffix']}" if match else None
        if plain not in manifest:
            abort(404)
        return redirect(url_for("static", filename=plain))

    app.static_folder = str(dist)
    app.view_functions["static"] = _superseded
    app.wsgi_app = StaticFiles(app.wsgi_app, dist, set(manifest.values()))
