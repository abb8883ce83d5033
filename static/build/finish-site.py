#!/usr/bin/env python3
"""Trunk's post-build hook (Trunk.toml): finishes the built site in Trunk's staging folder.

1. A Content-Security-Policy in index.html: only the site's own origin, WebAssembly allowed
   ('wasm-unsafe-eval'), no eval, no inline style; the one inline script Trunk writes (the module
   that starts the page) is allowed by its SHA-256, computed here because it changes with every
   build's hashed names.
2. The service worker (static/sw.js) with this build's file list and a version made from their
   contents, so that a new deploy gets a new cache and the old one is deleted, never mixed.

Python's standard library only: CI machines have Python, and the hook must not need a build.
"""
import base64
import hashlib
import json
import os
import re
import sys
from pathlib import Path

STAGING = Path(os.environ.get("TRUNK_STAGING_DIR", sys.argv[1] if len(sys.argv) > 1 else "dist"))
SOURCE = Path(os.environ.get("TRUNK_SOURCE_DIR", "."))
# The datasets (IDX, gzip) are cached when a person first trains, not on install: 20 MB that
# most visitors never use. static/sw.js knows them by the same ending.
DATASET_ENDING = "-ubyte.gz"
# Another dataset's shipped models: fetched when a person switches to it (src/page/src/dataset_switch.rs),
# then kept by static/sw.js; installing the site does not download them.
OPTIONAL_FOLDER = "pretrained/fashion/"

POLICY = [
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval' {hashes}",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "connect-src 'self'",
    "worker-src 'self'",
    "manifest-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'none'",
]


def add_policy(html: str) -> str:
    scripts = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", html, flags=re.S)
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'" for s in scripts
    )
    policy = "; ".join(POLICY).format(hashes=hashes)
    meta = f'<meta http-equiv="Content-Security-Policy" content="{policy}" />'
    if "Content-Security-Policy" in html:
        raise SystemExit("finish-site: index.html already has a Content-Security-Policy")
    return html.replace('<meta charset="utf-8" />', '<meta charset="utf-8" />\n  ' + meta, 1)


def site_files() -> list[str]:
    files = []
    for path in sorted(STAGING.rglob("*")):
        name = path.relative_to(STAGING).as_posix()
        optional = name.endswith(DATASET_ENDING) or name.startswith(OPTIONAL_FOLDER)
        if path.is_file() and name != "sw.js" and not optional:
            files.append(name)
    return files


def write_service_worker() -> None:
    files = site_files()
    version = hashlib.sha256()
    for name in files:
        version.update(name.encode() + b"\0" + (STAGING / name).read_bytes())
    template = (SOURCE / "static" / "sw.js").read_text()
    listed = ["./"] + ["./" + name for name in files if name != "index.html"]
    worker = (
        template.replace("__VERSION__", version.hexdigest()[:16])
        .replace("__FILES__", json.dumps(listed))
    )
    (STAGING / "sw.js").write_text(worker)


def main() -> None:
    index = STAGING / "index.html"
    index.write_text(add_policy(index.read_text()))
    write_service_worker()


if __name__ == "__main__":
    main()
