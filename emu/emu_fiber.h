// emu_fiber.h: the context switch under the emulator's fibers. On x86-64 a register-only switch
// (callee-saved registers, MXCSR and the x87 control word; no signal-mask system call, unlike
// swapcontext, which matters because every warp collective is two switches); elsewhere ucontext.
#pragma once
#include <cstddef>
#include <cstdint>

#if defined(__x86_64__)

namespace dytox_emu {

struct FiberContext { void* sp = nullptr; };

extern "C" void dytox_emu_switch(void** save_sp, void* load_sp);

// from: where the current stack pointer is saved; to: the context resumed.
inline void fiber_switch(FiberContext& from, FiberContext& to) { dytox_emu_switch(&from.sp, to.sp); }

// Prepares `c` to start `entry` (which must never return) on the stack [lo, lo + size).
inline void fiber_prepare(FiberContext& c, char* lo, size_t size, void (*entry)()) {
    uintptr_t top = ((uintptr_t)lo + size) & ~(uintptr_t)15;
    // At entry (reached by `ret`) rsp must be 8 mod 16, as after a call: sp + 64 == top - 8.
    uint64_t* sp = (uint64_t*)(top - 72);
    sp[0] = 0x037F00001F80ull;        // MXCSR 0x1F80 (low half), x87 control word 0x037F (at +4)
    for (int i = 1; i <= 6; ++i) sp[i] = 0;   // r15 r14 r13 r12 rbx rbp
    sp[7] = (uint64_t)entry;          // return address of the switch
    sp[8] = 0;                        // fake return address of entry
    c.sp = sp;
}

} // namespace dytox_emu

#else

#include <ucontext.h>

namespace dytox_emu {

struct FiberContext { ucontext_t uc; };

inline void fiber_switch(FiberContext& from, FiberContext& to) { swapcontext(&from.uc, &to.uc); }

inline void fiber_prepare(FiberContext& c, char* lo, size_t size, void (*entry)()) {
    getcontext(&c.uc);
    c.uc.uc_stack.ss_sp = lo;
    c.uc.uc_stack.ss_size = size;
    c.uc.uc_link = nullptr;
    makecontext(&c.uc, entry, 0);
}

} // namespace dytox_emu

#endif
