using System.Xml.Linq;
using MlopsTemplates.Tests.Infrastructure;

namespace MlopsTemplates.Tests.GeneratedProject;

/// <summary>The generated repository's own tests (data, unit, model behaviour, service) pass with Debian's Python.</summary>
public sealed class GeneratedTestSuiteTests(TemplatePackFixture fixture) : IClassFixture<TemplatePackFixture>
{
    [Theory]
    [MemberData(nameof(GeneratedVariants.Tested), MemberType = typeof(GeneratedVariants))]
    public async Task Its_own_test_suite_passes_with_debian_python(string options)
    {
        var repo = await GeneratedVariants.GetAsync(fixture.Pack, options);
        var junit = Path.Combine(fixture.Pack.NewOutputDirectory("junit"), "junit.xml");

        var result = await GeneratedVariants.RunPythonAsync(repo.Root, ["-m", "pytest", "-q", "-p", "no:cacheprovider", $"--junitxml={junit}"]);

        result.EnsureSuccess();
        var cases = XDocument.Load(junit).Descendants("testcase").Select(c => (string)c.Attribute("classname")!).ToList();
        Assert.True(cases.Count >= 25, $"only {cases.Count} tests ran:{Environment.NewLine}{result}");
        foreach (var module in new[] { "tests.test_data", "tests.test_model", "tests.test_pipeline", "tests.test_tracking" })
        {
            Assert.Contains(module, cases);
        }

        Assert.Equal(repo.Option("serving") != "none", cases.Contains("tests.test_service"));
        Assert.Equal(repo.Option("serving") == "django", cases.Contains("tests.test_django"));
    }
}
