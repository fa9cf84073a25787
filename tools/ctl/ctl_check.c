/* zkseqctl configure check: read-only checks that this host is ready for
   production, each with what to fix (in the spirit of Firedancer's
   `fdctl configure check`).  Run it again after each fix; it changes
   nothing.  Exit 1 when a check fails (a warning does not fail). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timex.h>
#include <unistd.h>

#include "lib/base/zs_cpu.h"
#include "tools/ctl/ctl.h"

enum { OK, WARN, FAIL };
static const char *const marks[] = {"ok", "warn", "FAIL"};

typedef struct {
    json_t *list;
    int fails, json;
} report_t;

static void add(report_t *r, const char *check, int status, const char *detail, const char *fix)
{
    if (status == FAIL) r->fails++;
    json_array_append_new(r->list, json_pack("{s:s,s:s,s:s,s:s}", "check", check, "status", status == OK ? "ok" : status == WARN ? "warn" : "fail",
                                             "detail", detail, "fix", fix ? fix : ""));
    if (r->json) return;
    printf("[%-4s] %-16s %s\n", marks[status], check, detail);
    if (fix && status != OK) printf("       %-16s fix: %s\n", "", fix);
}

static void read_text(const char *path, char *out, size_t cap)
{
    out[0] = 0;
    FILE *f = fopen(path, "r");
    if (!f) return;
    if (!fgets(out, (int)cap, f)) out[0] = 0;
    out[strcspn(out, "\n")] = 0;
    fclose(f);
}

static void hugepages(report_t *r)
{
    long total = -1, size_kb = -1;
    FILE *f = fopen("/proc/meminfo", "r");
    char line[256];
    while (f && fgets(line, sizeof line, f)) {
        sscanf(line, "HugePages_Total: %ld", &total);
        sscanf(line, "Hugepagesize: %ld kB", &size_kb);
    }
    if (f) fclose(f);
    char d[200];
    if (total > 0) {
        snprintf(d, sizeof d, "%ld hugepages of %ld kB reserved (%ld MiB)", total, size_kb, total * size_kb / 1024);
        add(r, "hugepages", total * size_kb >= 1024 * 1024 ? OK : WARN, d,
            "reserve at least 1 GiB for DPDK's packet pools: echo 512 > /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages");
    } else {
        add(r, "hugepages", FAIL, "no hugepages reserved (DPDK then runs with --no-huge: slower, and not on PCI ports)",
            "reserve them at boot (hugepagesz=2M hugepages=1024 on the kernel command line) or now: echo 1024 > "
            "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages");
    }
}

static void isolated(report_t *r, char *iso, size_t cap)
{
    read_text("/sys/devices/system/cpu/isolated", iso, cap);
    char d[200];
    if (iso[0]) {
        snprintf(d, sizeof d, "cores %.150s are isolated from the scheduler", iso);
        add(r, "isolated cores", OK, d, NULL);
    } else {
        snprintf(d, sizeof d, "no isolated cores (%ld online): ingress and sequencer threads share cores with everything",
                 sysconf(_SC_NPROCESSORS_ONLN));
        add(r, "isolated cores", WARN, d,
            "isolate the ingress and sequencer cores: isolcpus=2-7 nohz_full=2-7 rcu_nocbs=2-7 on the kernel command "
            "line, then dpdk.eal -l with those cores");
    }
}

/* Ethernet ports on PCI: their queues and where their interrupts go. */
static void nics(report_t *r, const char *iso)
{
    DIR *d = opendir("/sys/class/net");
    int found = 0;
    for (struct dirent *e; d && (e = readdir(d));) {
        if (e->d_name[0] == '.') continue;
        char p[512], drv[128] = "";
        snprintf(p, sizeof p, "/sys/class/net/%s/device", e->d_name);
        if (access(p, F_OK)) continue; /* virtual: lo, veth, tap */
        found++;
        int rx = 0, tx = 0;
        snprintf(p, sizeof p, "/sys/class/net/%s/queues", e->d_name);
        DIR *q = opendir(p);
        for (struct dirent *x; q && (x = readdir(q));) rx += !strncmp(x->d_name, "rx-", 3), tx += !strncmp(x->d_name, "tx-", 3);
        if (q) closedir(q);
        snprintf(p, sizeof p, "/sys/class/net/%s/device/driver", e->d_name);
        ssize_t n = readlink(p, drv, sizeof drv - 1);
        if (n > 0) {
            drv[n] = 0;
            memmove(drv, strrchr(drv, '/') ? strrchr(drv, '/') + 1 : drv, strlen(drv) + 1);
        }
        /* Its interrupts, from /proc/interrupts, and their affinity. */
        char aff[256] = "", line[1024];
        int irqs = 0;
        FILE *f = fopen("/proc/interrupts", "r");
        while (f && fgets(line, sizeof line, f)) {
            if (!strstr(line, e->d_name)) continue;
            int irq;
            if (sscanf(line, " %d:", &irq) != 1) continue;
            irqs++;
            char ap[64], list[64];
            snprintf(ap, sizeof ap, "/proc/irq/%d/smp_affinity_list", irq);
            read_text(ap, list, sizeof list);
            if (!strstr(aff, list) && strlen(aff) + strlen(list) + 2 < sizeof aff) strcat(strcat(aff, aff[0] ? " " : ""), list);
        }
        if (f) fclose(f);
        char det[600];
        snprintf(det, sizeof det, "%s (%s): %d rx / %d tx queues, %d interrupts on cpus %s", e->d_name,
                 drv[0] ? drv : "?", rx, tx, irqs, aff[0] ? aff : "-");
        int overlap = iso[0] && aff[0] && strstr(aff, iso);
        add(r, "NIC", rx >= 2 && !overlap ? OK : WARN, det,
            overlap ? "move the NIC's interrupts off the isolated cores (/proc/irq/N/smp_affinity_list)"
                    : "use a NIC with several queues (RSS), or bind it to vfio-pci for DPDK (dpdk-devbind.py -b vfio-pci)");
    }
    if (d) closedir(d);
    /* Ports already bound to vfio-pci belong to DPDK. */
    int vfio = 0;
    DIR *v = opendir("/sys/bus/pci/drivers/vfio-pci");
    for (struct dirent *x; v && (x = readdir(v));) vfio += strchr(x->d_name, ':') != NULL;
    if (v) closedir(v);
    if (!found && !vfio)
        add(r, "NIC", FAIL, "no PCI Ethernet port (only virtual interfaces): the exchange ingress has no DPDK port",
            "install the exchange-facing NIC and bind it to vfio-pci (dpdk-devbind.py -b vfio-pci BDF)");
    else if (vfio) {
        char det[100];
        snprintf(det, sizeof det, "%d PCI function(s) bound to vfio-pci for DPDK", vfio);
        add(r, "NIC", OK, det, NULL);
    }
}

