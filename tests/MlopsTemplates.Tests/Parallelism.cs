// Test classes run four at a time on the two cores: much of a test's time is spent waiting on a child process
// (dotnet new, node validators, a Python server coming up), so two threads leave the cores idle between them.
[assembly: CollectionBehavior(MaxParallelThreads = 4)]
