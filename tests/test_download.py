"""CIFAR10(download=True) against a tiny archive served from 127.0.0.1 by a thread in this process.

Covers a good archive (then no second download), a wrong md5, a truncated archive, a transfer
cut short, archive members that try to leave the folder or are links, a missing server, and
an archive without the expected files. After a failure nothing half-done may be left in root.
"""
import hashlib
import http.server
import io
import os
import tarfile
import threading
import types

import numpy as np
import pytest

from minitorch_cv.vision import datasets
from test_cifar_dataset import write_cifar


@pytest.fixture
def server():
    """An HTTP server on 127.0.0.1: ``files[path] = (body, declared length or None)``."""
    files, hits = {}, []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            if self.path not in files:
                self.send_error(404)
                return
            body, length = files[self.path]
            self.send_response(200)
            self.send_header("Content-Length", str(length or len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield types.SimpleNamespace(files=files, hits=hits, url=f"http://127.0.0.1:{httpd.server_port}")
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def make_archive(tmp_path, extra=(), skip=()):
    """A cifar-10-python.tar.gz of a tiny CIFAR, plus ``extra`` TarInfo members; (bytes, written)."""
    source = tmp_path / "source"
    written = write_cifar(source)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        tar.add(source / "cifar-10-batches-py", arcname="cifar-10-batches-py",
                filter=lambda info: None if os.path.basename(info.name) in skip else info)
        for info, content in extra:
            tar.addfile(info, io.BytesIO(content) if content is not None else None)
    return buffer.getvalue(), written


def serving(server, body, md5=None, length=None):
    """A CIFAR10 subclass whose url and md5 point at ``body`` served by ``server``."""
    server.files["/cifar-10-python.tar.gz"] = (body, length)
    return type("LocalCIFAR10", (datasets.CIFAR10,), {
        "url": server.url + "/cifar-10-python.tar.gz",
        "tgz_md5": md5 or hashlib.md5(body).hexdigest()})


def _leftovers(root):
    return sorted(name for name in os.listdir(root) if name.startswith("."))


def test_good_archive_is_downloaded_checked_and_extracted_once(tmp_path, server):
    body, written = make_archive(tmp_path)
    cifar = serving(server, body)
    root = tmp_path / "root"
    train = cifar(root, train=True, download=True)
    assert len(train) == 60 and server.hits == ["/cifar-10-python.tar.gz"]
    data, labels = written["data_batch_1"]
    np.testing.assert_array_equal(train.data[:12], data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))
    assert train.targets[:12] == labels
    assert sorted(os.listdir(root)) == ["cifar-10-batches-py", "cifar-10-python.tar.gz"]
    assert len(cifar(root, train=False, download=True)) == 12
    assert len(server.hits) == 1


def test_archive_already_in_root_is_reused(tmp_path, server):
    body, _ = make_archive(tmp_path)
    cifar = serving(server, body)
    root = tmp_path / "root"
    root.mkdir()
    (root / "cifar-10-python.tar.gz").write_bytes(body)
    assert len(cifar(root, train=False, download=True)) == 12
    assert server.hits == []


def test_incomplete_folder_is_replaced(tmp_path, server):
    body, _ = make_archive(tmp_path)
    root = tmp_path / "root"
    write_cifar(root)
    os.remove(root / "cifar-10-batches-py" / "data_batch_4")
    assert len(serving(server, body)(root, train=True, download=True)) == 60
    assert _leftovers(root) == []


def test_wrong_md5_is_refused_and_nothing_kept(tmp_path, server):
    body, _ = make_archive(tmp_path)
    cifar = serving(server, body, md5="0" * 32)
    root = tmp_path / "root"
    with pytest.raises(datasets.DownloadError, match=r"corrupt: md5 [0-9a-f]{32}, expected 0{32}"):
        cifar(root, download=True)
    assert os.listdir(root) == []


def test_truncated_archive_is_reported(tmp_path, server):
    body, _ = make_archive(tmp_path)
    body = body[:len(body) // 2]
    cifar = serving(server, body)  # md5 of the truncated bytes: extraction must catch it
    root = tmp_path / "root"
    with pytest.raises(datasets.DownloadError, match=r"cifar-10-python.tar.gz is truncated or corrupt"):
        cifar(root, download=True)
    assert os.listdir(root) == ["cifar-10-python.tar.gz"]


def test_transfer_cut_short_is_reported(tmp_path, server):
    body, _ = make_archive(tmp_path)
    cifar = serving(server, body[:1000], length=len(body))
    root = tmp_path / "root"
    with pytest.raises(datasets.DownloadError, match=rf"cut short: got 1000 of {len(body)} bytes"):
        cifar(root, download=True)
    assert os.listdir(root) == []


def _member(name, kind=tarfile.REGTYPE, content=b"pwned", linkname=""):
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, linkname
    info.size = len(content) if kind == tarfile.REGTYPE else 0
    return info, content if kind == tarfile.REGTYPE else None


@pytest.mark.parametrize("name,kind,linkname,reason", [
    ("../evil.txt", tarfile.REGTYPE, "", "outside"),
    ("cifar-10-batches-py/../../evil.txt", tarfile.REGTYPE, "", "outside"),
    ("{abs}/evil.txt", tarfile.REGTYPE, "", "outside"),
    ("cifar-10-batches-py/link", tarfile.SYMTYPE, "../../evil.txt", "link or special file"),
    ("cifar-10-batches-py/hard", tarfile.LNKTYPE, "/etc/passwd", "link or special file"),
])
def test_members_escaping_the_folder_are_refused(tmp_path, server, name, kind, linkname, reason):
    name = name.format(abs=tmp_path)
    body, _ = make_archive(tmp_path, extra=[_member(name, kind, linkname=linkname)])
    root = tmp_path / "root"
    with pytest.raises(datasets.DownloadError, match=rf"refusing to extract .*{reason}"):
        serving(server, body)(root, download=True)
    assert not (tmp_path / "evil.txt").exists() and not (root / "evil.txt").exists()
    assert "cifar-10-batches-py" not in os.listdir(root) and _leftovers(root) == []


def test_archive_without_the_expected_files_is_refused(tmp_path, server):
    body, _ = make_archive(tmp_path, skip=("test_batch",))
    root = tmp_path / "root"
    with pytest.raises(datasets.DownloadError, match="does not contain cifar-10-batches-py/test_batch"):
        serving(server, body)(root, download=True)
    assert "cifar-10-batches-py" not in os.listdir(root) and _leftovers(root) == []


def test_unreachable_server_is_reported(tmp_path, server):
    cifar = type("Missing", (datasets.CIFAR10,), {"url": server.url + "/nope.tar.gz"})
    with pytest.raises(datasets.DownloadError, match=r"could not download .*nope.tar.gz.*by hand"):
        cifar(tmp_path / "root", download=True)
    assert os.listdir(tmp_path / "root") == []
