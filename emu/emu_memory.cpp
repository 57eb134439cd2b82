// emu_memory.cpp: "device" memory in host RAM (engine guide §9.3). Each allocation is its own mapping:
//   [front red zone ≥ 256 B][user bytes, 256-byte aligned][tail red zone < 256 B][PROT_NONE guard page]
// so an overrun faults as soon as it leaves the last 256-byte granule, and smaller overruns (and any
// underrun) damage the canary bytes that are checked after every launch. Freed allocations are made
// inaccessible and quarantined, so a later access faults instead of reading recycled memory.
#include "emu_internal.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>

namespace dytox_emu {
namespace {

struct Allocation {
    uintptr_t map = 0;     // start of the mapping
    size_t map_len = 0;    // including the guard page
    uintptr_t user = 0;    // what the caller sees
    size_t size = 0;       // bytes requested
    uintptr_t guard = 0;   // the PROT_NONE page after the data
    uint64_t serial = 0;   // allocation order, for messages
};

constexpr size_t kAlign = 256;
constexpr size_t kQuarantineMaxBytes = size_t(4) << 30;   // address space only: freed pages are released
constexpr size_t kQuarantineMaxCount = 4096;     // one memory map each; maps per process are limited

std::mutex g_mu;
std::map<uintptr_t, Allocation> g_live;   // by user address
std::deque<Allocation> g_quarantine;      // oldest first
size_t g_quarantine_bytes = 0;
uint64_t g_serial = 0;

std::string hex(uintptr_t p) { char b[32]; std::snprintf(b, sizeof b, "0x%llx", (unsigned long long)p); return b; }

std::string name_of(const Allocation& a) {
    return "the " + std::to_string(a.size) + "-byte allocation #" + std::to_string(a.serial) + " at " + hex(a.user);
}

// The live allocation whose [user, user+size] contains p, or null. Caller holds g_mu.
const Allocation* find_live(uintptr_t p) {
    auto it = g_live.upper_bound(p);
    if (it == g_live.begin()) return nullptr;
    --it;
    return p <= it->second.user + it->second.size ? &it->second : nullptr;
}

const Allocation* find_quarantined(uintptr_t p) {
    for (auto it = g_quarantine.rbegin(); it != g_quarantine.rend(); ++it)
        if (p >= it->map && p < it->map + it->map_len) return &*it;
    return nullptr;
}

// First byte in [p, p+n) that is not the canary, or n.
size_t first_damaged(const unsigned char* p, size_t n) {
    for (size_t i = 0; i < n; ++i) if (p[i] != kCanaryByte) return i;
    return n;
}

} // namespace

size_t page_size() { static const size_t p = (size_t)sysconf(_SC_PAGESIZE); return p; }

void write_text(char* buf, int cap, const std::string& s) {
    if (!buf || cap <= 0) return;
    size_t n = std::min(s.size(), (size_t)cap - 1);
    std::memcpy(buf, s.data(), n);
    buf[n] = 0;
}

bool alloc_device(size_t bytes, uintptr_t& out, std::string& error) {
    if (bytes == 0) { error = "cannot allocate 0 bytes (CUDA returns CUDA_ERROR_INVALID_VALUE)"; return false; }
    const size_t page = page_size();
    if (bytes > (size_t(1) << 40)) { error = "allocation of " + std::to_string(bytes) + " bytes exceeds the emulator's 1 TiB limit"; return false; }
    const size_t data_len = round_up(bytes + kAlign + kAlign - 1, page);
    const size_t map_len = data_len + page;
    void* m = mmap(nullptr, map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m == MAP_FAILED) { error = "out of host memory allocating " + std::to_string(bytes) + " bytes: " + std::strerror(errno); return false; }
    Allocation a;
    a.map = (uintptr_t)m;
    a.map_len = map_len;
    a.guard = a.map + data_len;
    a.size = bytes;
    a.user = (a.guard - bytes) & ~(uintptr_t)(kAlign - 1);
    mprotect((void*)a.guard, page, PROT_NONE);
    std::memset((void*)a.map, kCanaryByte, a.user - a.map);
    std::memset((void*)a.user, kNanByte, bytes);
    std::memset((void*)(a.user + bytes), kCanaryByte, a.guard - (a.user + bytes));
    std::lock_guard<std::mutex> lock(g_mu);
    a.serial = ++g_serial;
    g_live[a.user] = a;
    out = a.user;
    return true;
}

bool free_device(uintptr_t ptr, std::string& error) {
    std::lock_guard<std::mutex> lock(g_mu);
    auto it = g_live.find(ptr);
    if (it == g_live.end()) {
        if (const Allocation* q = find_quarantined(ptr))
            error = "double free: " + hex(ptr) + " belongs to " + name_of(*q) + ", which was already freed";
        else if (const Allocation* l = find_live(ptr))
            error = "free of " + hex(ptr) + ", which is inside " + name_of(*l) + " but not its start";
        else
            error = "free of " + hex(ptr) + ", which is not a device allocation";
        return false;
    }
    Allocation a = it->second;
    g_live.erase(it);
    madvise((void*)a.map, a.map_len, MADV_DONTNEED);
    mprotect((void*)a.map, a.map_len, PROT_NONE);
    g_quarantine.push_back(a);
    g_quarantine_bytes += a.map_len;
    while (g_quarantine.size() > kQuarantineMaxCount || g_quarantine_bytes > kQuarantineMaxBytes) {
        const Allocation& old = g_quarantine.front();
        munmap((void*)old.map, old.map_len);
        g_quarantine_bytes -= old.map_len;
        g_quarantine.pop_front();
    }
    return true;
}

bool check_range(uintptr_t p, size_t bytes, const char* what, std::string& error) {
    std::lock_guard<std::mutex> lock(g_mu);
    const Allocation* a = find_live(p);
    if (a && p + bytes <= a->user + a->size && p + bytes >= p) return true;
    if (a) {
        error = std::string(what) + ": " + std::to_string(bytes) + " bytes at " + hex(p) + " run " +
                std::to_string(p + bytes - (a->user + a->size)) + " bytes past the end of " + name_of(*a);
    } else if (const Allocation* q = find_quarantined(p)) {
        error = std::string(what) + ": " + hex(p) + " is inside " + name_of(*q) + ", which was freed (use after free)";
    } else {
        error = std::string(what) + ": " + hex(p) + " is not inside any device allocation";
    }
    return false;
}

bool check_pointer(uintptr_t p, std::string& error) {
    std::lock_guard<std::mutex> lock(g_mu);
    if (find_live(p)) return true;
    if (const Allocation* q = find_quarantined(p))
        error = hex(p) + " points into " + name_of(*q) + ", which was freed (use after free)";
    else
        error = hex(p) + " points into no live device allocation";
    return false;
}

std::string describe_address(uintptr_t p) {
    std::lock_guard<std::mutex> lock(g_mu);
    const size_t page = page_size();
    for (const auto& [user, a] : g_live) {
        if (p >= a.guard && p < a.guard + page)
            return "out-of-bounds access at " + hex(p) + ", " + std::to_string(p - (a.user + a.size)) +
                   " bytes past the end of " + name_of(a) + " (guard page)";
        if (p >= a.map && p < a.user)
            return "out-of-bounds access at " + hex(p) + ", " + std::to_string(a.user - p) + " bytes before the start of " + name_of(a);
    }
    if (const Allocation* q = find_quarantined(p)) {
        long long off = (long long)p - (long long)q->user;
        return "use after free: access at " + hex(p) + " (offset " + std::to_string(off) + ") of " + name_of(*q) + ", which was freed";
    }
    return "invalid access at " + hex(p) + ", which is not device memory";
}

std::string check_canaries() {
    std::lock_guard<std::mutex> lock(g_mu);
    std::string report;
    for (auto& [user, a] : g_live) {
        const size_t front = a.user - a.map, tail = a.guard - (a.user + a.size);
        unsigned char* fp = (unsigned char*)a.map;
        unsigned char* tp = (unsigned char*)(a.user + a.size);
        size_t bad_front = first_damaged(fp, front), bad_tail = first_damaged(tp, tail);
        if (bad_front < front) {
            // The farthest damaged byte tells how far the underrun reached.
            report += "canary damaged " + std::to_string(front - bad_front) + " bytes before the start of " + name_of(a) + " (underrun); ";
            std::memset(fp, kCanaryByte, front);
        }
        if (bad_tail < tail) {
            report += "canary damaged " + std::to_string(bad_tail) + " bytes past the end of " + name_of(a) + " (overrun); ";
            std::memset(tp, kCanaryByte, tail);
        }
    }
    if (!report.empty()) report.resize(report.size() - 2);
    return report;
}

uint64_t live_bytes() {
    std::lock_guard<std::mutex> lock(g_mu);
    uint64_t s = 0;
    for (const auto& [u, a] : g_live) s += a.size;
    return s;
}

int live_allocations() {
    std::lock_guard<std::mutex> lock(g_mu);
    return (int)g_live.size();
}

} // namespace dytox_emu
