using System.Runtime.InteropServices;
using System.Text;

namespace DyTox.Tensor.Cpu.Gemm;

/// <summary>
/// The process environment as native code sees it. On Linux, .NET's Environment.SetEnvironmentVariable only
/// updates a managed copy, so a native library's getenv() never sees it; libc setenv/getenv are called directly.
/// </summary>
internal static unsafe class NativeEnvironment
{
    private static readonly delegate* unmanaged[Cdecl]<byte*, byte*, int, int> SetEnv;
    private static readonly delegate* unmanaged[Cdecl]<byte*, byte*> GetEnv;

    static NativeEnvironment()
    {
        if (OperatingSystem.IsWindows()) return;
        string[] names = OperatingSystem.IsMacOS() ? ["libc.dylib", "/usr/lib/libSystem.dylib"] : ["libc.so.6", "libc.so"];
        foreach (var name in names)
        {
            if (!NativeLibrary.TryLoad(name, out var handle)) continue;
            if (NativeLibrary.TryGetExport(handle, "setenv", out var set) && NativeLibrary.TryGetExport(handle, "getenv", out var get))
            {
                SetEnv = (delegate* unmanaged[Cdecl]<byte*, byte*, int, int>)set;
                GetEnv = (delegate* unmanaged[Cdecl]<byte*, byte*>)get;
                return;
            }
        }
    }

    /// <summary>True when libc's setenv/getenv were found (always on Linux).</summary>
    public static bool IsAvailable => SetEnv != null;

    public static string? Get(string name)
    {
        if (GetEnv == null) return Environment.GetEnvironmentVariable(name);
        var nameZ = ToUtf8Z(name);
        fixed (byte* p = nameZ)
        {
            var value = GetEnv(p);
            return value == null ? null : Marshal.PtrToStringUTF8((nint)value);
        }
    }

    /// <summary>Sets the variable in the native environment (and the managed copy, for consistency).</summary>
    public static void Set(string name, string value)
    {
        Environment.SetEnvironmentVariable(name, value);
        if (SetEnv == null) return;
        var nameZ = ToUtf8Z(name);
        var valueZ = ToUtf8Z(value);
        fixed (byte* n = nameZ)
        fixed (byte* v = valueZ)
        {
            if (SetEnv(n, v, 1) != 0)
                throw new InvalidOperationException($"libc setenv(\"{name}\", \"{value}\") failed (errno {Marshal.GetLastSystemError()}).");
        }
    }

    private static byte[] ToUtf8Z(string s)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(s) + 1];
        Encoding.UTF8.GetBytes(s, bytes);
        return bytes;
    }
}
