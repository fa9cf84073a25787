/* zkseq card xclbin-shell FILE | zkseq card selftest. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/card/zs_xclbin.h"
#include "tools/zkseq/zkseq_cli.h"

static int xclbin_shell(int argc, char **argv)
{
    if (argc != 1) cli_fail("usage: zkseq card xclbin-shell FILE");
    uint8_t *img;
    size_t len;
    int rc = zs_card_xclbin_shell(&img, &len);
    if (rc == ZS_ERR_UNSUPPORTED) cli_fail("card xclbin-shell: this build has no XRT (libxrt-dev)");
    if (rc == ZS_ERR_NOTFOUND)
        cli_fail("card xclbin-shell: fpga/zkseq_card.cfg not found (run from the source tree, or set ZS_CARD_CFG)");
    if (rc) cli_fail("card xclbin-shell: %s", zs_strerror(rc));
    FILE *f = fopen(argv[0], "wb");
    if (!f || fwrite(img, 1, len, f) != len || fclose(f)) cli_fail("card xclbin-shell: cannot write %s: %s", argv[0], strerror(errno));
    free(img);
    cli_print(json_pack("{s:s,s:I}", "xclbin", argv[0], "bytes", (json_int_t)len));
    return 0;
}

static int selftest(int argc, char **argv)
{
    (void)argv;
    if (argc != 0) cli_fail("usage: zkseq card selftest --card BACKEND [--card-xclbin FILE]");
    if (!cli_accel()) cli_fail("card selftest: say which card with --card auto|cpu|sim|xrt");
    char report[320];
    int rc = zs_accel_selftest(cli_accel(), report, sizeof report);
    zs_accel_stats_t st;
    zs_accel_stats(cli_accel(), &st);
    cli_print(json_pack("{s:s,s:s,s:b,s:s}", "backend", st.backend, "device", st.device, "passed", rc == ZS_OK, "report",
                        report));
    return rc ? 1 : 0;
}

int cmd_card(int argc, char **argv)
{
    if (argc >= 1 && !strcmp(argv[0], "xclbin-shell")) return xclbin_shell(argc - 1, argv + 1);
    if (argc >= 1 && !strcmp(argv[0], "selftest")) return selftest(argc - 1, argv + 1);
    cli_fail("usage: zkseq card xclbin-shell FILE | zkseq card selftest --card BACKEND");
}
