namespace DyTox.Data;

/// <summary>
/// The part of NumPy's legacy <c>RandomState</c> needed to reproduce seeded class orders:
/// MT19937 seeded with <c>init_genrand(seed)</c> and <c>permutation(n)</c> (Fisher–Yates from the end,
/// each index drawn by masked rejection of 32-bit outputs). <c>RandomState(1993).permutation(100)</c>
/// is the iCaRL/PyCIL CIFAR-100 order and DyTox's ImageNet-100 order.
/// </summary>
public sealed class NumpyRandomState
{
    private const int N = 624;
    private const int M = 397;
    private readonly uint[] _mt = new uint[N];
    private int _index;

    public NumpyRandomState(uint seed)
    {
        _mt[0] = seed;
        for (int i = 1; i < N; i++)
        {
            _mt[i] = 1812433253u * (_mt[i - 1] ^ (_mt[i - 1] >> 30)) + (uint)i;
        }
        _index = N;
    }

    public uint NextUInt32()
    {
        if (_index >= N)
        {
            Twist();
        }
        uint y = _mt[_index++];
        y ^= y >> 11;
        y ^= (y << 7) & 0x9D2C5680u;
        y ^= (y << 15) & 0xEFC60000u;
        y ^= y >> 18;
        return y;
    }

    /// <summary>Uniform integer in [0, max] exactly as NumPy's legacy bounded draw (mask + reject).</summary>
    public uint Interval(uint max)
    {
        if (max == 0)
        {
            return 0;
        }
        uint mask = max;
        mask |= mask >> 1;
        mask |= mask >> 2;
        mask |= mask >> 4;
        mask |= mask >> 8;
        mask |= mask >> 16;
        uint value;
        do
        {
            value = NextUInt32() & mask;
        }
        while (value > max);
        return value;
    }

    /// <summary><c>np.random.RandomState(seed).permutation(n)</c>.</summary>
    public int[] Permutation(int n)
    {
        var a = new int[n];
        for (int i = 0; i < n; i++)
        {
            a[i] = i;
        }
        for (int i = n - 1; i > 0; i--)
        {
            int j = (int)Interval((uint)i);
            (a[i], a[j]) = (a[j], a[i]);
        }
        return a;
    }

    private void Twist()
    {
        for (int i = 0; i < N; i++)
        {
            uint y = (_mt[i] & 0x80000000u) | (_mt[(i + 1) % N] & 0x7FFFFFFFu);
            uint next = _mt[(i + M) % N] ^ (y >> 1);
            if ((y & 1) != 0)
            {
                next ^= 0x9908B0DFu;
            }
            _mt[i] = next;
        }
        _index = 0;
    }
}
