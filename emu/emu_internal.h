// emu_internal.h: declarations shared by the emulator's runtime translation units (not by kernels).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace dytox_emu {

// Fresh allocations and shared memory hold this byte: 0xFFFFFFFF is a NaN as a float (and -1 as an int),
// so reads of unwritten data show up in results.
constexpr unsigned char kNanByte = 0xFF;
// Red zones around each allocation hold this byte; any other value after a launch means an overrun.
constexpr unsigned char kCanaryByte = 0xCA;

size_t page_size();
inline size_t round_up(size_t v, size_t a) { return (v + a - 1) / a * a; }

// Memory registry (emu_memory.cpp). All functions are thread-safe.
bool alloc_device(size_t bytes, uintptr_t& out, std::string& error);
bool free_device(uintptr_t ptr, std::string& error);
// True when [p, p+bytes) lies inside one live allocation; otherwise explains why not.
bool check_range(uintptr_t p, size_t bytes, const char* what, std::string& error);
// True when p points into (or one past the end of) a live allocation; explains otherwise.
bool check_pointer(uintptr_t p, std::string& error);
// Describes a faulting address: a guard page, a freed allocation, or unknown memory.
std::string describe_address(uintptr_t p);
// Verifies every live allocation's red zones; returns "" or a report (and repaints damaged zones).
std::string check_canaries();
uint64_t live_bytes();
int live_allocations();

// Copies s into a caller's buffer, truncated and NUL-terminated.
void write_text(char* buf, int cap, const std::string& s);

} // namespace dytox_emu
