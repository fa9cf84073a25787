/* zkseq keccak, zkseq poseidon. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/gl/zs_gl.h"
#include "lib/keccak/zs_keccak.h"
#include "lib/poseidon/zs_poseidon.h"
#include "tools/zkseq/zkseq_cli.h"

int cmd_keccak(int argc, char **argv)
{
    uint8_t h[32];
    if (argc == 2 && !strcmp(argv[0], "--file")) {
        FILE *f = fopen(argv[1], "rb");
        if (!f) cli_fail("keccak: cannot open %s: %s", argv[1], strerror(errno));
        zs_keccak256_t ctx;
        zs_keccak256_init(&ctx);
        uint8_t buf[65536];
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, f)) > 0) zs_keccak256_update(&ctx, buf, n);
        if (ferror(f)) cli_fail("keccak: read error on %s", argv[1]);
        fclose(f);
        zs_keccak256_final(&ctx, h);
    } else if (argc == 1) {
        size_t n;
        uint8_t *data = cli_hex("keccak", argv[0], &n);
        zs_keccak256(data, n, h);
        free(data);
    } else {
        cli_fail("usage: zkseq keccak HEX | zkseq keccak --file FILE");
    }
    cli_print(cli_json_hex(h, 32));
    return 0;
}

static uint64_t parse_element(const char *s)
{
    zs_u256_t v;
    int err = zs_u256_parse(&v, s);
    if (err == ZS_ERR_PARSE) cli_fail("poseidon: not a number: '%s'", s);
    if (err || !zs_u256_fits_u64(&v) || v.w[0] >= ZS_GL_P)
        cli_fail("poseidon: %s is not a Goldilocks field element (must be below 2^64 - 2^32 + 1)", s);
    return v.w[0];
}

int cmd_poseidon(int argc, char **argv)
{
    int hash = 0, n = 0;
    uint64_t s[12];
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--hash")) {
            hash = 1;
            continue;
        }
        if (n == 12) cli_fail("poseidon: takes exactly 12 elements");
        s[n++] = parse_element(argv[i]);
    }
    if (n != 12) cli_fail("poseidon: takes exactly 12 elements (8 inputs, then 4 capacity), got %d", n);
    zs_poseidon_permute(s);
    json_t *out = json_array();
    for (int i = 0; i < (hash ? 4 : 12); i++) {
        char buf[24];
        snprintf(buf, sizeof buf, "0x%llx", (unsigned long long)s[i]);
        json_array_append_new(out, json_string(buf));
    }
    cli_print(out);
    return 0;
}
