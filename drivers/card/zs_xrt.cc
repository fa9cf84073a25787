// zs_xrt: the card through XRT's C++ API, every exception caught here.
//
// One xrt::kernel per compute unit ("kernel:{instance}"), opened once; a
// worker thread of zs_card uses compute unit (worker mod units) of the
// job's kernel, so two workers keep two units busy.  A zs_card buffer is
// host memory (4 KiB aligned); the first time it meets a bank, XRT makes a
// user-pointer buffer object over it in that bank (no copy on the host: the
// sync is the DMA), kept until the zs_card buffer is freed.
//
// Under XRT's noop shim (XCL_EMULATION_MODE=noop) every call here succeeds
// and a run completes at once without computing anything: the output
// buffers keep what they held.  zs_xrt_describe says so, and the host
// (host/accel) spot-checks card results against the CPU, so a shim that
// does not compute is caught as a failing card.
#include "drivers/card/zs_xrt.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <xrt/xrt/xrt_bo.h>
#include <xrt/xrt/xrt_device.h>
#include <xrt/xrt/xrt_kernel.h>
#include <xrt/xclbin.h>

#include "lib/base/zs_err.h"

namespace {

const char *const kernel_names[] = {"", "poseidon_gl", "merkle_level", "keccak256_batch", "ntt_gl"};
constexpr int nkernels = 5;
// The KZG job's kernels: optional (an xclbin without them has no KZG).
const char *const kzg_names[] = {"msm_g1", "fft_g1"};
constexpr int nkzg = 2;

void say(char *err, size_t errlen, const std::string &s)
{
    if (err && errlen) std::snprintf(err, errlen, "%s", s.c_str());
}

} // namespace

struct zs_xrt {
    xrt::device dev;
    xrt::uuid uuid;
    std::vector<xrt::kernel> cus[nkernels];
    std::vector<std::string> cu_names[nkernels];
    std::vector<xrt::kernel> kzg_cus[nkzg];
    std::map<std::pair<const void *, int>, xrt::bo> tables; // constant inputs (the setup's), copied once
    std::string xclbin_name;
    std::mutex mu; // guards bos
    std::map<std::pair<void *, int>, xrt::bo> bos;
};

namespace {

// The buffer object for host memory p of `bytes` in memory group grp.
xrt::bo &bo_for(zs_xrt_t *x, void *p, size_t bytes, int grp)
{
    std::lock_guard<std::mutex> lk(x->mu);
    auto key = std::make_pair(p, grp);
    auto it = x->bos.find(key);
    if (it != x->bos.end() && it->second.size() >= bytes) return it->second;
    // A buffer object covers the whole zs_card buffer, rounded to pages.
    size_t len = (bytes + 4095) & ~size_t(4095);
    auto r = x->bos.insert_or_assign(key, xrt::bo(x->dev, p, len, grp));
    return r.first->second;
}

// The compute units of kernel `name` in the loaded xclbin, "name:{inst}" in order.
void open_cus(zs_xrt_t *x, const char *name, std::vector<xrt::kernel> &out, std::vector<std::string> *names)
{
    auto layout = x->dev.get_xclbin_section<const ip_layout *>(IP_LAYOUT, x->uuid);
    for (int32_t i = 0; layout && i < layout->m_count; i++) {
        const ip_data &ip = layout->m_ip_data[i];
        if (ip.m_type != IP_KERNEL) continue;
        std::string n(reinterpret_cast<const char *>(ip.m_name),
                      strnlen(reinterpret_cast<const char *>(ip.m_name), sizeof ip.m_name));
        auto colon = n.find(':'); // "kernel:inst"
        if (colon == std::string::npos || n.substr(0, colon) != name) continue;
        out.emplace_back(x->dev, x->uuid, std::string(name) + ":{" + n.substr(colon + 1) + "}");
        if (names) names->push_back(n.substr(colon + 1));
    }
}

std::string noop_note()
{
    const char *m = std::getenv("XCL_EMULATION_MODE");
    if (!m || !*m) return "";
    return std::string(" (XCL_EMULATION_MODE=") + m + ": XRT's " + m +
           (std::strcmp(m, "noop") ? " emulation" : " shim, which runs nothing: results are not computed") + ")";
}

} // namespace

