/* zs_err: the error policy every zkseq module follows.

   - Functions that create an object return a pointer, or NULL with the reason
     in the out-parameter or log the caller passed.
   - Other operations return 0 (ZS_OK) or a negative ZS_ERR_* code; zs_strerror
     turns a code into a short English phrase.
   - Burst calls return a count.
   - Parsers of untrusted bytes also fill a zs_perr_t: where (byte offset) and
     why (a static reason string) the input was refused.
   - Libraries never exit and never print; only main() does.

   Thread safety: everything here is pure and may be called from any thread. */
#ifndef ZS_ERR_H
#define ZS_ERR_H

#include <stddef.h>

#define ZS_MUST_USE __attribute__((warn_unused_result))

enum {
    ZS_OK = 0,
    ZS_ERR_INVAL = -1,       /* an argument broke the function's contract */
    ZS_ERR_PARSE = -2,       /* the input is malformed */
    ZS_ERR_RANGE = -3,       /* a value is outside what is allowed */
    ZS_ERR_NOMEM = -4,       /* an allocation failed */
    ZS_ERR_IO = -5,          /* the operating system refused a read or write */
    ZS_ERR_NOTFOUND = -6,    /* no such item */
    ZS_ERR_FULL = -7,        /* a fixed-size buffer, ring or table is full */
    ZS_ERR_CRYPTO = -8,      /* a signature or key is invalid */
    ZS_ERR_UNSUPPORTED = -9, /* valid, but not something zkseq does */
    ZS_ERR_CORRUPT = -10,    /* stored data failed its integrity check */
    ZS_ERR_TIMEOUT = -11,    /* a wait ran out of time */
    ZS_ERR_STATE = -12,      /* the object is not in a state that allows this */
    ZS_ERR_EXISTS = -13,     /* the item is already there */
    ZS_ERR_OVERFLOW = -14,   /* arithmetic overflow */
    ZS_ERR_AGAIN = -15,      /* not now; try again later */
    ZS_ERR_REFUSED = -16,    /* a peer or a policy said no */
};

/* zs_strerror returns a static, never-NULL description of err (0 or a
   ZS_ERR_* code); unknown codes give "unknown error". */
const char *zs_strerror(int err);

/* Where and why a parser refused its input.  reason points at a static
   string; offset is the byte offset into the input that was being read. */
typedef struct {
    int code;
    size_t offset;
    const char *reason;
} zs_perr_t;

/* zs_perr_set fills *e (if e is not NULL) and returns code, so a parser can
   write `return zs_perr_set(e, ZS_ERR_PARSE, off, "leading zero");`. */
static inline int zs_perr_set(zs_perr_t *e, int code, size_t offset, const char *reason)
{
    if (e) {
        e->code = code;
        e->offset = offset;
        e->reason = reason;
    }
    return code;
}

#endif
