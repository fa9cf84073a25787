#include "lib/base/zs_err.h"

const char *zs_strerror(int err)
{
    switch (err) {
    case ZS_OK: return "success";
    case ZS_ERR_INVAL: return "invalid argument";
    case ZS_ERR_PARSE: return "malformed input";
    case ZS_ERR_RANGE: return "value out of range";
    case ZS_ERR_NOMEM: return "out of memory";
    case ZS_ERR_IO: return "input/output error";
    case ZS_ERR_NOTFOUND: return "not found";
    case ZS_ERR_FULL: return "full";
    case ZS_ERR_CRYPTO: return "invalid signature or key";
    case ZS_ERR_UNSUPPORTED: return "not supported";
    case ZS_ERR_CORRUPT: return "data corrupted";
    case ZS_ERR_TIMEOUT: return "timed out";
    case ZS_ERR_STATE: return "not allowed in the current state";
    case ZS_ERR_EXISTS: return "already exists";
    case ZS_ERR_OVERFLOW: return "arithmetic overflow";
    case ZS_ERR_AGAIN: return "try again";
    case ZS_ERR_REFUSED: return "refused";
    default: return "unknown error";
    }
}