extern "C" zs_xrt_t *zs_xrt_open(unsigned device, const char *path, const void *image, size_t image_len,
                                           char *err, size_t errlen)
{
    std::unique_ptr<zs_xrt_t> x;
    std::string step = "opening device " + std::to_string(device);
    try {
        x.reset(new zs_xrt_t());
        x->dev = xrt::device(device);
        if (image) {
            step = "loading the in-memory xclbin";
            if (image_len < 496 || std::memcmp(image, "xclbin2", 8)) {
                say(err, errlen, "card backend xrt: the xclbin image is not an xclbin (no xclbin2 header)");
                return nullptr;
            }
            x->uuid = x->dev.load_xclbin(static_cast<const axlf *>(image));
            x->xclbin_name = "xclbin in memory";
        } else {
            if (!path || !*path) {
                say(err, errlen,
                    "card backend xrt: XRT opened device " + std::to_string(device) +
                        ", but no xclbin was given to load (card.xclbin, --card-xclbin or ZS_CARD_XCLBIN: "
                        "zkseq_card.xclbin from `make -C fpga xclbin`)");
                return nullptr;
            }
            step = std::string("loading ") + path;
            x->uuid = x->dev.load_xclbin(std::string(path));
            x->xclbin_name = path;
        }
        for (int k = 1; k < nkernels; k++) {
            step = std::string("opening kernel ") + kernel_names[k];
            open_cus(x.get(), kernel_names[k], x->cus[k], &x->cu_names[k]);
            if (x->cus[k].empty()) {
                say(err, errlen,
                    std::string("card backend xrt: the xclbin has no compute unit of kernel ") + kernel_names[k]);
                return nullptr;
            }
        }
        for (int k = 0; k < nkzg; k++) {
            step = std::string("opening kernel ") + kzg_names[k];
            open_cus(x.get(), kzg_names[k], x->kzg_cus[k], nullptr);
        }
    } catch (const std::exception &e) {
        std::string what = e.what();
        std::string hint;
        if (what.find("XILINX_XRT") != std::string::npos)
            hint = " (XRT needs XILINX_XRT set to its install folder, e.g. /opt/xilinx/xrt)";
        else if (what.find("Could not open device") != std::string::npos)
            hint = " (no card: XRT found no device; is the xocl driver loaded and the card flashed?)";
        else if (what.find("No such library") != std::string::npos)
            hint = " (XILINX_XRT does not hold XRT's libraries in lib/)";
        say(err, errlen, "card backend xrt: XRT failed " + step + ": " + what + hint);
        return nullptr;
    } catch (...) {
        say(err, errlen, "card backend xrt: XRT failed " + step + " (unknown exception)");
        return nullptr;
    }
    return x.release();
}

extern "C" void zs_xrt_close(zs_xrt_t *x)
{
    try {
        delete x;
    } catch (...) {
        // Nothing to report to: the card is going away.
    }
}

extern "C" void zs_xrt_describe(zs_xrt_t *x, char *out, size_t outlen)
{
    std::string name = "device";
    try {
        name = x->dev.get_info<xrt::info::device::name>();
    } catch (...) {
        name = "device (name not reported)";
    }
    std::string cus;
    for (int k = 1; k < nkernels; k++)
        cus += (k > 1 ? ", " : "") + std::to_string(x->cus[k].size()) + " " + kernel_names[k];
    for (int k = 0; k < nkzg; k++) cus += ", " + std::to_string(x->kzg_cus[k].size()) + " " + kzg_names[k];
    say(out, outlen, name + ", " + x->xclbin_name + ", compute units: " + cus + noop_note());
}

