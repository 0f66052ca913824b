using System.Text.RegularExpressions;
using MlopsTemplates.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace MlopsTemplates.Tests.GeneratedProject;

/// <summary>
/// The cloud settings of a generated repository are in one committed file, cloud.env: every cloud gets one,
/// its consumers read it, and no placeholder account or identity a user would have to hunt down is anywhere.
/// </summary>
public sealed partial class CloudSettingsTests(TemplatePackFixture fixture) : IClassFixture<TemplatePackFixture>
{
    public static TheoryData<string, string> CloudsWithEveryCi => new()
    {
        { "local", "github" }, { "aws", "gitlab" }, { "azure", "jenkins" }, { "gcp", "azure" },
        { "aws", "github" }, { "azure", "gitlab" }, { "gcp", "jenkins" }, { "local", "azure" },
        { "azure", "github" }, { "gcp", "gitlab" },
    };

    public static TheoryData<string> Clouds => new("local", "aws", "azure", "gcp");

    private Task<GeneratedRepository> Full(string cloud, string ci = "github") =>
        fixture.Pack.GenerateAsync("churn-model", "--cloud", cloud, "--ci", ci, "--deploy", "kubernetes", "--tracking", "mlflow", "--data", "dvc");

    [Theory]
    [InlineData("local", "none")]
    [InlineData("aws", "none")]
    [InlineData("azure", "none")]
    [InlineData("gcp", "none")]
    [InlineData("azure", "postgres")]
    public async Task Every_cloud_gets_a_cloud_env_whose_only_empty_values_are_the_ones_no_name_derives(string cloud, string store)
    {
        var repo = store == "none" ? await Full(cloud) : await fixture.Pack.GenerateAsync("churn-model", "--cloud", cloud, "--ci", "github", "--deploy", "kubernetes", "--tracking", "mlflow", "--data", "dvc", "--store", store);
        var settings = CloudEnv.Read(repo);

        Assert.Equal(cloud, settings["CLOUD"]);
        var empty = settings.Where(s => s.Value == "").Select(s => s.Key).Order().ToList();
        // A --store with a database server adds the monitoring CronJob's identity (on Azure a client ID to fill in).
        Assert.Equal(CloudEnv.FilledIn(cloud, monitor: store != "none").Keys.Order(), empty);
        // Plain KEY=VALUE: make, docker compose and `. ./cloud.env` would each read quotes or ${...} differently.
        Assert.All(settings.Values, v => Assert.DoesNotMatch("[\"'$ ]", v));
        Assert.Contains("cloud.env", repo.ReadText("README.md"), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(CloudsWithEveryCi))]
    public async Task No_generated_file_holds_an_example_account_project_or_identity(string cloud, string ci)
    {
        var repo = await Full(cloud, ci);

        foreach (var file in repo.Files)
        {
            var lines = File.ReadAllLines(repo.PathOf(file));
            for (var i = 0; i < lines.Length; i++)
            {
                // ACR's refresh-token login takes this fixed user name; it identifies no one.
                var line = lines[i].Replace("--username 00000000-0000-0000-0000-000000000000", "", StringComparison.Ordinal);
                Assert.False(ExampleIdentity().IsMatch(line), $"{file}:{i + 1}: example identity in '{lines[i].Trim()}'");
            }
        }
    }

    [Fact]
    public async Task The_makefile_exports_cloud_env_to_its_recipes_and_a_stray_environment_value_does_not_win()
    {
        var repo = await Full("aws");
        var probe = new[] { "-s", "--eval", "probe: ; @echo \"$$AWS_REGION $$DVC_REMOTE_URL\"", "probe" };

        var fromFile = await Command.RunAsync("make", probe, repo.Root, new Dictionary<string, string?> { ["AWS_REGION"] = "us-east-1" });

        Assert.Equal("eu-west-1 s3://churn-model-dvc/storage", fromFile.EnsureSuccess().StandardOutput.Trim());
        var dvcRemote = await Command.RunAsync("make", ["-n", "dvc-pull"], repo.Root);
        Assert.Contains("dvc remote modify --local storage url \"s3://churn-model-dvc/storage\"", dvcRemote.EnsureSuccess().StandardOutput, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Clouds))]
    public async Task Dvc_config_and_compose_agree_with_cloud_env(string cloud)
    {
        var repo = await Full(cloud);

        var remote = DvcRemoteUrl().Match(repo.ReadText(".dvc/config")).Groups[1].Value;
        Assert.Equal(CloudEnv.Read(repo)["DVC_REMOTE_URL"], remote);
        var compose = new YamlStream();
        compose.Load(new StringReader(repo.ReadText("compose.yaml")));
        var train = (YamlMappingNode)((YamlMappingNode)((YamlMappingNode)compose.Documents[0].RootNode)["services"])["train"];
        Assert.Equal("cloud.env", train["env_file"].ToString());
    }

    [GeneratedRegex(@"111122223333|444455556666|my-gcp-project|my-prod-project|mlopsartifacts|00000000-0000-0000-0000-000000000000|11111111-2222-3333")]
    private static partial Regex ExampleIdentity();

    [GeneratedRegex(@"url = (\S+)")]
    private static partial Regex DvcRemoteUrl();
}
