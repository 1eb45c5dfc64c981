"""A local stand-in for the Hugging Face Hub's file endpoint, for tests (the real Hub is unreachable here).

Serves ``/{repo_id}/resolve/{revision}/{filename}`` (HEAD and GET) from local folders, with the headers
``huggingface_hub`` needs (X-Repo-Commit, ETag, Content-Length) and its error codes for missing things.
"""

from __future__ import annotations

import hashlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote


def serve(repos: dict[str, dict[str, Path]]) -> tuple[ThreadingHTTPServer, str]:
    """Start a server on 127.0.0.1 (a free port) for ``{repo_id: {revision: folder}}``; returns (server, url)."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # keep test output quiet
            pass

        def do_HEAD(self) -> None:
            self._respond(body=False)

        def do_GET(self) -> None:
            self._respond(body=True)

        def _error(self, code: str) -> None:
            self.send_response(404)
            self.send_header("X-Error-Code", code)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def _respond(self, body: bool) -> None:
            parts = unquote(self.path.split("?")[0]).strip("/").split("/")
            if len(parts) < 5 or parts[2] != "resolve":
                return self._error("RepoNotFound")
            repo_id, revision, filename = "/".join(parts[:2]), parts[3], "/".join(parts[4:])
            if repo_id not in repos:
                return self._error("RepoNotFound")
            if revision not in repos[repo_id]:
                return self._error("RevisionNotFound")
            path = repos[repo_id][revision] / filename
            if not path.is_file():
                return self._error("EntryNotFound")
            data = path.read_bytes()
            self.send_response(200)
            # a commit hash names itself (what preload_from_hub pins); branches and tags resolve to a made-up commit
            commit = revision if len(revision) == 40 else hashlib.sha1(f"{repo_id}@{revision}".encode()).hexdigest()
            self.send_header("X-Repo-Commit", commit)
            self.send_header("ETag", f'"{hashlib.sha256(data).hexdigest()}"')
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if body:
                self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"
