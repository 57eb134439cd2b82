// emu_fiber.cpp: the x86-64 register-only context switch declared in emu_fiber.h.
#include "emu_fiber.h"

#if defined(__x86_64__)
// void dytox_emu_switch(void** save_sp /* rdi */, void* load_sp /* rsi */)
// Pushes the System V callee-saved state, stores rsp, loads the other stack and pops its state.
asm(R"(
    .pushsection .text
    .globl dytox_emu_switch
    .hidden dytox_emu_switch
    .type dytox_emu_switch, @function
dytox_emu_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    subq $8, %rsp
    stmxcsr (%rsp)
    fnstcw 4(%rsp)
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    ldmxcsr (%rsp)
    fldcw 4(%rsp)
    addq $8, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .size dytox_emu_switch, .-dytox_emu_switch
    .popsection
)");
#endif
