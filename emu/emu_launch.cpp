// emu_launch.cpp: the execution model of the emulator (engine guide §9.2). A launch spreads its blocks
// over a pool of OS threads; each block runs its threads as cooperative fibers (emu_fiber.h) that switch
// only at __syncthreads, warp collectives and exit. Warp collectives complete when every lane named in
// the mask has arrived, and compute all results from the values stored at arrival (a snapshot) before
// any lane resumes, so no lane can observe a partner's later value. Fiber order is a launch option
// (forward, reverse, seeded random) so that missing barriers change results. Faults (guard pages,
// freed memory, fiber stack overflow) are caught with SIGSEGV on an alternate stack and turned into a
// launch error naming kernel, block and thread.
#include <link.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

// The shim comes after the system headers: its qualifier macros (__noinline__) must not reach them.
#include "cuda_emu.h"
#include "emu_registry.h"
#include "emu_internal.h"
#include "emu_fiber.h"

namespace dytox_emu {

// Runtime thread-locals are placed in .tdata on purpose: the zero-initialised thread-local segment
// (.tbss) holds only the kernels' static __shared__ arrays and is filled with the NaN pattern per block.
__attribute__((section(".tdata"))) thread_local const ThreadView* tl_view = nullptr;

namespace {

constexpr int kMaxThreadsPerBlock = 1024;
constexpr unsigned kDefaultSharedLimit = 48 * 1024;
constexpr unsigned kOptinSharedLimit = 227 * 1024;   // H200 (sm_90) cudaDevAttrMaxSharedMemoryPerBlockOptin
constexpr int kMaxWorkers = 64;

enum class State : uint8_t { Ready, AtBarrier, AtWarp, Exited };
enum Schedule : int { Forward = 0, Reverse = 1, Random = 2 };

struct Fiber {
    FiberContext ctx;
    ThreadView view;
    State state = State::Ready;
    Op op = Op::None;
    unsigned mask = 0;
    int arg = 0, width = 32;
    uint64_t value = 0, result = 0;
    const char* file = "";
    int line = 0;
};

struct Launch {
    const KernelInfo* kernel = nullptr;
    dim3 grid, block;
    unsigned shared_bytes = 0;
    void** args = nullptr;
    int schedule = Forward;
    uint64_t seed = 0;
    std::vector<uint32_t> block_order;
    std::atomic<size_t> next{0};
    std::atomic<bool> failed{false};
    std::mutex mu;
    std::string error;
    std::set<std::string> warnings;

