namespace DyTox.Autograd;
