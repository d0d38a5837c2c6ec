#!/usr/bin/env python3
"""slowloris.py - slow clients against a web server, for tests/chaos (only 127.0.0.1).

    slowloris.py PORT CONNECTIONS SECONDS [headers|body|mixed] [PATH]

Opens CONNECTIONS connections to 127.0.0.1:PORT (at most 200 a second) and keeps each one
sending its request as slowly as it dares: "headers" sends the start of a request head and
then one header byte every 2 s, never the blank line; "body" sends a complete head of a
POST with Content-Length: 2000 and then one body byte every 2 s; "mixed" does half of each.
After SECONDS (counted from the last connection opened) it closes whatever is still open
and prints one line:

    slowloris: opened=N refused=N closed_by_server=N still_open=N answered=N p50_closed_s=X max_closed_s=X

closed_by_server counts the connections the server cut (with or without an answer, e.g.
408), with how long each lasted; still_open those the server held to the end.
"""
import asyncio
import statistics
import sys
import time


async def one(port, mode, path, stop_at, stats):
    t0 = time.monotonic()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        stats["refused"] += 1
        return
    stats["opened"] += 1
    if mode == "headers":
        first = f"GET {path} HTTP/1.1\r\nHost: slow.example\r\nX-Slow: ".encode()
    else:
        first = (f"POST {path} HTTP/1.1\r\nHost: slow.example\r\nX-Api-Key: slow\r\n"
                 "Content-Type: application/json\r\nContent-Length: 2000\r\n\r\n{").encode()
    closed = False
    try:
        writer.write(first)
        await writer.drain()
        read = asyncio.ensure_future(reader.read(65536))
        while time.monotonic() < stop_at:
            done, _ = await asyncio.wait({read}, timeout=2.0)
            if done:
                data = read.result()
                if data:
                    stats["answered"] += 1
                closed = True
                break
            writer.write(b"a")
            await writer.drain()
        if not read.done():
            read.cancel()
    except (ConnectionError, OSError):
        closed = True
    if closed:
        stats["closed"].append(time.monotonic() - t0)
    else:
        stats["still_open"] += 1
    writer.close()
    try:
        await writer.wait_closed()
    except (ConnectionError, OSError):
        pass


async def main():
    port, n, seconds = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    mode = sys.argv[4] if len(sys.argv) > 4 else "mixed"
    path = sys.argv[5] if len(sys.argv) > 5 else "/auth/v2/session/"
    stats = {"opened": 0, "refused": 0, "answered": 0, "still_open": 0, "closed": []}
    tasks = []
    stop_at = time.monotonic() + n / 200.0 + seconds
    for i in range(n):
        m = mode if mode != "mixed" else ("headers" if i % 2 == 0 else "body")
        tasks.append(asyncio.ensure_future(one(port, m, path, stop_at, stats)))
        if i % 200 == 199:
            await asyncio.sleep(1.0)
    await asyncio.gather(*tasks)
    c = stats["closed"]
    print("slowloris: opened=%d refused=%d closed_by_server=%d still_open=%d answered=%d "
          "p50_closed_s=%.1f max_closed_s=%.1f" % (
              stats["opened"], stats["refused"], len(c), stats["still_open"], stats["answered"],
              statistics.median(c) if c else 0.0, max(c) if c else 0.0))


asyncio.run(main())
