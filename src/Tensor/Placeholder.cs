namespace DyTox.Tensor;
