// emu_registry.h: kernel registration for the emulator (engine guide §9.4). The build generates, per
// kernels/*.cu file, a translation unit that #includes the file and then names each extern "C"
// __global__ function found by a scan in DYTOX_EMU_REGISTER. The template below deduces the parameter
// types from the function pointer, so the void** → typed-argument unpacking needs no hand-written glue.
#pragma once
#include <cstddef>
#include <type_traits>
#include <utility>

namespace dytox_emu {

// One kernel parameter as the launcher sees it: its size and whether it is a device pointer (pointer
// arguments are checked against the live allocations before a launch).
struct ParamInfo {
    unsigned size;
    bool is_pointer;
};

struct KernelInfo {
    const char* file;
    const char* name;
    int arity;
    const ParamInfo* params;
    void (*invoke)(void** args);  // runs the kernel body for the current fiber
};

// Adds a kernel to the process-wide table (emu_launch.cpp); called from static initialisers.
DYTOX_EMU_EXPORT void register_kernel(const KernelInfo* info);

template <auto F> struct KernelThunk;

template <typename... P, void (*F)(P...)> struct KernelThunk<F> {
    template <std::size_t... I> static void call(void** args, std::index_sequence<I...>) {
        F(*static_cast<std::remove_cv_t<std::remove_reference_t<P>>*>(args[I])...);
    }
    static void invoke(void** args) { call(args, std::index_sequence_for<P...>{}); }
    // One extra element keeps the array non-empty for kernels without parameters.
    static constexpr ParamInfo params[sizeof...(P) + 1] = {
        ParamInfo{static_cast<unsigned>(sizeof(std::remove_cv_t<std::remove_reference_t<P>>)), std::is_pointer<std::remove_cv_t<P>>::value}...,
        ParamInfo{0, false}};
};

struct Registrar {
    KernelInfo info;
    Registrar(const char* file, const char* name, int arity, const ParamInfo* params, void (*invoke)(void**))
        : info{file, name, arity, params, invoke} { register_kernel(&info); }
};


} // namespace dytox_emu

#define DYTOX_EMU_REGISTER(file, kernel)                                                                   \
    static ::dytox_emu::Registrar dytox_emu_registrar_##kernel(                                             \
        file, #kernel, static_cast<int>(sizeof(::dytox_emu::KernelThunk<&kernel>::params) / sizeof(::dytox_emu::ParamInfo)) - 1, \
        ::dytox_emu::KernelThunk<&kernel>::params, &::dytox_emu::KernelThunk<&kernel>::invoke);