/* A Xilinx card on PCI (vendor 0x10ee), and what zkseqd uses. */
static void card(report_t *r, json_t *status)
{
    DIR *d = opendir("/sys/bus/pci/devices");
    int cards = 0;
    char first[64] = "";
    for (struct dirent *e; d && (e = readdir(d));) {
        if (e->d_name[0] == '.') continue;
        char p[512];
        snprintf(p, sizeof p, "/sys/bus/pci/devices/%s/vendor", e->d_name);
        char t[16];
        read_text(p, t, sizeof t);
        if (!strcmp(t, "0x10ee") && !cards++) snprintf(first, sizeof first, "%.60s", e->d_name);
    }
    if (d) closedir(d);
    char det[400];
    if (cards) snprintf(det, sizeof det, "%d Xilinx PCI function(s), first %s", cards, first);
    else snprintf(det, sizeof det, "no Xilinx card on PCI (vendor 0x10ee)");
    add(r, "card", cards ? OK : FAIL, det,
        "seat the Alveo card, install XRT and its xocl/xclmgmt drivers, flash the platform (xbmgmt), then set "
        "card.backend xrt and card.xclbin");
    if (status) {
        json_t *c = json_object_get(status, "card");
        snprintf(det, sizeof det, "zkseqd hashes on: %s (asked %s)%s%s", json_string_value(json_object_get(c, "backend")),
                 json_string_value(json_object_get(c, "requested")),
                 json_is_true(json_object_get(c, "fallback")) ? "; SET ASIDE: " : "",
                 json_is_true(json_object_get(c, "fallback")) ? json_string_value(json_object_get(c, "alarm")) : "");
        int on_card = strcmp(json_string_value(json_object_get(c, "backend")) ?: "cpu", "cpu") &&
                      !json_is_true(json_object_get(c, "fallback"));
        add(r, "card in use", on_card ? OK : WARN, det,
            "zkseqctl card selftest takes a set-aside card back; card.backend xrt with card.xclbin uses a present one");
    }
}

