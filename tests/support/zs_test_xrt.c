#include "tests/support/zs_test_xrt.h"

#include <dirent.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/support/zs_test.h"

static int find_lib(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    if (strstr(info->dlpi_name, "libxrt_coreutil.so")) {
        snprintf(data, 4096, "%s", info->dlpi_name);
        *strrchr(data, '/') = 0;
        return 1;
    }
    return 0;
}

void zs_test_xrt_dir(char *out, size_t outlen)
{
    char libdir[4096] = "";
    dl_iterate_phdr(find_lib, libdir);
    if (!libdir[0]) fail_msg("this program did not load libxrt_coreutil");
    snprintf(out, outlen, "/tmp/zs-xrt-%d", (int)getpid());
    char sub[4200];
    snprintf(sub, sizeof sub, "%s/lib", out);
    mkdir(out, 0755);
    mkdir(sub, 0755);
    DIR *d = opendir(libdir);
    assert_non_null(d);
    for (struct dirent *e; (e = readdir(d));) {
        if (strncmp(e->d_name, "libxrt", 6)) continue;
        char from[4400], to[4500];
        snprintf(from, sizeof from, "%s/%s", libdir, e->d_name);
        snprintf(to, sizeof to, "%s/%s", sub, e->d_name);
        if (symlink(from, to) && access(to, F_OK)) fail_msg("cannot link %s", to);
    }
    closedir(d);
}

void zs_test_xrt_dir_remove(const char *dir)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd)) print_message("could not remove %s\n", dir);
}

int zs_test_in_child(int (*fn)(void))
{
    fflush(NULL);
    pid_t p = fork();
    assert_true(p >= 0);
    if (!p) _exit(fn());
    int st;
    assert_int_equal(waitpid(p, &st, 0), p);
    if (!WIFEXITED(st)) fail_msg("the child died of signal %d (an XRT exception reached C?)", WTERMSIG(st));
    return WEXITSTATUS(st);
}

void zs_test_xrt_noop_env(const char *dir)
{
    setenv("XILINX_XRT", dir, 1);
    setenv("XCL_EMULATION_MODE", "noop", 1);
}
