using System.Runtime.CompilerServices;

// Switches between equivalent fast and plain paths, for the tests that check they agree.
[assembly: InternalsVisibleTo("DyTox.Model.Tests")]
