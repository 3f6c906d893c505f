#!/usr/bin/python3
"""ISAKMP-shaped UDP 500 peers for the VM tests (plain sockets, no crypto).

responder LOG [--count N]
    Binds UDP 500, answers every message with the same initiator cookie and a
    responder cookie of its own, and appends "SRC_IP SRC_PORT ICOOKIE" to LOG.
initiator DST ICOOKIE [--version 1|2] [--tries N]
    Binds UDP 500, sends one header-only message and waits for the answer.
    Exit 0 if an answer with our cookie arrived, 1 if nothing came, 2 if
    a message with another host's cookie arrived (misdelivery).
send DST ICOOKIE [--rcookie R] [--version V] [--count N] [--raw HEX]
    Sends messages from port 500 without waiting: N of them with cookies
    ICOOKIE, ICOOKIE+1, ... (--raw: one message of any payload).
listen ICOOKIE --timeout S [--ready FILE]
    Binds UDP 500 (then creates FILE) and reports (exit 0) if a message
    with ICOOKIE arrives.
"""
import argparse
import select
import socket
import struct
import sys
import time


def header(icookie, rcookie=0, version=1, exchange=2):
    # RFC 2408 3.1 / RFC 7296 3.1: cookies, next payload, version,
    # exchange type, flags, message id, length (header only).
    ver = 0x10 if version == 1 else 0x20
    return struct.pack("!QQBBBBII", icookie, rcookie, 0, ver, exchange, 0, 0, 28)


def sock500(bind_addr=""):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((bind_addr, 500))
    return s


def responder(args):
    s = sock500()
    with open(args.log, "a", buffering=1) as log:
        while True:
            data, (ip, port) = s.recvfrom(4096)
            if len(data) < 28:
                log.write(f"{ip} {port} short\n")
                continue
            icookie, rcookie = struct.unpack("!QQ", data[:16])
            log.write(f"{ip} {port} {icookie:016x}\n")
            if not icookie:
                continue  # not an ISAKMP message: nothing to answer
            mine = rcookie or (icookie ^ 0x5A5A5A5A5A5A5A5A)
            s.sendto(header(icookie, mine, data[17] >> 4), (ip, port))


def initiator(args):
    s = sock500(args.bind)
    want = int(args.icookie, 16)
    for _ in range(args.tries):
        s.sendto(header(want, 0, args.version), (args.dst, 500))
        deadline = time.time() + args.wait
        while time.time() < deadline:
            r, _, _ = select.select([s], [], [], max(0, deadline - time.time()))
            if not r:
                break
            data, _ = s.recvfrom(4096)
            if len(data) < 28:
                continue
            got = struct.unpack("!Q", data[:8])[0]
            if got != want:
                print(f"misdelivered: got cookie {got:016x}, mine {want:016x}")
                return 2
            return 0
    return 1


def send(args):
    s = sock500(args.bind)
    if args.raw is not None:
        s.sendto(bytes.fromhex(args.raw), (args.dst, 500))
        return 0
    first = int(args.icookie, 16)
    for c in range(first, first + args.count):
        s.sendto(header(c, int(args.rcookie, 16), args.version), (args.dst, 500))
    return 0


def listen(args):
    s = sock500()
    if args.ready:
        # bound: the test may make the remote send now
        open(args.ready, "w").close()
    want = int(args.icookie, 16)
    deadline = time.time() + args.timeout
    while time.time() < deadline:
        r, _, _ = select.select([s], [], [], max(0, deadline - time.time()))
        if not r:
            break
        data, _ = s.recvfrom(4096)
        if len(data) >= 8 and struct.unpack("!Q", data[:8])[0] == want:
            return 0
    return 1


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("responder")
    r.add_argument("log")
    i = sub.add_parser("initiator")
    i.add_argument("dst")
    i.add_argument("icookie")
    i.add_argument("--version", type=int, default=1)
    i.add_argument("--tries", type=int, default=3)
    i.add_argument("--wait", type=float, default=2.0)
    i.add_argument("--bind", default="")
    s = sub.add_parser("send")
    s.add_argument("dst")
    s.add_argument("icookie", nargs="?", default="0")
    s.add_argument("--rcookie", default="0")
    s.add_argument("--version", type=int, default=1)
    s.add_argument("--raw")
    s.add_argument("--count", type=int, default=1)
    s.add_argument("--bind", default="")
    li = sub.add_parser("listen")
    li.add_argument("icookie")
    li.add_argument("--timeout", type=float, default=3.0)
    li.add_argument("--ready", default="")
    a = p.parse_args()
    return {"responder": responder, "initiator": initiator, "send": send,
            "listen": listen}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