extern "C" int zs_xrt_run(zs_xrt_t *x, unsigned worker, const zs_card_job_t *job, void *in, size_t in_len,
                               void *out, size_t out_len, void *aux, size_t aux_len, int timeout_ms, char *err,
                               size_t errlen)
{
    int k = job->kernel;
    if (k < 1 || k >= nkernels || x->cus[k].empty()) {
        say(err, errlen, "no such kernel");
        return ZS_ERR_INVAL;
    }
    try {
        size_t u = worker % x->cus[k].size();
        xrt::kernel &kr = x->cus[k][u];
        xrt::bo &bi = bo_for(x, in, in_len, kr.group_id(0));
        auto ms = std::chrono::milliseconds(timeout_ms > 0 ? timeout_ms : 1);
        auto finish = [&](xrt::run &r) -> int {
            auto st = r.wait(ms);
            if (st == ERT_CMD_STATE_COMPLETED) return ZS_OK;
            if (st == ERT_CMD_STATE_TIMEOUT || st == ERT_CMD_STATE_NEW || st == ERT_CMD_STATE_QUEUED ||
                st == ERT_CMD_STATE_RUNNING) {
                say(err, errlen, "compute unit " + x->cu_names[k][u] + " did not finish in " +
                                     std::to_string(timeout_ms) + " ms");
                return ZS_ERR_TIMEOUT;
            }
            say(err, errlen, "compute unit " + x->cu_names[k][u] + " ended in state " + std::to_string(int(st)));
            return ZS_ERR_IO;
        };
        int rc = ZS_OK;
        bi.sync(XCL_BO_SYNC_BO_TO_DEVICE, in_len, 0);
        switch (job->kernel) {
        case ZS_CARD_POSEIDON:
        case ZS_CARD_MERKLE: {
            xrt::bo &bo = out == in ? bi : bo_for(x, out, out_len, kr.group_id(1));
            xrt::run r = job->kernel == ZS_CARD_POSEIDON
                             ? kr(bi, bo, job->n)
                             : kr(bi, bo, job->n, job->arg[0], job->arg[1], job->arg[2], job->arg[3]);
            if (!(rc = finish(r))) bo.sync(XCL_BO_SYNC_BO_FROM_DEVICE, out_len, 0);
            break;
        }
        case ZS_CARD_KECCAK: {
            xrt::bo &bl = bo_for(x, aux, aux_len, kr.group_id(1));
            xrt::bo &bo = bo_for(x, out, out_len, kr.group_id(2));
            bl.sync(XCL_BO_SYNC_BO_TO_DEVICE, aux_len, 0);
            xrt::run r = kr(bi, bl, bo, job->n, uint32_t(job->arg[0]));
            if (!(rc = finish(r))) bo.sync(XCL_BO_SYNC_BO_FROM_DEVICE, out_len, 0);
            break;
        }
        case ZS_CARD_NTT: {
            xrt::bo &bt = bo_for(x, aux, aux_len, kr.group_id(1));
            bt.sync(XCL_BO_SYNC_BO_TO_DEVICE, aux_len, 0);
            // Pass 0 is the bit reversal, then one run per stage; the data
            // stays in the card's memory between passes.
            for (uint32_t pass = 0; pass <= job->arg[0] && !rc; pass++) {
                xrt::run r = kr(bi, bt, uint32_t(job->arg[0]), pass);
                rc = finish(r);
            }
            if (!rc) bi.sync(XCL_BO_SYNC_BO_FROM_DEVICE, in_len, 0);
            break;
        }
        case ZS_CARD_KZG_BLOB: // zs_card_xrt.c drives it (FK20 on the host, zs_xrt_msm and zs_xrt_fft)
            say(err, errlen, "the KZG job is not a single kernel");
            rc = ZS_ERR_IO;
            break;
        }
        return rc;
    } catch (const std::exception &e) {
        say(err, errlen, std::string("XRT: ") + e.what());
        return ZS_ERR_IO;
    } catch (...) {
        say(err, errlen, "XRT: unknown exception");
        return ZS_ERR_IO;
    }
}

// ---- The KZG job's kernels, called by the backend's FK20 driver.

