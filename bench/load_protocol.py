"""How many concurrent viewers one and two replicas serve, without browsers.

A protocol-level client opens Streamlit sessions over the websocket (`/_stcore/stream`, the
BackMsg/ForwardMsg protobufs that ship inside the `streamlit` package), asks for a filtered view
(page + query string, as a browser's first message does) and times the run until
`script_finished`: the script time a viewer waits for, queueing included, with no rendering.

For each replica count it starts `make serve` (deploy/serve.py) on loopback, then raises the
number of concurrent viewers (each one: open a session, run a view, close; again, for --rounds)
until the p95 script time is more than twice the p95 of one viewer alone. Every figure is also
a ratio to that one-viewer p95 measured in the same run.

    .venv/bin/python -m bench.load_protocol [--replicas 1 2] [--levels 1 2 4 8 16 32] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from bench.load_common import load_average, percentile, rss_mb, views
from tests.serve_harness import served

TIMEOUT_S = 180


async def one_view(ws_url: str, public: str, page: str, query: str) -> tuple[float, str | None]:
    """Seconds from asking for the view to the end of its script run; an error's name, if any."""
    async with websockets.connect(ws_url, subprotocols=["streamlit"], max_size=None, open_timeout=60) as ws:
        return await run_view(ws, public, page, query)


async def run_view(ws, public: str, page: str, query: str) -> tuple[float, str | None]:
    """Ask an open session for a view; time it until its script run ends."""
    ask = BackMsg()
    ask.rerun_script.query_string = query
    ask.rerun_script.page_name = page
    ask.rerun_script.context_info.url = f"{public}/{page}"
    started = time.perf_counter()
    await ws.send(ask.SerializeToString())
    while True:
        msg = ForwardMsg()
        msg.ParseFromString(await asyncio.wait_for(ws.recv(), TIMEOUT_S))
        kind = msg.WhichOneof("type")
        if kind == "delta" and msg.delta.new_element.WhichOneof("type") == "exception":
            return time.perf_counter() - started, "exception"
        if kind == "script_finished" and msg.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY:
            return time.perf_counter() - started, None


async def level(ws_url: str, public: str, viewers: int, rounds: int, offset: int) -> tuple[list[float], int]:
    """`viewers` concurrent clients, each running `rounds` different views one after another."""
    pool = views(viewers * rounds + offset)[offset:]

    async def viewer(i: int) -> list[tuple[float, str | None]]:
        results = []
        for r in range(rounds):
            page, query = pool[i * rounds + r]
            try:
                results.append(await one_view(ws_url, public, page, query))
            except (OSError, TimeoutError, websockets.WebSocketException) as exc:
                results.append((float("nan"), type(exc).__name__))
        return results

    outcomes = [o for batch in await asyncio.gather(*(viewer(i) for i in range(viewers))) for o in batch]
    times = [t for t, err in outcomes if err is None]
    return times, sum(err is not None for _, err in outcomes)


async def session_cost(ws_url: str, public: str, pid: int, count: int) -> float:
    """MB one open session adds: `count` sessions on one already-computed view, held open together."""
    page, query = views(1)[0]
    await one_view(ws_url, public, page, query)  # the view's metrics are cached: what is left is per session
    before = rss_mb(pid)
    sockets = [await websockets.connect(ws_url, subprotocols=["streamlit"], max_size=None) for _ in range(count)]
    try:
        for ws in sockets:
            await run_view(ws, public, page, query)
        return (rss_mb(pid) - before) / count
    finally:
        for ws in sockets:
            await ws.close()


def run(replicas: int, levels: list[int], rounds: int) -> None:
    with tempfile.TemporaryDirectory() as tmp, served(Path(tmp), replicas=replicas, base_path="", health_tick=60) as s:
        ws_url = s.url.replace("http://", "ws://") + "/_stcore/stream"
        # Warm: each replica loads its own copy of the data set once (new connections land on random replicas).
        asyncio.run(level(ws_url, s.url, 4 * replicas, 1, 0))
        base_p95 = None
        print(
            f"\n{replicas} replica(s): viewers | runs | errors | median s | p95 s | p95 / 1 viewer | RSS MB per replica"
        )
        offset = 4 * replicas
        for viewers in levels:  # every level asks for views no earlier level computed
            started = time.perf_counter()
            times, errors = asyncio.run(level(ws_url, s.url, viewers, rounds, offset))
            offset += viewers * rounds
            wall = time.perf_counter() - started
            p95 = percentile(times, 95)
            base_p95 = base_p95 or p95
            memory = " ".join(f"{rss_mb(s.replica_pid(i)):.0f}" for i in range(replicas))
            ratio = p95 / base_p95
            print(
                f"{viewers:>7} | {len(times) + errors:>4} | {errors:>6} | {percentile(times, 50):8.2f} | "
                f"{p95:5.2f} | {ratio:14.2f} | {memory}   ({wall:.0f} s wall; load average {load_average()})",
                flush=True,
            )
            if ratio > 2:
                print(f"   p95 more than doubled at {viewers} concurrent viewers")
                break
        if replicas == 1:
            cost = asyncio.run(session_cost(ws_url, s.url, s.replica_pid(0), 20))
            print(f"one open session adds {cost:.1f} MB to its replica (20 held open on a cached view)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--replicas", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--levels", type=int, nargs="+", default=[1, 2, 4, 8, 16, 32])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    for replicas in args.replicas:
        run(replicas, args.levels, args.rounds)


if __name__ == "__main__":
    main()
