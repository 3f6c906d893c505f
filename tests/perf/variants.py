#!/usr/bin/env python3
"""Variant builds of vpnmasq for tests/perf/vm_insn.sh: each is a copy of
kmod/ with one change on the known-flow fast path, so that the instructions
per packet it saves (or adds) measure what that part costs. They are for
measuring only: several change decisions (a packet left without its zone,
entries without vpnmasq's helper) and none is ever installed.

  tests/perf/variants.py [--src DIR] [--out DIR] [--kver KVER]... NAME...

--src: a tree with kmod/ (default: the repository's working tree; for a
fixed commit, `git archive COMMIT kmod | tar -x -C DIR`); --out (default
build/variants): OUT/NAME/KVER/vpnmasq.ko is built with kbuild for each
--kver (default: the running kernel). NAME "list" prints the variants.
Each edit finds its anchor in the source or fails: a variant that no
longer applies to a changed module says so instead of measuring nothing.
"""
import argparse
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))

# The calibrator: N_LOOP turns of a loop the compiler must keep, at the top
# of the prerouting hook (every IPv4 packet the gateway receives runs it
# once). Its instructions per turn are read from the object file after the
# build (vm_insn.sh's figure is checked against the count).
N_LOOP = 33
LOOP = (
    "\t{\n"
    "\t\tunsigned int vpnmasq_cal_i;\n"
    "\n"
    "\t\tfor (vpnmasq_cal_i = 0; vpnmasq_cal_i < %d; vpnmasq_cal_i++)\n"
    "\t\t\tasm volatile(\"\" : \"+r\"(vpnmasq_cal_i));\n"
    "\t}\n" % N_LOOP)


def edit(path, old, new, count=1):
    """Replaces @old by @new in @path, @count times exactly."""
    with open(path) as f:
        s = f.read()
    n = s.count(old)
    if n != count:
        raise SystemExit("%s: expected %d of %r, found %d" % (path, count, old, n))
    with open(path, "w") as f:
        f.write(s.replace(old, new))


def plus100(k):
    """~100 instructions more per packet: the calibrator."""
    edit(k + "/hooks.c",
         "\tstruct vpnmasq_net *vn = priv;\n"
         "\tconst struct vpnmasq_config *cfg;\n"
         "\n"
         "\tcfg = vpnmasq_claimable(vn, skb);\n"
         "\tif (!cfg)\n"
         "\t\treturn NF_ACCEPT;\n"
         "\tswitch (ip_hdr(skb)->protocol) {\n",
         "\tstruct vpnmasq_net *vn = priv;\n"
         "\tconst struct vpnmasq_config *cfg;\n"
         "\n" + LOOP +
         "\tcfg = vpnmasq_claimable(vn, skb);\n"
         "\tif (!cfg)\n"
         "\t\treturn NF_ACCEPT;\n"
         "\tswitch (ip_hdr(skb)->protocol) {\n")


def nonat(k):
    """No second prerouting hook (after DNAT): one hook call less."""
    edit(k + "/hooks.c",
         "\t{\n"
         "\t\t.hook = vpnmasq_prerouting_nat,\n"
         "\t\t.pf = NFPROTO_IPV4,\n"
         "\t\t.hooknum = NF_INET_PRE_ROUTING,\n"
         "\t\t.priority = NF_IP_PRI_NAT_DST + 1,\n"
         "\t},\n", "")


