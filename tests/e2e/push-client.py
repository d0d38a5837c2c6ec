#!/usr/bin/python3
# push-client.py - the WebSocket side of the push tests (tests/e2e/push-*.t), on Debian's
# python3-websocket (websocket-client). Each mode prints what a browser would see, one
# line an event, for the shell tests to compare:
#
#   status <status>        a text frame {"message": {"session_id": <sid>, "status": <s>}}
#   bad-frame <text>       a text frame of another shape (or another session's id)
#   close <code>           the server's close frame
#   eof                    the connection ended without a close frame
#   http <code> <body>     the handshake was refused with that answer
#   timeout                nothing more within the time allowed
#
# Modes (URL is ws://host:port/auth/ws/notifications/?token=...):
#   watch URL SID SECONDS          every event until the connection ends
#   watch-many FILE SECONDS OUTDIR [reconnect]
#                                  one thread per "SID URL" line of FILE, each writing
#                                  OUTDIR/<SID>; with reconnect, a connection that ends
#                                  without a terminal status is opened again (backoff
#                                  0.2 s doubling to 2 s), as the SDK does
#   pings URL SECONDS              "ping <t>" for each ping (t: seconds since connect)
#   silent URL SECONDS             reads the first frame, then neither reads nor answers
#                                  pings; prints "dropped <t>" when the server has closed
#                                  the connection (seen at the end), else "alive"
#   junk URL SID SECONDS           sends text, binary, pong frames and a ping; prints "pong"
#                                  when the ping is answered, then watches as watch does
#   big URL BYTES                  sends one text message of BYTES; prints the close code
#   flood URL SECONDS              sends pings as fast as it can without reading; prints
#                                  "sent <n> <reason>" when the server stops taking them
#   halfopen PORT N SECONDS        N connections to 127.0.0.1:PORT that send half a request
#                                  head and hold it SECONDS: "open N", then "closed M", how
#                                  many the server closed meanwhile
#   raw PORT < BYTES               sends stdin as it is: "<status> <body>" of the answer
import json
import os
import socket
import sys
import threading
import time

import websocket
from websocket import ABNF

TERMINAL = {"confirmed", "declined", "expired", "cancelled"}


def frame_line(data, sid):
    try:
        m = json.loads(data)
        msg = m["message"]
        if set(m) == {"message"} and set(msg) == {"session_id", "status"} and msg["session_id"] == sid:
            return "status " + msg["status"]
    except (ValueError, KeyError, TypeError):
        pass
    return "bad-frame " + data.replace("\n", " ")[:200]


def connect(url, timeout):
    try:
        return websocket.create_connection(url, timeout=timeout), None
    except websocket.WebSocketBadStatusException as e:
        body = getattr(e, "resp_body", b"") or b""
        if isinstance(body, bytes):
            body = body.decode("utf-8", "replace")
        return None, ("http %d %s" % (e.status_code, body.strip())).strip()
    except (OSError, websocket.WebSocketException) as e:
        return None, "error %s" % e


def watch(url, sid, seconds, out):
    """Events until the connection ends; returns the lines."""
    lines = []
    deadline = time.time() + seconds
    ws, err = connect(url, max(0.1, deadline - time.time()))
    if err:
        out(err)
        return [err]
    try:
        while True:
            left = deadline - time.time()
            if left <= 0:
                out("timeout")
                lines.append("timeout")
                break
            ws.settimeout(left)
            try:
                op, frame = ws.recv_data_frame(True)
            except websocket.WebSocketTimeoutException:
                continue
            except (websocket.WebSocketConnectionClosedException, OSError):
                out("eof")
                lines.append("eof")
                break
            if op == ABNF.OPCODE_TEXT:
                line = frame_line(frame.data.decode("utf-8", "replace"), sid)
            elif op == ABNF.OPCODE_CLOSE:
                code = int.from_bytes(frame.data[:2], "big") if len(frame.data) >= 2 else 1005
                line = "close %d" % code
            else:
                continue  # pings (answered by the library), pongs
            out(line)
            lines.append(line)
            if op == ABNF.OPCODE_CLOSE:
                break
    finally:
        ws.close(timeout=0.2) if ws.connected else None
    return lines


def watch_many(listfile, seconds, outdir, reconnect):
    deadline = time.time() + seconds

    def one(sid, url):
        with open(os.path.join(outdir, sid), "w", buffering=1) as f:
            def out(line):
                f.write(line + "\n")
            backoff = 0.2
            while time.time() < deadline:
                lines = watch(url, sid, deadline - time.time(), out)
                if not reconnect or any(l.startswith("status ") and l[7:] in TERMINAL for l in lines):
                    return
                if lines and lines[-1] == "timeout":
                    return
                time.sleep(backoff)
                backoff = min(backoff * 2, 2.0)
                out("reconnect")

    threads = []
    with open(listfile) as f:
        for line in f:
            if line.strip():
                sid, url = line.split()
                t = threading.Thread(target=one, args=(sid, url), daemon=True)
                t.start()
                threads.append(t)
    for t in threads:
        t.join(max(0, deadline - time.time()) + 1)


