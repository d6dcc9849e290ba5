"""The raw Redis baseline of a queue round trip: BRPOP a request from one list, LPUSH the reply
onto another, forever. It plays the worker in `bench.workers_section.raw_round_trips`.

    python -m bench.echo REDIS_URL REQUEST_LIST
"""

from __future__ import annotations

import sys

import redis


def main() -> None:
    url, requests = sys.argv[1], sys.argv[2]
    client = redis.Redis.from_url(url)
    while True:
        item = client.brpop([requests], timeout=0)
        if item is not None:
            client.lpush(item[1], b"1")  # the request carries the reply list's name


if __name__ == "__main__":
    main()