def parse(k):
    """Known flows: the header is read, nothing else (outbound only:
    an inbound packet without its zone is not de-masqueraded)."""
    edit(k + "/esp_hook.c",
         "\tif (!vpnmasq_esp_spi(vn, skb, &spi))\n"
         "\t\treturn NF_ACCEPT;\n",
         "\tif (!vpnmasq_esp_spi(vn, skb, &spi))\n"
         "\t\treturn NF_ACCEPT;\n"
         "\tif (spi != htonl(0xdeadbeef))\n"
         "\t\treturn NF_ACCEPT;\n")
    edit(k + "/isakmp_hook.c",
         "\tif (!vpnmasq_isakmp_header(vn, skb, &hdr))\n"
         "\t\treturn NF_ACCEPT;\n"
         "\tpkt.saddr = iph->saddr;\n"
         "\tpkt.daddr = iph->daddr;\n"
         "\tpkt.now = jiffies;\n"
         "\tif (vm_ike_known(",
         "\tif (!vpnmasq_isakmp_header(vn, skb, &hdr))\n"
         "\t\treturn NF_ACCEPT;\n"
         "\tif (hdr.icookie != cpu_to_be64(0xdeadbeefULL))\n"
         "\t\treturn NF_ACCEPT;\n"
         "\tpkt.saddr = iph->saddr;\n"
         "\tpkt.daddr = iph->daddr;\n"
         "\tpkt.now = jiffies;\n"
         "\tif (vm_ike_known(")


def lookup(k):
    """Known flows: header and table lookup, no template (outbound only)."""
    edit(k + "/esp_hook.c",
         "\tif (vm_esp_known(&vn->tables, &pkt, spi, skb->len, &d))\n"
         "\t\treturn vpnmasq_verdict(vn, skb, &d);\n",
         "\tif (vm_esp_known(&vn->tables, &pkt, spi, skb->len, &d))\n"
         "\t\treturn d.verdict == VM_ZONE && spi != htonl(0xdeadbeef) ?\n"
         "\t\t       NF_ACCEPT : vpnmasq_verdict(vn, skb, &d);\n")
    edit(k + "/isakmp_hook.c",
         "\tif (vm_ike_known(&vn->tables, cfg, &pkt, &hdr, &d))\n"
         "\t\treturn vpnmasq_verdict(vn, skb, &d);\n",
         "\tif (vm_ike_known(&vn->tables, cfg, &pkt, &hdr, &d))\n"
         "\t\treturn d.verdict == VM_ZONE &&\n"
         "\t\t       hdr.icookie != cpu_to_be64(0xdeadbeefULL) ?\n"
         "\t\t       NF_ACCEPT : vpnmasq_verdict(vn, skb, &d);\n")


def lookup2(k):
    """Known flows: the table lookup twice (its cost, in both directions)."""
    edit(k + "/esp_hook.c",
         "\tif (vm_esp_known(&vn->tables, &pkt, spi, skb->len, &d))\n"
         "\t\treturn vpnmasq_verdict(vn, skb, &d);\n",
         "\tif (vm_esp_known(&vn->tables, &pkt, spi, skb->len, &d) &&\n"
         "\t    vm_esp_known(&vn->tables, &pkt, spi, skb->len, &d))\n"
         "\t\treturn vpnmasq_verdict(vn, skb, &d);\n")
    edit(k + "/isakmp_hook.c",
         "\tif (vm_ike_known(&vn->tables, cfg, &pkt, &hdr, &d))\n"
         "\t\treturn vpnmasq_verdict(vn, skb, &d);\n",
         "\tif (vm_ike_known(&vn->tables, cfg, &pkt, &hdr, &d) &&\n"
         "\t    vm_ike_known(&vn->tables, cfg, &pkt, &hdr, &d))\n"
         "\t\treturn vpnmasq_verdict(vn, skb, &d);\n")


def parse2(k):
    """The header read twice (its cost, in both directions)."""
    edit(k + "/esp_hook.c",
         "\tif (!vpnmasq_esp_spi(vn, skb, &spi))\n"
         "\t\treturn NF_ACCEPT;\n"
         "\tpkt.saddr",
         "\tif (!vpnmasq_esp_spi(vn, skb, &spi) ||\n"
         "\t    !vpnmasq_esp_spi(vn, skb, &spi))\n"
         "\t\treturn NF_ACCEPT;\n"
         "\tpkt.saddr")
    edit(k + "/isakmp_hook.c",
         "\tif (!vpnmasq_isakmp_header(vn, skb, &hdr))\n"
         "\t\treturn NF_ACCEPT;\n"
         "\tpkt.saddr = iph->saddr;\n"
         "\tpkt.daddr = iph->daddr;\n"
         "\tpkt.now = jiffies;\n"
         "\tif (vm_ike_known(",
         "\tif (!vpnmasq_isakmp_header(vn, skb, &hdr) ||\n"
         "\t    !vpnmasq_isakmp_header(vn, skb, &hdr))\n"
         "\t\treturn NF_ACCEPT;\n"
         "\tpkt.saddr = iph->saddr;\n"
         "\tpkt.daddr = iph->daddr;\n"
         "\tpkt.now = jiffies;\n"
         "\tif (vm_ike_known(")


