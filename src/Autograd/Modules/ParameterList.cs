namespace DyTox.Autograd;

/// <summary>An indexed list of parameters named "0", "1", … (torch nn.ParameterList, e.g. DyTox's task tokens).</summary>
public sealed class ParameterList : Module
{
    private readonly List<Parameter> items = new();

    public int Count => items.Count;
    public Parameter this[int index] => items[index];

    public Parameter Add(Parameter parameter)
    {
        RegisterParameter(items.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), parameter);
        items.Add(parameter);
        return parameter;
    }

    public IEnumerator<Parameter> GetEnumerator() => items.GetEnumerator();
}
