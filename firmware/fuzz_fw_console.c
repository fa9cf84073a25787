/* Fuzzes the firmware's serial console, which anyone at the port can type
   into, on the fake board of the firmware's unit tests (firmware/test/):
   the input is typed (a UART's buffer of it at a time) and the main loop
   runs; half the inputs are typed after a good login, so the commands that
   change the policy are reached too.  Any bytes: no crash, no read or
   write outside the console's buffers, every answer ends with the prompt,
   and the policy the console leaves is one the policy's own check
   accepts. */
#include <stdlib.h>
#include <string.h>

#include "firmware/test/fw_world.h"
#include "lib/policy/zs_batch_policy.h"
#include "tests/support/zs_fuzz_check.h"

static void type(const uint8_t *p, size_t n)
{
    while (n) {
        size_t k = n < sizeof F.uart_in ? n : sizeof F.uart_in;
        memcpy(F.uart_in, p, k);
        F.uart_in_len = k;
        F.uart_in_pos = 0;
        run(10);
        p += k;
        n -= k;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int booted;
    if (!booted) {
        setup_world();
        boot();
        booted = 1;
    }
    if (!size) return 0;
    FW.policy.cfg = CFG.policy; /* each input starts from the configured policy */
    F.now += 5000;              /* past any login back-off */
    fake_hal_clear_uart(&F);
    if (data[0] & 1) type((const uint8_t *)"login s3cret\r", 13);
    type(data + 1, size - 1);
    type((const uint8_t *)"\rlogout\r", 8);
    ZS_FUZZ_CHECK(F.uart_out_len < sizeof F.uart_out);
    ZS_FUZZ_CHECK(F.uart_out_len >= 10 && !memcmp(F.uart_out + F.uart_out_len - 10, "zkseq-fw> ", 10));
    ZS_FUZZ_CHECK(zs_batch_policy_check(&FW.policy.cfg) == NULL);
    return 0;
}
