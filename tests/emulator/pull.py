"""Pulls an image back from a registry as a runtime would, checking every digest, and describes it
(for the image tests; independent of fintech's own registry client).

    python3 tests/emulator/pull.py http://127.0.0.1:PORT REPO REFERENCE [ROOTFS_DIR]

Prints one JSON object: the manifest's digest, media type and layers, the config, and the files
of each layer (path, mode, uid, gid, size). With ROOTFS_DIR the layers are unpacked there, in
order, as the root file system of a container.
"""
import gzip
import hashlib
import io
import json
import sys
import tarfile
import time
import urllib.error
import urllib.request

ACCEPT = "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json"


def open_url(req):
    """urlopen, again (up to 5 times) while the registry throttles (429; see realism.py)."""
    for attempt in range(5):
        try:
            return urllib.request.urlopen(req, timeout=60)
        except urllib.error.HTTPError as e:
            if e.code != 429 or attempt == 4:
                raise
            time.sleep(0.2 * 2**attempt)


def get(url, accept=None):
    req = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    with open_url(req) as r:
        return r.read(), r.headers.get("Content-Type", "")


def check(data, digest):
    got = "sha256:" + hashlib.sha256(data).hexdigest()
    if got != digest:
        raise SystemExit(f"digest mismatch: wanted {digest}, got {got}")


def main(registry, repo, ref, rootfs=None):
    body, ctype = get(f"{registry}/v2/{repo}/manifests/{ref}", ACCEPT)
    digest = "sha256:" + hashlib.sha256(body).hexdigest()
    if ref.startswith("sha256:"):
        check(body, ref)
    manifest = json.loads(body)
    cfg_bytes, _ = get(f"{registry}/v2/{repo}/blobs/{manifest['config']['digest']}")
    check(cfg_bytes, manifest["config"]["digest"])
    config = json.loads(cfg_bytes)
    layers = []
    for i, l in enumerate(manifest["layers"]):
        gz, _ = get(f"{registry}/v2/{repo}/blobs/{l['digest']}")
        check(gz, l["digest"])
        if len(gz) != l["size"]:
            raise SystemExit(f"layer {l['digest']}: {len(gz)} bytes, the manifest says {l['size']}")
        tar = gzip.decompress(gz)
        check(tar, config["rootfs"]["diff_ids"][i])
        files = []
        with tarfile.open(fileobj=io.BytesIO(tar)) as t:
            for m in t.getmembers():
                files.append({"path": m.name, "type": m.type.decode(), "mode": m.mode, "uid": m.uid, "gid": m.gid, "mtime": m.mtime, "size": m.size})
            if rootfs:
                t.extractall(rootfs, numeric_owner=True, filter="tar" if hasattr(tarfile, "tar_filter") else None)
        layers.append({"digest": l["digest"], "mediaType": l["mediaType"], "size": l["size"], "files": files})
    print(json.dumps({"digest": digest, "contentType": ctype, "mediaType": manifest.get("mediaType"), "annotations": manifest.get("annotations", {}), "config": config, "layers": layers}))


if __name__ == "__main__":
    main(*sys.argv[1:])