def pings(url, seconds):
    ws, err = connect(url, 5)
    if err:
        print(err)
        return
    start = time.time()
    while time.time() - start < seconds:
        ws.settimeout(max(0.05, seconds - (time.time() - start)))
        try:
            op, _ = ws.recv_data_frame(True)
        except websocket.WebSocketTimeoutException:
            break
        except (websocket.WebSocketConnectionClosedException, OSError):
            print("eof")
            break
        if op == ABNF.OPCODE_PING:
            print("ping %.3f" % (time.time() - start), flush=True)
    ws.close(timeout=0.2)


def silent(url, seconds):
    ws, err = connect(url, 5)
    if err:
        print(err)
        return
    ws.recv()  # the first status
    start = time.time()
    sock = ws.sock
    # Neither read nor pong: a peer that vanished. Then look whether the server hung up:
    # a closed connection reads its pending bytes (pings), then EOF.
    time.sleep(seconds)
    sock.setblocking(False)
    closed = False
    try:
        while True:
            b = sock.recv(65536)
            if not b:
                closed = True
                break
    except BlockingIOError:
        pass
    except OSError:
        closed = True
    print("dropped %.1f" % (time.time() - start) if closed else "alive")


def junk(url, sid, seconds):
    ws, err = connect(url, 5)
    if err:
        print(err)
        return
    print(frame_line(ws.recv(), sid), flush=True)
    ws.send("hello", ABNF.OPCODE_TEXT)
    ws.send(b"\x00\x01\x02", ABNF.OPCODE_BINARY)
    ws.send('{"message": {"status": "confirmed"}}', ABNF.OPCODE_TEXT)
    ws.pong("unsolicited")
    ws.ping("are you there")
    ws.settimeout(5)
    op, frame = ws.recv_data_frame(True)
    if op == ABNF.OPCODE_PONG and frame.data == b"are you there":
        print("pong", flush=True)
    else:
        print("no-pong %d" % op, flush=True)
    ws.close(timeout=0.2)


def big(url, size):
    ws, err = connect(url, 5)
    if err:
        print(err)
        return
    ws.recv()
    ws.send("x" * size, ABNF.OPCODE_TEXT)
    ws.settimeout(5)
    try:
        while True:
            op, frame = ws.recv_data_frame(True)
            if op == ABNF.OPCODE_CLOSE:
                print("close %d" % int.from_bytes(frame.data[:2], "big"))
                return
    except websocket.WebSocketTimeoutException:
        print("timeout")
    except (websocket.WebSocketConnectionClosedException, OSError):
        print("eof")


def flood(url, seconds):
    ws, err = connect(url, 5)
    if err:
        print(err)
        return
    ws.recv()
    ws.settimeout(2)  # a send that cannot go on for 2 s: the server stopped reading
    n = 0
    start = time.time()
    reason = "time"
    try:
        while time.time() - start < seconds:
            ws.ping("x" * 125)
            n += 1
    except websocket.WebSocketTimeoutException:
        reason = "blocked"
    except (websocket.WebSocketConnectionClosedException, OSError) as e:
        reason = "closed" if not isinstance(e, socket.timeout) else "blocked"
    print("sent %d %s" % (n, reason), flush=True)


def halfopen(port, n, seconds):
    """n connections that send half a request head and hold it; then how many of them
    the server closed meanwhile."""
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, n + 64)), hard))
    socks = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.sendall(b"GET /auth/ws/notifications/?token=")
        socks.append(s)
    print("open %d" % len(socks), flush=True)
    time.sleep(seconds)
    closed = 0
    for s in socks:
        s.setblocking(False)
        try:
            if s.recv(4096) == b"":
                closed += 1
        except BlockingIOError:
            pass
        except OSError:
            closed += 1
        s.close()
    print("closed %d" % closed, flush=True)


def raw(port, data):
    """Sends bytes as they are; prints the status code and the body of the answer."""
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        s.sendall(data)
    except OSError:
        pass
    answer = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            answer += b
    except OSError:
        pass
    head, _, body = answer.partition(b"\r\n\r\n")
    parts = head.split(b" ", 2)
    print("%s %s" % (parts[1].decode() if len(parts) > 1 else "000", body.decode("utf-8", "replace")))


def main():
    mode = sys.argv[1]
    if mode == "watch":
        watch(sys.argv[2], sys.argv[3], float(sys.argv[4]), lambda l: print(l, flush=True))
    elif mode == "watch-many":
        watch_many(sys.argv[2], float(sys.argv[3]), sys.argv[4], len(sys.argv) > 5)
    elif mode == "pings":
        pings(sys.argv[2], float(sys.argv[3]))
    elif mode == "silent":
        silent(sys.argv[2], float(sys.argv[3]))
    elif mode == "junk":
        junk(sys.argv[2], sys.argv[3], float(sys.argv[4]))
    elif mode == "big":
        big(sys.argv[2], int(sys.argv[3]))
    elif mode == "flood":
        flood(sys.argv[2], float(sys.argv[3]))
    elif mode == "halfopen":
        halfopen(int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]))
    elif mode == "raw":
        raw(int(sys.argv[2]), sys.stdin.buffer.read())
    else:
        sys.exit("push-client.py: unknown mode " + mode)


if __name__ == "__main__":
    main()