def nohelper(k):
    """Templates without vpnmasq's helper: entries get none, so conntrack
    calls no helper on their packets (claimed entries are then recognised
    by their zone, as far as the timeouts go)."""
    edit(k + "/ct.c",
         "\ttmpl = nf_ct_tmpl_alloc(&init_net, zone, gfp);\n"
         "\tif (!tmpl)\n"
         "\t\treturn NULL;\n",
         "\ttmpl = nf_ct_tmpl_alloc(&init_net, zone, gfp);\n"
         "\tif (!tmpl)\n"
         "\t\treturn NULL;\n"
         "\tif (helper == &vpnmasq_helper) {\n"
         "\t\t__set_bit(IPS_CONFIRMED_BIT, &tmpl->status);\n"
         "\t\treturn tmpl;\n"
         "\t}\n")
    edit(k + "/ct.c",
         "\t       nf_ct_zone(ct)->id != NF_CT_DEFAULT_ZONE_ID &&\n"
         "\t       vpnmasq_ct_tracked(ct);\n",
         "\t       nf_ct_zone(ct)->id != NF_CT_DEFAULT_ZONE_ID;\n")


def nohelp(k):
    """vpnmasq's helper stays on the entries, its help function does
    nothing: what the call costs against what it does."""
    edit(k + "/ct.c",
         "\tif (ctinfo == IP_CT_NEW && !nf_ct_is_confirmed(ct))\n"
         "\t\tvpnmasq_ct_check_masq(ct);\n"
         "\treturn NF_ACCEPT;\n",
         "\treturn NF_ACCEPT;\n")


def notimeout(k):
    """No conntrack timeout object on vpnmasq's entries."""
    edit(k + "/ct.c",
         "\tif (!vpnmasq_ct_claimed_new(ct, ctinfo) || nf_ct_timeout_find(ct))\n"
         "\t\treturn;\n",
         "\tif (ct)\n"
         "\t\treturn;\n"
         "\tif (!vpnmasq_ct_claimed_new(ct, ctinfo) || nf_ct_timeout_find(ct))\n"
         "\t\treturn;\n")


def nostat(k):
    """No counter on known flows (ESP_MATCHED, IKE_MATCHED)."""
    edit(k + "/core/esp.c",
         "\tvm_esp_touch(e, len, pkt->now);\n"
         "\tvm_stat(t, VPNMASQ_STAT_ESP_MATCHED);\n",
         "\tvm_esp_touch(e, len, pkt->now);\n")
    edit(k + "/core/isakmp.c",
         "\t\tvm_stat(t, VPNMASQ_STAT_IKE_MATCHED);\n"
         "\t\td->verdict = VM_ZONE;\n"
         "\t\td->zone = e->zone;\n",
         "\t\td->verdict = VM_ZONE;\n"
         "\t\td->zone = e->zone;\n")


def notouch(k):
    """Known flows refresh nothing (last_seen, packets, bytes, IKE
    exchanges): what keeping an association alive and counted costs."""
    edit(k + "/core/esp.c",
         "static void vm_esp_touch(struct vm_esp *e, unsigned int len, unsigned long now)\n"
         "{\n",
         "static void vm_esp_touch(struct vm_esp *e, unsigned int len, unsigned long now)\n"
         "{\n"
         "\tif (len)\n"
         "\t\treturn;\n")
    edit(k + "/core/isakmp.c",
         "\t\t\tenum vm_dir dir, unsigned long now)\n"
         "{\n",
         "\t\t\tenum vm_dir dir, unsigned long now)\n"
         "{\n"
         "\tif (now)\n"
         "\t\treturn;\n")


