using System.Runtime.CompilerServices;

// Every native signature in this assembly must be blittable (pointers, nint, int, float, unmanaged
// structs): no hidden marshalling stubs, no per-call allocation (engine guide §6.1).
[assembly: DisableRuntimeMarshalling]
