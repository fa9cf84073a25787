#include "host/node/zs_policyctl.h"

#include <pthread.h>
#include <stdlib.h>

struct zs_policyctl {
    pthread_mutex_t mu; /* guards everything below */
    zs_batch_policy_t local, firmware;
    uint32_t local_block_ms, firmware_block_ms;
    int firmware_on;
    uint64_t close_request;
    int close_by_operator;
};

zs_policyctl_t *zs_policyctl_new(const zs_batch_policy_t *local, uint32_t block_time_ms)
{
    zs_policyctl_t *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    pthread_mutex_init(&c->mu, NULL);
    c->local = *local;
    c->local_block_ms = block_time_ms;
    return c;
}

void zs_policyctl_free(zs_policyctl_t *c)
{
    if (!c) return;
    pthread_mutex_destroy(&c->mu);
    free(c);
}

void zs_policyctl_now(zs_policyctl_t *c, zs_policy_now_t *out)
{
    pthread_mutex_lock(&c->mu);
    out->from_firmware = c->firmware_on;
    if (c->firmware_on) {
        out->policy = c->firmware;
        /* The age is the firmware's call; ours is only a safety net. */
        out->policy.max_age_ms = c->firmware.max_age_ms ? 2 * c->firmware.max_age_ms : c->local.max_age_ms;
        out->block_time_ms = c->firmware_block_ms ? c->firmware_block_ms : c->local_block_ms;
    } else {
        out->policy = c->local;
        out->block_time_ms = c->local_block_ms;
    }
    out->close_request = c->close_request;
    out->close_by_operator = c->close_by_operator;
    pthread_mutex_unlock(&c->mu);
}

void zs_policyctl_set_firmware(zs_policyctl_t *c, const zs_batch_policy_t *p, uint32_t block_time_ms)
{
    pthread_mutex_lock(&c->mu);
    c->firmware_on = p != NULL;
    if (p) {
        c->firmware = *p;
        c->firmware_block_ms = block_time_ms;
    }
    pthread_mutex_unlock(&c->mu);
}

void zs_policyctl_set_local(zs_policyctl_t *c, const zs_batch_policy_t *p, uint32_t block_time_ms)
{
    pthread_mutex_lock(&c->mu);
    c->local = *p;
    c->local_block_ms = block_time_ms;
    pthread_mutex_unlock(&c->mu);
}

void zs_policyctl_local(zs_policyctl_t *c, zs_batch_policy_t *p, uint32_t *block_time_ms)
{
    pthread_mutex_lock(&c->mu);
    *p = c->local;
    *block_time_ms = c->local_block_ms;
    pthread_mutex_unlock(&c->mu);
}

int zs_policyctl_in_force(zs_policyctl_t *c, zs_batch_policy_t *p, uint32_t *block_time_ms)
{
    pthread_mutex_lock(&c->mu);
    int fw = c->firmware_on;
    *p = fw ? c->firmware : c->local;
    *block_time_ms = fw && c->firmware_block_ms ? c->firmware_block_ms : c->local_block_ms;
    pthread_mutex_unlock(&c->mu);
    return fw;
}

void zs_policyctl_request_close(zs_policyctl_t *c, uint64_t number, int by_operator)
{
    pthread_mutex_lock(&c->mu);
    c->close_request = number;
    c->close_by_operator = by_operator;
    pthread_mutex_unlock(&c->mu);
}

void zs_policyctl_forget_close(zs_policyctl_t *c, uint64_t open)
{
    pthread_mutex_lock(&c->mu);
    if (c->close_request && c->close_request < open) c->close_request = 0;
    pthread_mutex_unlock(&c->mu);
}
