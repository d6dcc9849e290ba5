"""The providers' stub server (tests.stubs.server) for the benchmark: the same answers, with a fixed
latency on every request and, switchable at run time, extra latency on some paths (to check that a
slow provider holds up nothing but its own jobs):

    python -m bench.stub --port 8765 --latency-ms 200
    GET /_bench/slow?prefix=/gdelt/&seconds=3     GDELT answers 3 s later from now on
    GET /_bench/slow                              nobody is slow any more
"""

from __future__ import annotations

import argparse

from tests.stubs import server

SLOW_CONTROL = "/_bench/slow"
_slow: dict[str, float] = {}


def _answer_with_slowness(normal_answer):  # type: ignore[no-untyped-def]
    def answer(seen: server.Seen, base: str) -> server.Canned:
        if seen.path == SLOW_CONTROL:
            _slow.clear()
            if seen.param("prefix"):
                _slow[seen.param("prefix")] = float(seen.param("seconds") or 0)
            return server.Canned(200, b"{}", "application/json")
        canned = normal_answer(seen, base)
        for prefix, seconds in list(_slow.items()):
            if seen.path.startswith(prefix):
                canned.delay += seconds
        return canned

    return answer


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    args = parser.parse_args(argv)
    server.default_answer = _answer_with_slowness(server.default_answer)
    # The listen backlog is set when the server binds; the default (5) drops connections when many
    # workers call at once, and a dropped SYN costs the client a second.
    server.ThreadingHTTPServer.request_queue_size = 1024
    # The handler writes the headers and the body separately; with Nagle's algorithm on, the body
    # waits for the client's delayed ACK of the headers (~40 ms), a latency no real service adds.
    server._Handler.disable_nagle_algorithm = True
    stub = server.StubServer("127.0.0.1", args.port, latency=args.latency_ms / 1000)
    print(f"stub at {stub.url}", flush=True)
    try:
        stub._server.serve_forever()
    finally:
        stub._server.server_close()


if __name__ == "__main__":
    main()
