#!/usr/bin/python3
"""A one-way UDP stream with sequence numbers, for the VM tests.

send --src ADDR --rate N --duration S DST[:PORT]...
    Sends N datagrams a second to every DST from ADDR, each carrying an
    8-byte sequence number (shared by all destinations: datagram k goes to
    every DST), for S seconds. Prints "sent K" at the end.
recv --bind ADDR --port P --out FILE
    Receives until killed (SIGTERM) and writes every sequence number it got,
    one per line, to FILE as it goes.
gaps FILE SENT
    Prints "received R lost L runs G" for a receiver's FILE against SENT
    datagrams: L = SENT - R distinct ones, G = how many separate runs of
    consecutive missing numbers (one per outage), then "at K+N" for each
    run (its first number and length; with --start and --rate as the
    sender printed them, also the wall-clock time K was sent).
"""
import argparse
import signal
import socket
import struct
import sys
import time


def send(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((a.src, 0))
    dsts = []
    for d in a.dst:
        host, _, port = d.partition(":")
        dsts.append((host, int(port or a.port)))
    interval = 1.0 / a.rate
    print(f"start {time.time():.3f} rate {a.rate:g}", flush=True)
    start = time.monotonic()
    k = 0
    while time.monotonic() - start < a.duration:
        for d in dsts:
            try:
                s.sendto(struct.pack("!Q", k), d)
            except OSError:
                pass  # no route or policy yet: the receiver counts it lost
        k += 1
        delay = start + k * interval - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    print(f"sent {k}")
    return 0


def recv(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((a.bind, a.port))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with open(a.out, "w", buffering=1) as out:
        while True:
            data, _ = s.recvfrom(64)
            if len(data) >= 8:
                out.write(f"{struct.unpack('!Q', data[:8])[0]}\n")


def gaps(a):
    got = set()
    with open(a.file) as f:
        for line in f:
            if line.strip():
                got.add(int(line))
    runs = []
    for k in range(a.sent):
        if k in got:
            continue
        if runs and runs[-1][0] + runs[-1][1] == k:
            runs[-1][1] += 1
        else:
            runs.append([k, 1])
    received = len([k for k in got if k < a.sent])
    where = ""
    for k, n in runs[:20]:
        where += f" at {k}+{n}"
        if a.start:
            where += time.strftime("@%H:%M:%S", time.gmtime(a.start + k / a.rate))
    print(f"received {received} lost {a.sent - received} runs {len(runs)}{where}")
    return 0


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("send")
    s.add_argument("--src", required=True)
    s.add_argument("--rate", type=float, default=10)
    s.add_argument("--duration", type=float, required=True)
    s.add_argument("--port", type=int, default=9000)
    s.add_argument("dst", nargs="+")
    r = sub.add_parser("recv")
    r.add_argument("--bind", default="")
    r.add_argument("--port", type=int, default=9000)
    r.add_argument("--out", required=True)
    g = sub.add_parser("gaps")
    g.add_argument("file")
    g.add_argument("sent", type=int)
    g.add_argument("--start", type=float, default=0)
    g.add_argument("--rate", type=float, default=1)
    a = p.parse_args()
    return {"send": send, "recv": recv, "gaps": gaps}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