namespace {

// A constant input (the setup's tables) on the card: copied once, kept.
xrt::bo &table_bo(zs_xrt_t *x, const void *p, size_t bytes, int grp)
{
    std::lock_guard<std::mutex> lk(x->mu);
    auto key = std::make_pair(p, grp);
    auto it = x->tables.find(key);
    if (it != x->tables.end()) return it->second;
    xrt::bo b(x->dev, bytes, grp);
    b.write(p);
    b.sync(XCL_BO_SYNC_BO_TO_DEVICE);
    return x->tables.insert_or_assign(key, std::move(b)).first->second;
}

xrt::bo input_bo(zs_xrt_t *x, const void *p, size_t bytes, int grp)
{
    xrt::bo b(x->dev, bytes, grp);
    b.write(p);
    b.sync(XCL_BO_SYNC_BO_TO_DEVICE);
    return b;
}

int wait_run(xrt::run &r, int timeout_ms, const char *what, char *err, size_t errlen)
{
    auto st = r.wait(std::chrono::milliseconds(timeout_ms > 0 ? timeout_ms : 1));
    if (st == ERT_CMD_STATE_COMPLETED) return ZS_OK;
    say(err, errlen, std::string(what) + " ended in state " + std::to_string(int(st)));
    return st == ERT_CMD_STATE_TIMEOUT || st == ERT_CMD_STATE_RUNNING ? ZS_ERR_TIMEOUT : ZS_ERR_IO;
}

} // namespace

extern "C" int zs_xrt_has_kzg(zs_xrt_t *x)
{
    return !x->kzg_cus[0].empty() && !x->kzg_cus[1].empty();
}

extern "C" int zs_xrt_msm(zs_xrt_t *x, unsigned worker, const uint64_t *bases, size_t bases_bytes,
                          const uint64_t *scalars, uint32_t n, uint32_t wbits, uint64_t out[18], int timeout_ms,
                          char *err, size_t errlen)
{
    try {
        xrt::kernel &kr = x->kzg_cus[0][worker % x->kzg_cus[0].size()];
        xrt::bo &bb = table_bo(x, bases, bases_bytes, kr.group_id(0));
        xrt::bo bs = input_bo(x, scalars, size_t(n) * 32, kr.group_id(1));
        xrt::bo bo(x->dev, 18 * 8, kr.group_id(2));
        xrt::run r = kr(bb, bs, bo, n, wbits);
        int rc = wait_run(r, timeout_ms, "msm_g1", err, errlen);
        if (!rc) {
            bo.sync(XCL_BO_SYNC_BO_FROM_DEVICE);
            bo.read(out);
        }
        return rc;
    } catch (const std::exception &e) {
        say(err, errlen, std::string("XRT: msm_g1: ") + e.what());
        return ZS_ERR_IO;
    } catch (...) {
        say(err, errlen, "XRT: msm_g1: unknown exception");
        return ZS_ERR_IO;
    }
}

extern "C" int zs_xrt_fft(zs_xrt_t *x, unsigned worker, uint64_t *points, const uint64_t *twiddles, uint32_t log_n,
                          const uint64_t *scale, int timeout_ms, char *err, size_t errlen)
{
    static const uint64_t one[4] = {1, 0, 0, 0}; // the kernel skips a scale of one
    try {
        xrt::kernel &kr = x->kzg_cus[1][worker % x->kzg_cus[1].size()];
        size_t np = size_t(1) << log_n;
        xrt::bo bp = input_bo(x, points, np * 18 * 8, kr.group_id(0));
        xrt::bo bt = input_bo(x, twiddles, np / 2 * 32, kr.group_id(1));
        xrt::bo bs = input_bo(x, scale ? scale : one, 32, kr.group_id(3));
        xrt::run r = kr(bp, bt, log_n, bs);
        int rc = wait_run(r, timeout_ms, "fft_g1", err, errlen);
        if (!rc) {
            bp.sync(XCL_BO_SYNC_BO_FROM_DEVICE);
            bp.read(points);
        }
        return rc;
    } catch (const std::exception &e) {
        say(err, errlen, std::string("XRT: fft_g1: ") + e.what());
        return ZS_ERR_IO;
    } catch (...) {
        say(err, errlen, "XRT: fft_g1: unknown exception");
        return ZS_ERR_IO;
    }
}

extern "C" void zs_xrt_forget(zs_xrt_t *x, void *p)
{
    try {
        std::lock_guard<std::mutex> lk(x->mu);
        for (auto it = x->bos.begin(); it != x->bos.end();)
            it = it->first.first == p ? x->bos.erase(it) : std::next(it);
    } catch (...) {
        // Freeing buffer objects does not throw in XRT 2.13; nothing to do if it did.
    }
}
