"""A Python base image for the image tests, made here (no registry on the internet is reachable):
the machine's own Debian python3 (interpreter, standard library, the shared libraries they and
manylinux wheels load), as one layer, pushed as a one-platform OCI index to a loopback registry.

    python3 tests/emulator/base_image.py http://127.0.0.1:PORT   # prints the reference to use

The layer is built once per machine (cached under the temp directory, by this file's hash) and
pushed with the distribution API (monolithic uploads), as any client would.
"""
import glob
import gzip
import hashlib
import io
import json
import os
import platform
import subprocess
import sys
import tarfile
import tempfile
import urllib.request

from pull import open_url

PYTHON = "/usr/bin/python3"
REPO = "library/python"
SKIP = {"test", "tests", "idlelib", "tkinter", "turtledemo", "ensurepip", "lib2to3", "__pycache__", "pydoc_data", "site-packages", "dist-packages"}


def shared_libraries(files):
    out = set()
    for f in files:
        r = subprocess.run(["ldd", f], capture_output=True, text=True)
        for line in r.stdout.splitlines():
            for part in line.split():
                if part.startswith("/") and os.path.exists(part):
                    out.add(part)
    # What manylinux wheels may load beside (glibc's libraries, libgcc, libstdc++).
    for pkg in ("libc6", "libgcc-s1", "libstdc++6"):
        r = subprocess.run(["dpkg", "-L", pkg], capture_output=True, text=True)
        out.update(p for p in r.stdout.split() if ".so" in p and os.path.isfile(p) and "/gconv/" not in p)
    return sorted(out)


def layer_tar():
    real = os.path.realpath(PYTHON)
    ver = subprocess.run([real, "-c", "import platform;print(platform.python_version())"], capture_output=True, text=True, check=True).stdout.strip()
    minor = ".".join(ver.split(".")[:2])
    stdlib = f"/usr/lib/python{minor}"
    files = [real]
    for root, dirs, names in os.walk(stdlib):
        dirs[:] = sorted(d for d in dirs if d not in SKIP)
        files.extend(os.path.join(root, n) for n in sorted(names) if not n.endswith(".pyc"))
    files.extend(shared_libraries([real] + glob.glob(f"{stdlib}/lib-dynload/*.so")))
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        def add(info):
            info.mtime, info.uid, info.gid, info.uname, info.gname = 0, 0, 0, "root", "root"
            t.addfile(info)

        dirs = {"tmp"}
        for f in files:
            d = os.path.dirname(f).lstrip("/")
            while d:
                dirs.add(d)
                d = os.path.dirname(d)
        for d in sorted(dirs):
            i = tarfile.TarInfo(d)
            i.type, i.mode = tarfile.DIRTYPE, 0o1777 if d == "tmp" else 0o755
            add(i)
        for f in sorted(set(files)):
            data = open(os.path.realpath(f), "rb").read()
            i = tarfile.TarInfo(f.lstrip("/"))
            i.size, i.mode = len(data), os.stat(f).st_mode & 0o777
            i.mtime, i.uid, i.gid, i.uname, i.gname = 0, 0, 0, "root", "root"
            t.addfile(i, io.BytesIO(data))
        for link, target in [("usr/bin/python3", os.path.basename(real)), ("usr/bin/python", os.path.basename(real))]:
            if link.lstrip("/") != real.lstrip("/"):
                i = tarfile.TarInfo(link)
                i.type, i.linkname, i.mode = tarfile.SYMTYPE, target, 0o777
                add(i)
    return buf.getvalue(), ver


def built():
    """(layer gz bytes, diff_id, python version), cached on disk."""
    me = hashlib.sha256(open(__file__, "rb").read()).hexdigest()[:16]
    cache = os.path.join(tempfile.gettempdir(), f"fintech-test-base-{os.getuid()}-{me}")
    if os.path.exists(cache + ".json"):
        meta = json.load(open(cache + ".json"))
        return open(cache + ".gz", "rb").read(), meta["diff_id"], meta["version"]
    tar, ver = layer_tar()
    gz = gzip.compress(tar, compresslevel=6, mtime=0)
    diff_id = "sha256:" + hashlib.sha256(tar).hexdigest()
    # Tests start at once: each writes its own temporary file, renamed into place whole.
    tmp = f".{os.getpid()}.tmp"
    open(cache + ".gz" + tmp, "wb").write(gz)
    os.replace(cache + ".gz" + tmp, cache + ".gz")
    json.dump({"diff_id": diff_id, "version": ver}, open(cache + ".json" + tmp, "w"))
    os.replace(cache + ".json" + tmp, cache + ".json")
    return gz, diff_id, ver


def push_blob(registry, data):
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    start = open_url(urllib.request.Request(f"{registry}/v2/{REPO}/blobs/uploads/", method="POST", data=b""))
    loc = start.headers["Location"]
    loc = loc if loc.startswith("http") else registry + loc
    sep = "&" if "?" in loc else "?"
    open_url(urllib.request.Request(f"{loc}{sep}digest={digest}", method="PUT", data=data, headers={"Content-Type": "application/octet-stream"}))
    return {"digest": digest, "size": len(data)}


def put_manifest(registry, ref, body, media_type):
    data = json.dumps(body, separators=(",", ":")).encode()
    open_url(urllib.request.Request(f"{registry}/v2/{REPO}/manifests/{ref}", method="PUT", data=data, headers={"Content-Type": media_type}))
    return {"mediaType": media_type, "digest": "sha256:" + hashlib.sha256(data).hexdigest(), "size": len(data)}


def main(registry):
    gz, diff_id, ver = built()
    layer = push_blob(registry, gz) | {"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip"}
    config = {
        "architecture": "amd64",
        "os": "linux",
        "config": {"Env": ["PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8", f"PYTHON_VERSION={ver}"], "Cmd": ["python3"]},
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
        "history": [{"created": "1970-01-01T00:00:00Z", "created_by": "tests/emulator/base_image.py"}],
    }
    cfg = push_blob(registry, json.dumps(config, separators=(",", ":")).encode()) | {"mediaType": "application/vnd.oci.image.config.v1+json"}
    m = put_manifest(registry, "amd64", {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json", "config": cfg, "layers": [layer]}, "application/vnd.oci.image.manifest.v1+json")
    index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [m | {"platform": {"os": "linux", "architecture": "amd64"}}]}
    tag = "3." + ver.split(".")[1] + "-host"
    put_manifest(registry, tag, index, "application/vnd.oci.image.index.v1+json")
    print(f"{registry.split('://', 1)[1]}/{REPO}:{tag}")


if __name__ == "__main__":
    main(sys.argv[1].rstrip("/"))
