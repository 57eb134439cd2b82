namespace DyTox.Tensor;

/// <summary>Element-wise binary operations (NumPy broadcasting).</summary>
public enum BinaryOp
{
    Add,
    Sub,
    Mul,
    Div,
    Max,
    Min,
}

/// <summary>Element-wise unary operations. Gelu is the exact erf form (timm/torch nn.GELU).</summary>
public enum UnaryOp
{
    Neg,
    Exp,
    Log,
    Sqrt,
    Square,
    Abs,
    Reciprocal,
    Sigmoid,
    Tanh,
    Relu,
    Gelu,
}

public enum ReduceOp
{
    Sum,
    Mean,
    Max,
}

/// <summary>Hyper-parameters of one AdamW update (torch.optim.AdamW semantics: decoupled decay
/// w ← w − lr·wd·w, bias-corrected moments, eps added after the square root).</summary>
public readonly record struct AdamWHyper(double LearningRate, double Beta1, double Beta2, double Epsilon, double WeightDecay, long Step);

/// <summary>Hyper-parameters of one SGD update (torch.optim.SGD semantics, coupled weight decay).</summary>
public readonly record struct SgdHyper(double LearningRate, double Momentum, double WeightDecay, bool Nesterov, bool FirstStep);
