#!/usr/bin/env python3
"""Instructions per packet by function, from the profiles that
tests/perf/vm_insn.sh keeps under the insn-profile qemu plugin
(PERF_PROFILE=1, scripts/vm/run-guest -p): build/vm/console-*.keep/prof.

  tests/perf/insn_profile.py DIR KEY [BASE_KEY] [--top N] [--min X]

KEY, BASE_KEY: a measurement as vm_insn.sh names it, FLOW.MODE
(esp_out.plain, ike_in.vpnmasq, esp_out.direct, esp_out.VARIANT, ...).
With one key: its instructions per packet by function, the median over
its rounds. With two: KEY minus BASE_KEY by function, per packet: where
the difference between two modes goes. Functions of modules are shown
with their module ([vpnmasq] resolved with the symbols of the load the
round measured); addresses below the kernel's are "[user]".
"""
import argparse
import bisect
import collections
import os
import statistics
import sys


def load_syms(path, out):
    with open(path) as f:
        for line in f:
            w = line.split()
            if len(w) < 3 or w[1] not in "tT":
                continue
            a = int(w[0], 16)
            if not a:
                continue
            name = w[2] + (" " + w[3] if len(w) > 3 else "")
            out.append((a, name))


class Syms:
    def __init__(self, base, extra):
        syms = list(base)
        if extra:
            load_syms(extra, syms)
        syms.sort()
        self.addrs = [a for a, _ in syms]
        self.names = [n for _, n in syms]

    def name(self, addr):
        if addr < 0xffff800000000000:
            return "[user]"
        i = bisect.bisect_right(self.addrs, addr) - 1
        return self.names[i] if i >= 0 else "?"


def profile(d, key, n, syms, npkt):
    per = collections.Counter()
    with open(os.path.join(d, "%s.%s.txt" % (key, n))) as f:
        for line in f:
            a, c = line.split()
            per[syms.name(int(a, 16))] += int(c)
    return {k: v / npkt for k, v in per.items()}


def rounds(d, key, base_syms):
    out = []
    with open(os.path.join(d, "manifest")) as f:
        for line in f:
            k, n, s, npkt = line.split()
            if k != key:
                continue
            sy = os.path.join(d, "syms-%s.txt" % s)
            out.append(profile(d, k, n, Syms(base_syms, sy if os.path.exists(sy) else None),
                               int(npkt)))
    if not out:
        raise SystemExit("no profile of %s in %s" % (key, d))
    return out


def median_by_func(profs):
    funcs = set()
    for p in profs:
        funcs.update(p)
    return {f: statistics.median(p.get(f, 0.0) for p in profs) for f in funcs}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("key")
    ap.add_argument("base", nargs="?")
    ap.add_argument("--top", type=int, default=40)
    ap.add_argument("--min", type=float, default=0.5)
    a = ap.parse_args()
    base_syms = []
    load_syms(os.path.join(a.dir, "kallsyms.txt"), base_syms)
    pa = rounds(a.dir, a.key, base_syms)
    ma = median_by_func(pa)
    tot_a = statistics.median(sum(p.values()) for p in pa)
    if not a.base:
        print("%s: %.1f instructions per packet (median of %d rounds)" % (a.key, tot_a, len(pa)))
        for f, v in sorted(ma.items(), key=lambda kv: -kv[1])[:a.top]:
            if v >= a.min:
                print("  %9.1f  %s" % (v, f))
        return 0
    pb = rounds(a.dir, a.base, base_syms)
    mb = median_by_func(pb)
    tot_b = statistics.median(sum(p.values()) for p in pb)
    print("%s - %s: %.1f - %.1f = %+.1f instructions per packet (medians of %d and %d rounds)"
          % (a.key, a.base, tot_a, tot_b, tot_a - tot_b, len(pa), len(pb)))
    diff = {f: ma.get(f, 0.0) - mb.get(f, 0.0) for f in set(ma) | set(mb)}
    shown = 0.0
    for f, v in sorted(diff.items(), key=lambda kv: -abs(kv[1]))[:a.top]:
        if abs(v) >= a.min:
            shown += v
            print("  %+9.1f  %9.1f %9.1f  %s" % (v, ma.get(f, 0.0), mb.get(f, 0.0), f))
    print("  %+9.1f  shown; %+.1f in the rest" % (shown, sum(diff.values()) - shown))
    return 0


if __name__ == "__main__":
    sys.exit(main())
