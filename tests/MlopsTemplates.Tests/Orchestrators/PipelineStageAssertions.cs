using MlopsTemplates.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace MlopsTemplates.Tests.Orchestrators;

/// <summary>One stage as an orchestrator's file runs it: its id, the stages it waits for, and its command line.</summary>
public sealed record OrchestratedStage(string Id, IReadOnlyList<string> Needs, IReadOnlyList<string> Command);

/// <summary>
/// The assertion every orchestrator shares: its stages, their order and their commands are dvc.yaml's, so that
/// `dvc repro`, `make pipeline` and the orchestrator run the same pipeline.
/// </summary>
public static class PipelineStageAssertions
{
    public static void AssertSameAsDvc(GeneratedRepository repository, IReadOnlyList<OrchestratedStage> stages, string orchestrator)
    {
        var dvc = new YamlStream();
        dvc.Load(new StringReader(repository.ReadText("dvc.yaml")));
        var dvcStages = ((YamlMappingNode)((YamlMappingNode)dvc.Documents[0].RootNode)[new YamlScalarNode("stages")]).Children
            .Select(kv => (Id: ((YamlScalarNode)kv.Key).Value!, Command: ((YamlScalarNode)((YamlMappingNode)kv.Value)[new YamlScalarNode("cmd")]).Value!))
            .ToList();

        Assert.True(dvcStages.Select(s => s.Id).SequenceEqual(stages.Select(s => s.Id)), $"{orchestrator}: stages [{string.Join(", ", stages.Select(s => s.Id))}], dvc.yaml has [{string.Join(", ", dvcStages.Select(s => s.Id))}]");
        for (var i = 0; i < dvcStages.Count; i++)
        {
            Assert.Equal(dvcStages[i].Command, string.Join(" ", stages[i].Command));
            // dvc.yaml runs its stages in this order, each after the one before it: the orchestrator must wait alike.
            Assert.Equal(i == 0 ? [] : [dvcStages[i - 1].Id], stages[i].Needs);
        }
    }
}