static void firmware(report_t *r, json_t *status, const char *why)
{
    if (!status) {
        char det[700];
        snprintf(det, sizeof det, "cannot ask zkseqd: %s", why);
        add(r, "firmware link", FAIL, det, "start zkseqd (mgmt.port), or point zkseqctl at it with --host/--port");
        return;
    }
    json_t *l1 = json_object_get(status, "l1");
    int up = json_is_true(json_object_get(l1, "firmware"));
    add(r, "firmware link", up ? OK : FAIL,
        up ? "zkseqd and zkseq-fw see each other's heartbeat" : "zkseqd has no firmware link (no L1 submission)",
        "start zkseq-fw and give zkseqd its mailbox (firmware.mbox / --fw-mbox)");
    if (up) {
        int l1up = !json_is_true(json_object_get(l1, "l1_down"));
        add(r, "L1", l1up ? OK : FAIL, l1up ? "the firmware reaches its L1 node" : "the firmware cannot reach L1",
            "check the firmware's l1_url and the network to the L1 node");
    }
}

static void clock_sync(report_t *r)
{
    struct timex t = {0};
    int state = adjtimex(&t);
    char det[200];
    if (state == -1) {
        add(r, "clock", WARN, "cannot read the kernel's clock state (adjtimex)", "run a time daemon (chrony)");
    } else if (t.status & STA_UNSYNC) {
        add(r, "clock", FAIL, "the clock is not synchronized (the kernel marks it unsynchronized)",
            "run chrony or systemd-timesyncd against reliable NTP/PTP servers (block timestamps and L1 limits follow it)");
    } else {
        snprintf(det, sizeof det, "synchronized (estimated error %ld us, maximum %ld us)", t.esterror, t.maxerror);
        add(r, "clock", t.maxerror < 100000 ? OK : WARN, det, "use closer or better time servers (PTP on the appliance)");
    }
}

static void cpu(report_t *r)
{
    zs_simd_t s = zs_cpu_simd();
    add(r, "cpu", s >= ZS_SIMD_AVX2 ? OK : WARN,
        s >= ZS_SIMD_AVX512 ? "AVX-512: the widest hashing paths" : s >= ZS_SIMD_AVX2 ? "AVX2 (no AVX-512)" : "no AVX2: portable hashing only",
        "a CPU with AVX-512 (or AVX2) hashes several times faster where the card is not used");
}

int ctl_check(const ctl_opts_t *o)
{
    report_t r = {json_array(), 0, o->json};
    char err[600] = "";
    json_t *status = NULL;
    if (!o->console) {
        ctl_client_t *c = ctl_connect(o, err, sizeof err);
        if (c) {
            const char *code;
            status = ctl_call(c, "status", NULL, &code, err, sizeof err);
            ctl_close(c);
        }
    } else {
        snprintf(err, sizeof err, "--console given: zkseqd not asked");
    }
    char iso[256];
    hugepages(&r);
    isolated(&r, iso, sizeof iso);
    nics(&r, iso);
    card(&r, status);
    firmware(&r, status, err);
    clock_sync(&r);
    cpu(&r);
    if (o->json) {
        json_t *out = json_pack("{s:b,s:I,s:o}", "ok", !r.fails, "failed", (json_int_t)r.fails, "checks", r.list);
        char *s = json_dumps(out, JSON_INDENT(2));
        if (s) puts(s);
        free(s);
        json_decref(out);
    } else {
        printf("%d check(s) failed\n", r.fails);
        json_decref(r.list);
    }
    json_decref(status);
    return r.fails ? CTL_FAILED : CTL_OK;
}
