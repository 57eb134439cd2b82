namespace DyTox.Kernels;
