/* zs_card_xclbin_shell: an xclbin with zkseq_card's metadata and no
   bitstream, for XRT's noop shim (no card).

   What XRT reads to open a kernel and run it: the memory topology (the
   card's four DDR4 banks), the IP layout (one entry per compute unit,
   "kernel:instance", sorted by base address), the connectivity (which bank
   each buffer argument of each compute unit reaches) and the embedded
   metadata XML (each kernel's arguments: index, port, register offset and
   size).  v++ writes all of these into the real xclbin from the kernels and
   fpga/zkseq_card.cfg; this file writes the same sections from the kernels'
   signatures (fpga/kernels/zs_kernels.h) and the same .cfg, which it reads
   (the compute units and their banks live there, not in code).

   The .cfg is found at $ZS_CARD_CFG, else fpga/zkseq_card.cfg below the
   working directory or $ZS_TOP.  The argument register offsets follow Vitis
   HLS's AXI4-Lite layout (arguments from 0x10; 64-bit ones take 12 bytes,
   32-bit ones 8).  On a card the real xclbin is loaded instead. */
#include "drivers/card/zs_xclbin.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/base/zs_err.h"
#include "lib/base/zs_grow.h"

#ifdef ZS_HAS_XRT
#include <xrt/xclbin.h>

enum { A_PTR, A_U32, A_U64 };

typedef struct {
    const char *name;
    int kind;
    int bundle; /* pointers: gmem<bundle> */
} arg_t;

typedef struct {
    const char *name;
    arg_t args[8];
    int nargs;
} kernel_t;

/* The kernels' signatures (fpga/kernels/zs_kernels.h, bundles as their
   INTERFACE pragmas say). */
static const kernel_t kernels[] = {
    {"poseidon_gl", {{"in", A_PTR, 0}, {"out", A_PTR, 1}, {"n", A_U32, 0}}, 3},
    {"merkle_level",
     {{"children", A_PTR, 0},
      {"parents", A_PTR, 1},
      {"n", A_U32, 0},
      {"cap0", A_U64, 0},
      {"cap1", A_U64, 0},
      {"cap2", A_U64, 0},
      {"cap3", A_U64, 0}},
     7},
    {"keccak256_batch",
     {{"data", A_PTR, 0}, {"lens", A_PTR, 1}, {"out", A_PTR, 2}, {"n", A_U32, 0}, {"slot_words", A_U32, 0}},
     5},
    {"ntt_gl", {{"a", A_PTR, 0}, {"tw", A_PTR, 1}, {"log_n", A_U32, 0}, {"pass", A_U32, 0}}, 4},
    {"msm_g1",
     {{"bases", A_PTR, 0}, {"scalars", A_PTR, 1}, {"out", A_PTR, 2}, {"n", A_U32, 0}, {"wbits", A_U32, 0}},
     5},
    {"fft_g1", {{"points", A_PTR, 0}, {"twiddles", A_PTR, 1}, {"log_n", A_U32, 0}, {"scale", A_PTR, 2}}, 4},
};
#define NKERNELS (sizeof kernels / sizeof kernels[0])
#define MAX_CUS 32
#define NBANKS 4

typedef struct {
    int kernel;
    char inst[48];
    int bank[8]; /* per argument; -1 = not given */
} cu_t;

typedef struct {
    char *p;
    size_t n, cap;
    int oom;
} buf_t;

static void put(buf_t *b, const void *p, size_t n)
{
    if (b->oom) return;
    if (zs_grow((void **)&b->p, &b->cap, b->n + n, 1, 4096)) {
        b->oom = 1;
        return;
    }
    memcpy(b->p + b->n, p, n);
    b->n += n;
}

