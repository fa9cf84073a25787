/* zs_accel_json: the card's health as JSON, for zkseq_status and the
   management port. */
#include <jansson.h>

#include "host/accel/zs_accel.h"

/* The hashing card's health: backend, fallback and alarm, work done on the
   card and kept on the CPU, failures by kind, rates. */
json_t *zs_accel_json(zs_accel_t *a)
{
    if (!a)
        return json_pack("{s:s,s:s,s:b}", "requested", "cpu", "backend", "cpu", "fallback", 0);
    zs_accel_stats_t c;
    zs_accel_stats(a, &c);
    json_t *f = json_pack("{s:I,s:I,s:I,s:I,s:I}", "io", (json_int_t)c.failures[ZS_ACCEL_F_IO], "timeout",
                          (json_int_t)c.failures[ZS_ACCEL_F_TIMEOUT], "corrupt", (json_int_t)c.failures[ZS_ACCEL_F_CORRUPT],
                          "wrong", (json_int_t)c.failures[ZS_ACCEL_F_WRONG], "submit",
                          (json_int_t)c.failures[ZS_ACCEL_F_SUBMIT]);
    json_int_t errors = 0;
    for (int i = 0; i < ZS_ACCEL_F_COUNT; i++) errors += (json_int_t)c.failures[i];
    return json_pack("{s:s,s:s,s:b,s:s,s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:o,s:f,s:f,s:o,s:o}", "requested",
                     c.requested, "backend", c.backend, "fallback", c.fallback, "alarm", c.alarm, "note", c.note,
                     "device", c.device, "queueDepth", (json_int_t)c.queue_depth, "jobs", (json_int_t)c.jobs,
                     "permutations", (json_int_t)c.permutations, "keccakMessages", (json_int_t)c.keccak_msgs,
                     "bytesIn", (json_int_t)c.bytes_in, "bytesOut", (json_int_t)c.bytes_out, "cpuPermutations",
                     (json_int_t)c.cpu_permutations, "cpuKeccakMessages", (json_int_t)c.cpu_keccak_msgs, "verified",
                     (json_int_t)c.verified, "failures", json_pack("{s:I,s:o}", "total", errors, "byKind", f),
                     "jobsPerSecond", c.jobs_per_s, "bytesPerSecond", c.bytes_per_s, "coalesced",
                     json_pack("{s:I,s:I}", "calls", (json_int_t)c.coalesced_calls, "jobs", (json_int_t)c.coalesced_jobs),
                     "kzgBlobs", json_pack("{s:I,s:I}", "card", (json_int_t)c.kzg_blobs, "cpu", (json_int_t)c.cpu_kzg_blobs));
}