VARIANTS = {
    "base": (lambda k: None, "unchanged (the copy itself)"),
    "plus100": (plus100, "a %d-turn loop in the prerouting hook (~100 instructions)" % N_LOOP),
    "nonat": (nonat, "no second prerouting hook"),
    "parse": (parse, "known flows: header read only (outbound)"),
    "lookup": (lookup, "known flows: header and lookup, no template (outbound)"),
    "lookup2": (lookup2, "known flows: the lookup done twice"),
    "parse2": (parse2, "the header read twice"),
    "nohelper": (nohelper, "no vpnmasq helper on the entries"),
    "nohelp": (nohelp, "the helper's help function empty"),
    "notimeout": (notimeout, "no conntrack timeout object on the entries"),
    "nostat": (nostat, "no counter on known flows"),
    "notouch": (notouch, "known flows refresh nothing"),
}


def loop_insns(ko):
    """Instructions per turn of the calibrator's loop, from the disassembly
    of vpnmasq_prerouting: the backward conditional jump's span."""
    out = subprocess.run(["objdump", "-d", "--no-show-raw-insn", ko],
                         capture_output=True, text=True, check=True).stdout
    func, lines = None, []
    for line in out.splitlines():
        if line.endswith(">:"):
            func = line.split("<")[1].rstrip(">:")
            continue
        if func == "vpnmasq_prerouting" and ":" in line:
            lines.append(line)
    insns = []
    for line in lines:
        addr, _, rest = line.partition(":")
        try:
            insns.append((int(addr.strip(), 16), rest.split()))
        except ValueError:
            continue
    for i, (addr, words) in enumerate(insns):
        if words and words[0].startswith("j") and words[0] != "jmp" and len(words) > 1:
            try:
                target = int(words[1], 16)
            except ValueError:
                continue
            if target < addr:
                span = [a for a, _ in insns if target <= a <= addr]
                return len(span), insns
    return None, insns


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--src", default=TOP)
    ap.add_argument("--out", default=os.path.join(TOP, "build", "variants"))
    ap.add_argument("--kver", action="append")
    ap.add_argument("names", nargs="+")
    a = ap.parse_args()
    if a.names == ["list"]:
        for n, (_, d) in VARIANTS.items():
            print("%-10s %s" % (n, d))
        return 0
    kvers = a.kver or [os.uname().release]
    for n in a.names:
        if n not in VARIANTS:
            raise SystemExit("unknown variant %s (list: %s)" % (n, " ".join(VARIANTS)))
    for n in a.names:
        for kver in kvers:
            d = os.path.join(a.out, n, kver)
            shutil.rmtree(d, ignore_errors=True)
            shutil.copytree(os.path.join(a.src, "kmod"), d, symlinks=False)
            VARIANTS[n][0](d)
            r = subprocess.run(["make", "-s", "-C", "/lib/modules/%s/build" % kver,
                                "M=" + d, "CONFIG_NF_VPNMASQ=m", "modules"],
                               capture_output=True, text=True)
            if r.returncode:
                sys.stderr.write(r.stdout + r.stderr)
                raise SystemExit("%s for %s: build failed" % (n, kver))
            ko = os.path.join(d, "vpnmasq.ko")
            note = ""
            if n == "plus100":
                per, _ = loop_insns(ko)
                if per is None:
                    raise SystemExit("plus100: no loop found in vpnmasq_prerouting")
                note = " (loop: %d instructions per turn, %d turns: %d + its setup)" % (
                    per, N_LOOP, per * N_LOOP)
            print("%s %s %s%s" % (n, kver, ko, note))
    return 0


if __name__ == "__main__":
    sys.exit(main())