    void fail(const std::string& e) {
        std::lock_guard<std::mutex> lock(mu);
        if (!failed.exchange(true)) error = e;
    }
    void warn(const std::string& w) {
        std::lock_guard<std::mutex> lock(mu);
        if (warnings.size() < 32) warnings.insert(w);
    }
};

struct Worker {
    int index = 0;
    pthread_t thread{};
    std::vector<Fiber> fibers;
    char* stacks = nullptr;             // kMaxThreadsPerBlock × (guard page + stack)
    size_t stack_bytes = 0, stack_stride = 0;
    int guarded = 0;                    // fibers whose stack already has its guard page
    unsigned char* smem_map = nullptr;  // dynamic shared memory ending at a guard page
    size_t smem_map_len = 0;
    unsigned char* smem_guard = nullptr;
    unsigned char* tls_shared = nullptr;  // this thread's .tbss of the emulator module (static __shared__)
    size_t tls_shared_len = 0;
    void* altstack = nullptr;
    FiberContext scheduler;
    sigjmp_buf escape;
    volatile bool in_block = false;
    Fiber* current = nullptr;
    Launch* launch = nullptr;
    uint3 block_idx{};
    int live = 0;
    int block_threads = 0;
    volatile uintptr_t fault_addr = 0;
    volatile int fault_signal = 0;
    const char* trap_what = nullptr;
    const char* trap_file = nullptr;
    int trap_line = 0;
};

__attribute__((section(".tdata"))) thread_local Worker* tl_worker = nullptr;

// Signal handlers identify workers by pthread id, not by thread-local lookup (which may allocate).
std::atomic<pthread_t> g_worker_ids[kMaxWorkers];
Worker* g_workers_by_slot[kMaxWorkers];
struct sigaction g_old_segv, g_old_bus, g_old_fpe;
std::once_flag g_signals_once;

std::vector<const KernelInfo*>& kernels() { static std::vector<const KernelInfo*> k; return k; }
std::mutex g_kernels_mu;
std::map<const KernelInfo*, unsigned> g_shared_optin;

std::string hex(uint64_t v) { char b[32]; std::snprintf(b, sizeof b, "0x%llx", (unsigned long long)v); return b; }
std::string dim_text(uint3 d) { return "(" + std::to_string(d.x) + "," + std::to_string(d.y) + "," + std::to_string(d.z) + ")"; }
std::string kernel_text(const KernelInfo* k) { return "kernel '" + std::string(k->name) + "' (" + k->file + ")"; }
std::string where(const Worker& w) { return kernel_text(w.launch->kernel) + " block " + dim_text(w.block_idx); }

const char* op_name(Op op) {
    switch (op) {
        case Op::SyncThreads: return "__syncthreads";
        case Op::SyncWarp: return "__syncwarp";
        case Op::ShflIdx: return "__shfl_sync";
        case Op::ShflUp: return "__shfl_up_sync";
        case Op::ShflDown: return "__shfl_down_sync";
        case Op::ShflXor: return "__shfl_xor_sync";
        case Op::Ballot: return "__ballot_sync";
        case Op::Any: return "__any_sync";
        case Op::All: return "__all_sync";
        case Op::ReduceAdd: return "__reduce_add_sync";
        case Op::ReduceMinSigned: case Op::ReduceMinUnsigned: return "__reduce_min_sync";
        case Op::ReduceMaxSigned: case Op::ReduceMaxUnsigned: return "__reduce_max_sync";
        case Op::ReduceAnd: return "__reduce_and_sync";
        case Op::ReduceOr: return "__reduce_or_sync";
        case Op::ReduceXor: return "__reduce_xor_sync";
        default: return "?";
    }
}

void chain(int sig, siginfo_t* si, void* uc, const struct sigaction& old) {
    if (old.sa_flags & SA_SIGINFO) { if (old.sa_sigaction) old.sa_sigaction(sig, si, uc); return; }
    if (old.sa_handler == SIG_IGN) return;
    if (old.sa_handler == SIG_DFL) { sigaction(sig, &old, nullptr); return; }   // re-faults into the default action
    old.sa_handler(sig);
}

void on_fault(int sig, siginfo_t* si, void* uc) {
    pthread_t self = pthread_self();
    for (int i = 0; i < kMaxWorkers; ++i) {
        if (g_worker_ids[i].load(std::memory_order_relaxed) == self && g_workers_by_slot[i]) {
            Worker* w = g_workers_by_slot[i];
            if (!w->in_block) break;
            w->fault_addr = (uintptr_t)si->si_addr;
            w->fault_signal = sig;
            siglongjmp(w->escape, 1);
        }
    }
    chain(sig, si, uc, sig == SIGBUS ? g_old_bus : sig == SIGFPE ? g_old_fpe : g_old_segv);
}

void install_signal_handlers() {
    struct sigaction sa;
    std::memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, &g_old_segv);
    sigaction(SIGBUS, &sa, &g_old_bus);
    // Integer division by zero traps on x86 but not on a GPU (which returns an unspecified value);
    // either way it is a kernel bug, reported like a fault.
    sigaction(SIGFPE, &sa, &g_old_fpe);
}

// Finds this thread's block of the module's thread-local segment and the zero-initialised part of it.
struct TlsSearch { uintptr_t probe; unsigned char* data; size_t filesz, memsz; bool found; };
int tls_callback(struct dl_phdr_info* info, size_t, void* p) {
    auto* s = static_cast<TlsSearch*>(p);
    bool contains = false;
    const ElfW(Phdr)* tls = nullptr;
    for (int i = 0; i < info->dlpi_phnum; ++i) {
        const ElfW(Phdr)& ph = info->dlpi_phdr[i];
        if (ph.p_type == PT_LOAD && s->probe >= info->dlpi_addr + ph.p_vaddr && s->probe < info->dlpi_addr + ph.p_vaddr + ph.p_memsz) contains = true;
        if (ph.p_type == PT_TLS) tls = &ph;
    }
    if (!contains || !tls || !info->dlpi_tls_data) return 0;
    s->data = static_cast<unsigned char*>(info->dlpi_tls_data);
    s->filesz = tls->p_filesz;
    s->memsz = tls->p_memsz;
    s->found = true;
    return 1;
}

void locate_static_shared(Worker& w) {
    TlsSearch s{(uintptr_t)&tls_callback, nullptr, 0, 0, false};
    dl_iterate_phdr(tls_callback, &s);
    if (!s.found || s.memsz <= s.filesz) return;
    unsigned char* begin = s.data + s.filesz;
    unsigned char* end = s.data + s.memsz;
    auto inside = [&](const void* p) { return (const unsigned char*)p >= begin && (const unsigned char*)p < end; };
    if (inside(&tl_view) || inside(&tl_worker)) return;   // runtime state must never be poisoned
    w.tls_shared = begin;
    w.tls_shared_len = (size_t)(end - begin);
}

void release_buffers(Worker& w) {
    if (w.stacks) munmap(w.stacks, w.stack_stride * kMaxThreadsPerBlock);
    w.stacks = nullptr;
}

bool prepare_stacks(Worker& w, size_t stack_bytes, std::string& error) {
    if (w.stacks && w.stack_bytes == round_up(stack_bytes, page_size())) return true;
    release_buffers(w);
    const size_t page = page_size();
    w.stack_bytes = round_up(stack_bytes, page);
    w.stack_stride = w.stack_bytes + page;
    w.guarded = 0;
    void* m = mmap(nullptr, w.stack_stride * kMaxThreadsPerBlock, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m == MAP_FAILED) { error = "cannot reserve fiber stacks: " + std::string(std::strerror(errno)); return false; }
    w.stacks = (char*)m;
    return true;
}

// Guard pages below the stacks of the first n fibers. Added on demand: each one splits the mapping,
// and memory maps per process are limited (vm.max_map_count), so blocks of 128 threads should not
// pay for 1024.
void guard_stacks(Worker& w, int n) {
    for (; w.guarded < n; ++w.guarded) mprotect(w.stacks + (size_t)w.guarded * w.stack_stride, page_size(), PROT_NONE);
}

[[noreturn]] void fiber_entry() {
    Worker* w = tl_worker;
    w->launch->kernel->invoke(w->launch->args);
    w = tl_worker;
    Fiber& f = *w->current;
    f.state = State::Exited;
    --w->live;
    fiber_switch(f.ctx, w->scheduler);   // never resumed
    __builtin_unreachable();
}

void switch_to(Worker& w, Fiber& f) {
    w.current = &f;
    tl_view = &f.view;
    fiber_switch(w.scheduler, f.ctx);
    tl_view = nullptr;
}

void block_out(Fiber& f, State s) {
    Worker* w = tl_worker;
    f.state = s;
    fiber_switch(f.ctx, w->scheduler);
}

std::string wait_point(const Fiber& f) {
    switch (f.state) {
        case State::Exited: return "exited";
        case State::Ready: return "runnable";
        case State::AtBarrier: return "__syncthreads at " + std::string(f.file) + ":" + std::to_string(f.line);
        case State::AtWarp: return std::string(op_name(f.op)) + "(mask " + hex(f.mask) + ") at " + f.file + ":" + std::to_string(f.line);
    }
    return "?";
}

// One entry per distinct wait point, in order of the first thread there:
// "__syncthreads at x.cu:12 (threads 0-31); exited (threads 32-63)".
std::string wait_report(const Worker& w) {
    std::vector<std::pair<std::string, std::vector<int>>> points;
    for (int i = 0; i < w.block_threads; ++i) {
        std::string p = wait_point(w.fibers[i]);
        auto it = std::find_if(points.begin(), points.end(), [&](const auto& e) { return e.first == p; });
        if (it == points.end()) points.push_back({p, {i}});
        else it->second.push_back(i);
    }
    std::string out;
    for (const auto& [point, threads] : points) {
        std::string list;
        int shown = 0;
        for (size_t a = 0; a < threads.size() && shown < 12; ++shown) {
            size_t b = a;
            while (b + 1 < threads.size() && threads[b + 1] == threads[b] + 1) ++b;
            if (!list.empty()) list += ", ";
            list += b == a ? std::to_string(threads[a]) : std::to_string(threads[a]) + "-" + std::to_string(threads[b]);
            a = b + 1;
            if (shown == 11 && a < threads.size()) list += ", …";
        }
        if (!out.empty()) out += "; ";
        out += point + " (" + (threads.size() == 1 ? "thread " : std::to_string(threads.size()) + " threads: ") + list + ")";
    }
    return out;
}

// Source lane of a shuffle by PTX shfl.sync semantics (c = clamp/segment mask as CUDA's intrinsics set it).
int shuffle_source(Op op, int lane, int b, int width) {
    const int c = op == Op::ShflUp ? ((32 - width) << 8) : (((32 - width) << 8) | 0x1f);
    const int seg = (c >> 8) & 0x1f, clamp = c & 0x1f;
    const int min_lane = lane & seg, max_lane = min_lane | (clamp & ~seg);
    int j; bool ok;
    switch (op) {
        case Op::ShflIdx: j = min_lane | (b & 0x1f & ~seg); ok = j <= max_lane; break;
        case Op::ShflUp: j = lane - b; ok = j >= max_lane; break;
        case Op::ShflDown: j = lane + b; ok = j <= max_lane; break;
        default: j = lane ^ b; ok = j <= max_lane; break;
    }
    return ok ? j : lane;
}

// Tries to complete warp collectives. Returns 1 if any completed, 0 if none could, -1 on an error.
int release_warps(Worker& w) {
    Launch& L = *w.launch;
    int released = 0;
    for (int base = 0; base < w.block_threads; base += 32) {
        const int count = std::min(32, w.block_threads - base);
        const unsigned exists = count == 32 ? 0xffffffffu : ((1u << count) - 1u);
        unsigned exited = 0, done = 0;
        for (int l = 0; l < count; ++l) if (w.fibers[base + l].state == State::Exited) exited |= 1u << l;
        for (int l = 0; l < count; ++l) {
            Fiber& lead = w.fibers[base + l];
            if (lead.state != State::AtWarp || (done >> l & 1u)) continue;
            const unsigned m = lead.mask;
            std::string site = std::string(op_name(lead.op)) + "(mask " + hex(m) + ") at " + lead.file + ":" + std::to_string(lead.line);
            if (!(m >> l & 1u)) { L.fail(where(w) + " thread " + std::to_string(base + l) + ": " + site + " does not name the calling lane " + std::to_string(l) + " in its mask"); return -1; }
            if (m & ~exists) { L.fail(where(w) + ": " + site + " names lanes that do not exist (this warp has " + std::to_string(count) + " threads; blockDim is not a multiple of 32)"); return -1; }
            if (m & exited) { L.fail(where(w) + ": divergence: " + site + " waits for lanes that have exited (mask " + hex(m) + ", exited lanes " + hex(m & exited) + "); wait points: " + wait_report(w)); return -1; }
            bool ready = true;
            for (int q = 0; q < count && ready; ++q) {
                if (!(m >> q & 1u)) continue;
                const Fiber& f = w.fibers[base + q];
                ready = f.state == State::AtWarp && f.op == lead.op && f.mask == m &&
                        (lead.op == Op::SyncWarp || (f.line == lead.line && std::strcmp(f.file, lead.file) == 0));
            }
            done |= ready ? m : (1u << l);
            if (!ready) continue;
            if (lead.op >= Op::ShflIdx && lead.op <= Op::ShflXor) {
                for (int q = 0; q < count; ++q) {
                    if (!(m >> q & 1u)) continue;
                    Fiber& f = w.fibers[base + q];
                    if (f.width < 1 || f.width > 32 || (f.width & (f.width - 1))) {
                        L.fail(where(w) + " thread " + std::to_string(base + q) + ": " + site + " has width " + std::to_string(f.width) + "; it must be a power of two in [1, 32]");
                        return -1;
                    }
                    const int src = shuffle_source(f.op, q, f.arg, f.width);
                    // Reading a lane outside the mask is undefined on the GPU: hand back the NaN pattern.
                    f.result = (m >> src & 1u) ? w.fibers[base + src].value : ~0ull;
                }
            } else if (lead.op >= Op::ReduceAdd) {
                bool first = true;
                uint32_t acc = 0;
                for (int q = 0; q < count; ++q) {
                    if (!(m >> q & 1u)) continue;
                    const uint32_t v = (uint32_t)w.fibers[base + q].value;
                    if (first) { acc = v; first = false; continue; }
                    switch (lead.op) {
                        case Op::ReduceAdd: acc += v; break;
                        case Op::ReduceMinSigned: acc = (uint32_t)std::min((int32_t)acc, (int32_t)v); break;
                        case Op::ReduceMaxSigned: acc = (uint32_t)std::max((int32_t)acc, (int32_t)v); break;
                        case Op::ReduceMinUnsigned: acc = std::min(acc, v); break;
                        case Op::ReduceMaxUnsigned: acc = std::max(acc, v); break;
                        case Op::ReduceAnd: acc &= v; break;
                        case Op::ReduceOr: acc |= v; break;
                        default: acc ^= v; break;
                    }
                }
                for (int q = 0; q < count; ++q) if (m >> q & 1u) w.fibers[base + q].result = acc;
            } else if (lead.op != Op::SyncWarp) {
                unsigned ballot = 0;
                for (int q = 0; q < count; ++q) if ((m >> q & 1u) && w.fibers[base + q].value) ballot |= 1u << q;
                const uint64_t r = lead.op == Op::Ballot ? ballot : lead.op == Op::Any ? (ballot != 0) : (ballot == m);
                for (int q = 0; q < count; ++q) if (m >> q & 1u) w.fibers[base + q].result = r;
            }
            for (int q = 0; q < count; ++q) if (m >> q & 1u) w.fibers[base + q].state = State::Ready;
            released = 1;
        }
    }
    return released;
}

// Releases __syncthreads when every live thread waits at the same barrier. 1 released, 0 not, -1 error.
int release_barrier(Worker& w) {
    Launch& L = *w.launch;
    const Fiber* first = nullptr;
    int exited = 0, count = 0;
    for (int i = 0; i < w.block_threads; ++i) {
        const Fiber& f = w.fibers[i];
        if (f.state == State::Exited) { ++exited; continue; }
        if (f.state != State::AtBarrier) return 0;
        if (!first) first = &f;
        else if (f.line != first->line || std::strcmp(f.file, first->file) != 0) {
            L.fail(where(w) + ": divergence: threads wait at different __syncthreads; wait points: " + wait_report(w));
            return -1;
        }
        if (f.value) ++count;
    }
    if (!first) return 0;
    if (exited > 0)
        L.warn(kernel_text(L.kernel) + ": " + std::to_string(exited) + " thread(s) of a block exited while the others wait at __syncthreads at " +
               first->file + ":" + std::to_string(first->line) + " (__syncthreads in non-uniform control flow is undefined behaviour)");
    for (int i = 0; i < w.block_threads; ++i) {
        Fiber& f = w.fibers[i];
        if (f.state == State::AtBarrier) { f.result = (uint64_t)count; f.state = State::Ready; }
    }
    return 1;
}

uint64_t splitmix(uint64_t& s) {
    uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

template <class T> void shuffle(std::vector<T>& v, uint64_t& state) {
    for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[splitmix(state) % i]);
}

void run_block(Worker& w, Launch& L, uint32_t linear) {
    const dim3 g = L.grid, b = L.block;
    w.block_idx = uint3{linear % g.x, (linear / g.x) % g.y, linear / (g.x * g.y)};
    const int n = (int)(b.x * b.y * b.z);
    guard_stacks(w, n);
    w.block_threads = n;
    w.live = n;
    if (w.tls_shared) std::memset(w.tls_shared, kNanByte, w.tls_shared_len);
    const size_t dyn = round_up(L.shared_bytes, 16);
    unsigned char* dyn_ptr = w.smem_guard - dyn;
    std::memset(dyn_ptr, kNanByte, dyn);
    for (int i = 0; i < n; ++i) {
        Fiber& f = w.fibers[i];
        f.view.thread_idx = uint3{(unsigned)i % b.x, ((unsigned)i / b.x) % b.y, (unsigned)i / (b.x * b.y)};
        f.view.block_idx = w.block_idx;
        f.view.block_dim = b;
        f.view.grid_dim = g;
        f.view.dynamic_shared = dyn_ptr;
        f.state = State::Ready;
        fiber_prepare(f.ctx, w.stacks + (size_t)i * w.stack_stride + page_size(), w.stack_bytes, fiber_entry);
    }
    std::vector<int> order(n);
    for (int i = 0; i < n; ++i) order[i] = L.schedule == Reverse ? n - 1 - i : i;
    uint64_t rng = L.seed ^ (0x9e3779b97f4a7c15ull * (linear + 1));

    w.fault_addr = 0; w.fault_signal = 0; w.trap_what = nullptr;
    w.current = nullptr;
    if (sigsetjmp(w.escape, 1) != 0) {
        w.in_block = false;
        tl_view = nullptr;
        std::string who = where(w);
        if (w.current) who += " thread " + dim_text(w.current->view.thread_idx);
        if (w.trap_what) { L.fail(who + ": " + w.trap_what + " at " + w.trap_file + ":" + std::to_string(w.trap_line)); return; }
        const uintptr_t a = w.fault_addr;
        std::string what;
        const uintptr_t stack_end = (uintptr_t)w.stacks + w.stack_stride * kMaxThreadsPerBlock;
        if (a >= (uintptr_t)w.stacks && a < stack_end && (a - (uintptr_t)w.stacks) % w.stack_stride < page_size())
            what = "fiber stack overflow (stack " + std::to_string(w.stack_bytes) + " bytes; large local arrays? raise the fiber stack size)";
        else if (a >= (uintptr_t)w.smem_guard && a < (uintptr_t)w.smem_guard + page_size())
            what = "out-of-bounds dynamic shared memory access at " + std::to_string(a - (uintptr_t)dyn_ptr) + " bytes from its start (" + std::to_string(L.shared_bytes) + " bytes were launched)";
        else
            what = describe_address(a);
        if (w.fault_signal == SIGFPE) what = "integer division by zero (or overflow) at instruction " + hex(a);
        L.fail(who + ": " + (w.fault_signal == SIGBUS ? "bus error: " : "") + what);
        return;
    }
    w.in_block = true;
    for (;;) {
        if (L.schedule == Random) shuffle(order, rng);
        for (int i : order) if (w.fibers[i].state == State::Ready) switch_to(w, w.fibers[i]);
        if (w.live == 0) break;
        int r = release_warps(w);
        if (r == 0) r = release_barrier(w);
        if (r < 0) break;
        if (r == 0) {
            L.fail(where(w) + ": deadlock: no thread can proceed; wait points: " + wait_report(w));
            break;
        }
    }
    w.in_block = false;
    w.current = nullptr;
}

// ---- the worker pool ------------------------------------------------------------------------------

struct Pool {
    std::mutex mu;
    std::condition_variable start_cv, done_cv;
    std::vector<Worker*> workers;
    Launch* job = nullptr;
    uint64_t generation = 0;
    int running = 0;
    size_t stack_bytes = 64 * 1024;
    int wanted_workers = 0;
};

Pool& pool() { static Pool* p = new Pool(); return *p; }   // never destroyed: workers outlive static destruction

void worker_main(Worker* w) {
    tl_worker = w;
    stack_t ss;
    ss.ss_sp = w->altstack;
    ss.ss_size = 64 * 1024;
    ss.ss_flags = 0;
    sigaltstack(&ss, nullptr);
    locate_static_shared(*w);
    Pool& P = pool();
    uint64_t seen = 0;
    for (;;) {
        Launch* L;
        {
            std::unique_lock<std::mutex> lock(P.mu);
            P.start_cv.wait(lock, [&] { return P.generation != seen; });
            seen = P.generation;
            L = P.job;
        }
        std::string error;
        if (!prepare_stacks(*w, P.stack_bytes, error)) L->fail(error);
        w->launch = L;
        for (;;) {
            if (L->failed.load()) break;
            size_t i = L->next.fetch_add(1);
            if (i >= L->block_order.size()) break;
            run_block(*w, *L, L->block_order[i]);
        }
        std::lock_guard<std::mutex> lock(P.mu);
        if (--P.running == 0) P.done_cv.notify_all();
    }
}

bool ensure_workers(std::string& error) {
    Pool& P = pool();
    if (!P.workers.empty()) return true;
    std::call_once(g_signals_once, install_signal_handlers);
    // Default: one worker per core, at most 8 (emulated launches are small; each worker holds up to
    // 1024 fiber stacks and their guard-page mappings).
    int n = P.wanted_workers > 0 ? P.wanted_workers : (int)std::min(8u, std::max(1u, std::thread::hardware_concurrency()));
    n = std::min(n, kMaxWorkers);
    const size_t page = page_size();
    for (int i = 0; i < n; ++i) {
        Worker* w = new Worker();
        w->index = i;
        w->fibers.resize(kMaxThreadsPerBlock);
        w->smem_map_len = round_up(kOptinSharedLimit, page) + page;
        void* m = mmap(nullptr, w->smem_map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (m == MAP_FAILED) { error = "cannot map shared memory for a worker"; return false; }
        w->smem_map = (unsigned char*)m;
        w->smem_guard = w->smem_map + w->smem_map_len - page;
        mprotect(w->smem_guard, page, PROT_NONE);
        w->altstack = std::malloc(64 * 1024);
        g_workers_by_slot[i] = w;
        std::thread t(worker_main, w);
        g_worker_ids[i].store(t.native_handle());
        w->thread = t.native_handle();
        t.detach();
        P.workers.push_back(w);
    }
    return true;
}

bool check_launch(const KernelInfo* k, const uint32_t* grid, const uint32_t* block, unsigned smem, void** args, std::string& e) {
    const std::string who = kernel_text(k);
    for (int i = 0; i < 3; ++i) {
        if (grid[i] == 0 || block[i] == 0) { e = who + ": grid and block dimensions must be at least 1 (grid " + std::to_string(grid[0]) + "x" + std::to_string(grid[1]) + "x" + std::to_string(grid[2]) + ", block " + std::to_string(block[0]) + "x" + std::to_string(block[1]) + "x" + std::to_string(block[2]) + ")"; return false; }
    }
    if (grid[0] > 2147483647u || grid[1] > 65535u || grid[2] > 65535u) { e = who + ": grid exceeds the device limits (2^31-1, 65535, 65535)"; return false; }
    if (block[0] > 1024u || block[1] > 1024u || block[2] > 64u) { e = who + ": block exceeds the per-dimension limits (1024, 1024, 64)"; return false; }
    const unsigned long long threads = (unsigned long long)block[0] * block[1] * block[2];
    if (threads > (unsigned long long)kMaxThreadsPerBlock) { e = who + ": block of " + std::to_string(threads) + " threads exceeds 1024 threads per block"; return false; }
    // The CPU runs a few thousand blocks per second; far larger grids are a mistake in a test.
    if ((unsigned long long)grid[0] * grid[1] * grid[2] > (1ull << 24)) { e = who + ": grid of more than 2^24 blocks is beyond the emulator (shrink the test shape)"; return false; }
    unsigned limit = kDefaultSharedLimit;
    {
        std::lock_guard<std::mutex> lock(g_kernels_mu);
        auto it = g_shared_optin.find(k);
        if (it != g_shared_optin.end()) limit = std::max(limit, it->second);
    }
    if (smem > limit) {
        e = who + ": " + std::to_string(smem) + " bytes of dynamic shared memory exceed the kernel's limit of " + std::to_string(limit) +
            (limit == kDefaultSharedLimit ? " (48 KB unless the kernel opts in, up to 227 KB)" : "");
        return false;
    }
    if (k->arity > 0 && !args) { e = who + ": takes " + std::to_string(k->arity) + " parameters but no argument array was given"; return false; }
    for (int i = 0; i < k->arity; ++i) {
        if (!args[i]) { e = who + ": argument " + std::to_string(i) + " is a null pointer to its value"; return false; }
        if (!k->params[i].is_pointer) continue;
        uintptr_t p = *static_cast<uintptr_t*>(args[i]);
        std::string why;
        if (p != 0 && !check_pointer(p, why)) { e = who + ": pointer argument " + std::to_string(i) + ": " + why; return false; }
    }
    return true;
}

} // namespace

// ---- calls from kernels (through the shim) ----------------------------------------------------------

uint64_t warp_collective(const char* file, int line, Op op, unsigned mask, uint64_t value, int arg, int width) {
    Worker* w = tl_worker;
    if (!w || !w->current) trap("warp collective outside an emulated launch", file, line);
    Fiber& f = *w->current;
    f.op = op; f.mask = mask; f.value = value; f.arg = arg; f.width = width; f.file = file; f.line = line;
    block_out(f, State::AtWarp);
    return f.result;
}

int block_barrier(const char* file, int line, int predicate) {
    Worker* w = tl_worker;
    if (!w || !w->current) trap("__syncthreads outside an emulated launch", file, line);
    Fiber& f = *w->current;
    f.op = Op::SyncThreads; f.value = (uint64_t)(predicate != 0); f.file = file; f.line = line;
    block_out(f, State::AtBarrier);
    return (int)f.result;
}

unsigned active_mask() {
    Worker* w = tl_worker;
    const int self = (int)(w->current - w->fibers.data()), base = self & ~31;
    unsigned m = 0;
    for (int l = 0; l < 32 && base + l < w->block_threads; ++l)
        if (w->fibers[base + l].state != State::Exited) m |= 1u << l;
    return m;
}

void trap(const char* what, const char* file, int line) {
    Worker* w = tl_worker;
    if (!w || !w->in_block) { std::fprintf(stderr, "dytox emulator: %s at %s:%d outside a launch\n", what, file, line); std::abort(); }
    w->trap_what = what; w->trap_file = file; w->trap_line = line;
    siglongjmp(w->escape, 2);
}

void register_kernel(const KernelInfo* info) {
    std::lock_guard<std::mutex> lock(g_kernels_mu);
    kernels().push_back(info);
}

} // namespace dytox_emu