static void putf(buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(buf_t *b, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (k > 0) put(b, line, (size_t)k < sizeof line ? (size_t)k : sizeof line - 1);
}

static int find_kernel(const char *name, size_t len)
{
    for (size_t k = 0; k < NKERNELS; k++)
        if (strlen(kernels[k].name) == len && !strncmp(kernels[k].name, name, len)) return (int)k;
    return -1;
}

static FILE *open_cfg(void)
{
    const char *env = getenv("ZS_CARD_CFG");
    if (env) return fopen(env, "r");
    FILE *f = fopen("fpga/zkseq_card.cfg", "r");
    const char *top = getenv("ZS_TOP");
    if (!f && top) {
        char path[4096];
        snprintf(path, sizeof path, "%s/fpga/zkseq_card.cfg", top);
        f = fopen(path, "r");
    }
    return f;
}

/* nk=kernel:count:inst1.inst2 and sp=inst.arg:DDR[i] lines. */
static int read_cfg(cu_t *cus, int *ncus)
{
    FILE *f = open_cfg();
    if (!f) return ZS_ERR_NOTFOUND;
    char line[512];
    *ncus = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = 0;
        if (!strncmp(line, "nk=", 3)) {
            char *name = line + 3, *c1 = strchr(name, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
            int k = c1 ? find_kernel(name, (size_t)(c1 - name)) : -1;
            if (k < 0 || !c2) continue;
            for (char *inst = strtok(c2 + 1, "."); inst && *ncus < MAX_CUS; inst = strtok(NULL, ".")) {
                cu_t *cu = &cus[(*ncus)++];
                cu->kernel = k;
                snprintf(cu->inst, sizeof cu->inst, "%s", inst);
                for (int a = 0; a < 8; a++) cu->bank[a] = -1;
            }
        } else if (!strncmp(line, "sp=", 3)) {
            char *inst = line + 3, *dot = strchr(inst, '.'), *colon = dot ? strchr(dot, ':') : NULL;
            int bank;
            if (!colon || sscanf(colon + 1, "DDR[%d]", &bank) != 1 || bank < 0 || bank >= NBANKS) continue;
            *dot = *colon = 0;
            for (int i = 0; i < *ncus; i++) {
                if (strcmp(cus[i].inst, inst)) continue;
                const kernel_t *kt = &kernels[cus[i].kernel];
                for (int a = 0; a < kt->nargs; a++)
                    if (!strcmp(kt->args[a].name, dot + 1)) cus[i].bank[a] = bank;
            }
        }
    }
    fclose(f);
    /* Buffers the .cfg leaves out go with the compute unit's first bank. */
    for (int i = 0; i < *ncus; i++) {
        int first = 0;
        for (int a = 0; a < 8; a++)
            if (cus[i].bank[a] >= 0) {
                first = cus[i].bank[a];
                break;
            }
        for (int a = 0; a < kernels[cus[i].kernel].nargs; a++)
            if (cus[i].bank[a] < 0) cus[i].bank[a] = first;
    }
    return *ncus ? ZS_OK : ZS_ERR_PARSE;
}

static void kernel_xml(buf_t *x, int k, const cu_t *cus, int ncus)
{
    const kernel_t *kt = &kernels[k];
    putf(x,
         "<kernel name=\"%s\" language=\"c\" vlnv=\"zkseq:hls:%s:1.0\" preferredWorkGroupSizeMultiple=\"0\" "
         "workGroupSize=\"1\" interrupt=\"true\" hwControlProtocol=\"ap_ctrl_hs\">\n",
         kt->name, kt->name);
    int bundles = 0;
    for (int a = 0; a < kt->nargs; a++)
        if (kt->args[a].kind == A_PTR && kt->args[a].bundle + 1 > bundles) bundles = kt->args[a].bundle + 1;
    for (int b = 0; b < bundles; b++)
        putf(x,
             "<port name=\"M_AXI_GMEM%d\" mode=\"master\" range=\"0xFFFFFFFFFFFFFFFF\" dataWidth=\"64\" "
             "portType=\"addressable\" base=\"0x0\"/>\n",
             b);
    putf(x, "<port name=\"S_AXI_CONTROL\" mode=\"slave\" range=\"0x1000\" dataWidth=\"32\" portType=\"addressable\" "
            "base=\"0x0\"/>\n");
    unsigned off = 0x10;
    for (int a = 0; a < kt->nargs; a++) {
        const arg_t *ar = &kt->args[a];
        unsigned size = ar->kind == A_U32 ? 4 : 8;
        char port[32];
        if (ar->kind == A_PTR) snprintf(port, sizeof port, "M_AXI_GMEM%d", ar->bundle);
        else snprintf(port, sizeof port, "S_AXI_CONTROL");
        putf(x,
             "<arg name=\"%s\" addressQualifier=\"%d\" id=\"%d\" port=\"%s\" size=\"0x%x\" offset=\"0x%x\" "
             "hostOffset=\"0x0\" hostSize=\"0x%x\" type=\"%s\"/>\n",
             ar->name, ar->kind == A_PTR ? 1 : 0, a, port, size, off, size,
             ar->kind == A_PTR ? "uint64_t*" : ar->kind == A_U32 ? "unsigned int" : "unsigned long");
        off += size == 4 ? 8 : 12;
    }
    for (int i = 0; i < ncus; i++)
        if (cus[i].kernel == k)
            putf(x, "<instance name=\"%s\"><addrRemap base=\"0x%x\" range=\"0x10000\" port=\"S_AXI_CONTROL\"/></instance>\n",
                 cus[i].inst, 0x1800000u + 0x10000u * (unsigned)i);
    putf(x, "</kernel>\n");
}

/* Long because it writes the four xclbin sections in file order (memory banks, IP layout,
 * connectivity, XML) and each needs the compute-unit list read above; split, the
 * section offsets would be passed between four functions for no gain in clarity. */
int zs_card_xclbin_shell(uint8_t **image, size_t *len)
{
    cu_t cus[MAX_CUS];
    int ncus = 0, rc = read_cfg(cus, &ncus);
    if (rc) return rc;

    buf_t mem = {0}, ip = {0}, conn = {0}, xml = {0};
    /* MEM_TOPOLOGY: four 16 GiB DDR4 banks (an Alveo U250's). */
    int32_t count = NBANKS;
    put(&mem, &count, sizeof count);
    put(&mem, (const char[4]){0}, 4); /* mem_data is 8-aligned */
    for (int b = 0; b < NBANKS; b++) {
        struct mem_data md;
        memset(&md, 0, sizeof md);
        md.m_type = MEM_DDR4;
        md.m_used = 1;
        md.m_size = 16ull * 1024 * 1024; /* KiB */
        md.m_base_address = 0x4000000000ull + (uint64_t)b * 0x400000000ull;
        snprintf((char *)md.m_tag, sizeof md.m_tag, "DDR[%d]", b);
        put(&mem, &md, sizeof md);
    }
    /* IP_LAYOUT: compute units in base-address order (their index here). */
    count = ncus;
    put(&ip, &count, sizeof count);
    put(&ip, (const char[4]){0}, 4);
    for (int i = 0; i < ncus; i++) {
        struct ip_data d;
        memset(&d, 0, sizeof d);
        d.m_type = IP_KERNEL;
        d.properties = (AP_CTRL_HS << IP_CONTROL_SHIFT) | IP_INT_ENABLE_MASK;
        d.m_base_address = 0x1800000u + 0x10000u * (unsigned)i;
        snprintf((char *)d.m_name, sizeof d.m_name, "%s:%s", kernels[cus[i].kernel].name, cus[i].inst);
        put(&ip, &d, sizeof d);
    }
    /* CONNECTIVITY: each buffer argument of each compute unit to its bank. */
    int32_t nconn = 0;
    for (int i = 0; i < ncus; i++)
        for (int a = 0; a < kernels[cus[i].kernel].nargs; a++) nconn += kernels[cus[i].kernel].args[a].kind == A_PTR;
    put(&conn, &nconn, sizeof nconn);
    for (int i = 0; i < ncus; i++)
        for (int a = 0; a < kernels[cus[i].kernel].nargs; a++)
            if (kernels[cus[i].kernel].args[a].kind == A_PTR) {
                struct connection c = {.arg_index = a, .m_ip_layout_index = i, .mem_data_index = cus[i].bank[a]};
                put(&conn, &c, sizeof c);
            }
    /* EMBEDDED_METADATA. */
    putf(&xml, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<project name=\"zkseq_card\">\n"
               "<platform vendor=\"xilinx\" boardid=\"u250\" name=\"zkseq_card_shell\" featureRomTime=\"0\">\n"
               "<device name=\"fpga0\" fpgaDevice=\"virtexuplus:xcu250\" addrWidth=\"0\">\n"
               "<core name=\"OCL_REGION_0\" target=\"hw\" type=\"clc_region\" clockFreq=\"300MHz\" "
               "numComputeUnits=\"%d\">\n",
         ncus);
    for (size_t k = 0; k < NKERNELS; k++) kernel_xml(&xml, (int)k, cus, ncus);
    putf(&xml, "</core>\n</device>\n</platform>\n</project>\n");

    buf_t *secs[] = {&mem, &ip, &conn, &xml};
    const uint32_t kinds[] = {MEM_TOPOLOGY, IP_LAYOUT, CONNECTIVITY, EMBEDDED_METADATA};
    const char *names[] = {"mem_topology", "ip_layout", "connectivity", "metadata"};
    enum { NSECS = 4 };
    size_t head = sizeof(struct axlf) + (NSECS - 1) * sizeof(struct axlf_section_header);
    size_t total = (head + 7) & ~(size_t)7;
    size_t offs[NSECS];
    for (int s = 0; s < NSECS; s++) {
        offs[s] = total;
        total += (secs[s]->n + 7) & ~(size_t)7;
    }
    uint8_t *img = NULL;
    int oom = mem.oom || ip.oom || conn.oom || xml.oom;
    if (!oom) img = calloc(1, total);
    if (img) {
        struct axlf *a = (struct axlf *)img;
        memcpy(a->m_magic, "xclbin2", 8);
        a->m_signature_length = -1;
        memset(a->reserved, 0xff, sizeof a->reserved);
        a->m_header.m_length = total;
        a->m_header.m_timeStamp = (uint64_t)time(NULL);
        a->m_header.m_versionMajor = 2;
        a->m_header.m_mode = XCLBIN_FLAT;
        a->m_header.m_numSections = NSECS;
        snprintf((char *)a->m_header.m_platformVBNV, sizeof a->m_header.m_platformVBNV, "%s",
                 "xilinx_u250_gen3x16_xdma_4_1_202210_1");
        /* A fixed uuid names this shell: "zkseq card shell". */
        memcpy(a->m_header.uuid, "zkseq-card-shell", 16);
        for (int s = 0; s < NSECS; s++) {
            struct axlf_section_header *h = &a->m_sections[s];
            h->m_sectionKind = kinds[s];
            snprintf(h->m_sectionName, sizeof h->m_sectionName, "%s", names[s]);
            h->m_sectionOffset = offs[s];
            h->m_sectionSize = secs[s]->n;
            memcpy(img + offs[s], secs[s]->p, secs[s]->n);
        }
    }
    for (int s = 0; s < NSECS; s++) free(secs[s]->p);
    if (!img) return ZS_ERR_NOMEM;
    *image = img;
    *len = total;
    return ZS_OK;
}

#else

int zs_card_xclbin_shell(uint8_t **image, size_t *len)
{
    (void)image, (void)len;
    return ZS_ERR_UNSUPPORTED;
}

#endif