// ---- the C ABI used by EmulatorDriver (C#) ----------------------------------------------------------

using namespace dytox_emu;

namespace {
std::mutex g_launch_mu;   // one launch at a time, like a single stream
int fail(char* err, int cap, const std::string& e) { write_text(err, cap, e); return 1; }
}

extern "C" {

DYTOX_EMU_EXPORT int dytox_emu_abi_version() { return 1; }

DYTOX_EMU_EXPORT int dytox_emu_alloc(uint64_t bytes, uint64_t* out, char* err, int cap) {
    std::string e; uintptr_t p = 0;
    if (!alloc_device((size_t)bytes, p, e)) return fail(err, cap, e);
    *out = p;
    return 0;
}

DYTOX_EMU_EXPORT int dytox_emu_free(uint64_t ptr, char* err, int cap) {
    std::string e;
    return free_device((uintptr_t)ptr, e) ? 0 : fail(err, cap, e);
}

DYTOX_EMU_EXPORT int dytox_emu_check_range(uint64_t ptr, uint64_t bytes, char* err, int cap) {
    std::string e;
    return check_range((uintptr_t)ptr, (size_t)bytes, "device range", e) ? 0 : fail(err, cap, e);
}

DYTOX_EMU_EXPORT int dytox_emu_memcpy_htod(uint64_t dst, const void* src, uint64_t n, char* err, int cap) {
    std::string e;
    if (n == 0) return 0;
    if (!check_range(dst, n, "copy host to device (destination)", e)) return fail(err, cap, e);
    std::memcpy((void*)dst, src, n);
    return 0;
}

DYTOX_EMU_EXPORT int dytox_emu_memcpy_dtoh(void* dst, uint64_t src, uint64_t n, char* err, int cap) {
    std::string e;
    if (n == 0) return 0;
    if (!check_range(src, n, "copy device to host (source)", e)) return fail(err, cap, e);
    std::memcpy(dst, (const void*)src, n);
    return 0;
}

DYTOX_EMU_EXPORT int dytox_emu_memcpy_dtod(uint64_t dst, uint64_t src, uint64_t n, char* err, int cap) {
    std::string e;
    if (n == 0) return 0;
    if (!check_range(src, n, "copy device to device (source)", e) || !check_range(dst, n, "copy device to device (destination)", e)) return fail(err, cap, e);
    std::memmove((void*)dst, (const void*)src, n);
    return 0;
}

DYTOX_EMU_EXPORT int dytox_emu_memset_d8(uint64_t dst, int value, uint64_t n, char* err, int cap) {
    std::string e;
    if (n == 0) return 0;
    if (!check_range(dst, n, "memset", e)) return fail(err, cap, e);
    std::memset((void*)dst, value, n);
    return 0;
}

DYTOX_EMU_EXPORT const void* dytox_emu_get_function(const char* file, const char* name) {
    std::lock_guard<std::mutex> lock(g_kernels_mu);
    for (const KernelInfo* k : kernels())
        if (std::strcmp(k->file, file) == 0 && std::strcmp(k->name, name) == 0) return k;
    return nullptr;
}

// The parameter list of a kernel: writes up to `cap` sizes (negative for device pointers) and returns
// the parameter count, so launchers can check their argument packing against the declaration.
DYTOX_EMU_EXPORT int dytox_emu_kernel_params(const void* fn, int* sizes, int cap) {
    const KernelInfo* k = static_cast<const KernelInfo*>(fn);
    if (!k) return -1;
    for (int i = 0; i < k->arity && i < cap; ++i) sizes[i] = k->params[i].is_pointer ? -(int)k->params[i].size : (int)k->params[i].size;
    return k->arity;
}

// Writes "file:name\n" for every registered kernel; returns the length needed.
DYTOX_EMU_EXPORT int dytox_emu_list_functions(char* buf, int cap) {
    std::string s;
    {
        std::lock_guard<std::mutex> lock(g_kernels_mu);
        for (const KernelInfo* k : kernels()) s += std::string(k->file) + ":" + k->name + "\n";
    }
    write_text(buf, cap, s);
    return (int)s.size() + 1;
}

DYTOX_EMU_EXPORT int dytox_emu_set_max_dynamic_shared(const void* fn, int bytes, char* err, int cap) {
    if (bytes < 0 || (unsigned)bytes > kOptinSharedLimit)
        return fail(err, cap, "max dynamic shared memory " + std::to_string(bytes) + " is outside [0, " + std::to_string(kOptinSharedLimit) + "] (the sm_90 opt-in limit)");
    std::lock_guard<std::mutex> lock(g_kernels_mu);
    g_shared_optin[static_cast<const KernelInfo*>(fn)] = (unsigned)bytes;
    return 0;
}

// Sets the number of worker threads (before the first launch only) and the fiber stack size.
DYTOX_EMU_EXPORT int dytox_emu_configure(int workers, uint64_t fiber_stack_bytes, char* err, int cap) {
    std::lock_guard<std::mutex> lock(g_launch_mu);
    Pool& P = pool();
    if (workers > 0) {
        if (!P.workers.empty() && (int)P.workers.size() != workers)
            return fail(err, cap, "the worker pool already runs " + std::to_string(P.workers.size()) + " threads; set the count before the first launch");
        P.wanted_workers = std::min(workers, kMaxWorkers);
    }
    if (fiber_stack_bytes > 0) {
        if (fiber_stack_bytes < 16 * 1024 || fiber_stack_bytes > 8 * 1024 * 1024)
            return fail(err, cap, "fiber stack size " + std::to_string(fiber_stack_bytes) + " is outside [16 KiB, 8 MiB]");
        P.stack_bytes = (size_t)fiber_stack_bytes;
    }
    return 0;
}

DYTOX_EMU_EXPORT int dytox_emu_launch(const void* fn, const uint32_t* grid, const uint32_t* block, uint32_t shared_bytes, void** args,
                                      int schedule, uint64_t seed, char* err, int cap, char* warnings, int warn_cap) {
    write_text(warnings, warn_cap, "");
    const KernelInfo* k = static_cast<const KernelInfo*>(fn);
    if (!k) return fail(err, cap, "launch of a null function handle");
    if (schedule < 0 || schedule > 2) return fail(err, cap, "unknown schedule " + std::to_string(schedule) + " (0 forward, 1 reverse, 2 random)");
    std::string e;
    if (!check_launch(k, grid, block, shared_bytes, args, e)) return fail(err, cap, e);
    std::lock_guard<std::mutex> lock(g_launch_mu);
    if (!ensure_workers(e)) return fail(err, cap, e);
    Launch L;
    L.kernel = k;
    L.grid = dim3(grid[0], grid[1], grid[2]);
    L.block = dim3(block[0], block[1], block[2]);
    L.shared_bytes = shared_bytes;
    L.args = args;
    L.schedule = schedule;
    L.seed = seed;
    const uint32_t blocks = grid[0] * grid[1] * grid[2];
    L.block_order.resize(blocks);
    for (uint32_t i = 0; i < blocks; ++i) L.block_order[i] = schedule == 1 ? blocks - 1 - i : i;
    if (schedule == 2) { uint64_t s = seed * 31 + 7; shuffle(L.block_order, s); }
    Pool& P = pool();
    {
        std::unique_lock<std::mutex> plock(P.mu);
        P.job = &L;
        P.running = (int)P.workers.size();
        ++P.generation;
        P.start_cv.notify_all();
        P.done_cv.wait(plock, [&] { return P.running == 0; });
        P.job = nullptr;
    }
    std::string warn;
    for (const std::string& w : L.warnings) warn += w + "\n";
    write_text(warnings, warn_cap, warn);
    std::string canaries = check_canaries();
    if (L.failed.load()) return fail(err, cap, L.error + (canaries.empty() ? "" : "; also " + canaries));
    if (!canaries.empty()) return fail(err, cap, kernel_text(k) + ": " + canaries);
    return 0;
}

DYTOX_EMU_EXPORT uint64_t dytox_emu_live_bytes() { return live_bytes(); }
DYTOX_EMU_EXPORT int dytox_emu_live_allocations() { return live_allocations(); }

// 1 when static __shared__ arrays are refilled with the NaN pattern before each block.
DYTOX_EMU_EXPORT int dytox_emu_static_shared_poisoning() {
    std::string e;
    {
        std::lock_guard<std::mutex> lock(g_launch_mu);
        if (!ensure_workers(e)) return 0;
    }
    // Workers locate their segment when they start; wait briefly for the first.
    for (int i = 0; i < 200; ++i) {
        Worker* w = pool().workers[0];
        if (w->tls_shared) return 1;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return 0;
}

} // extern "C"
