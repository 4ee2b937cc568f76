using CampaignStudio.Bench;

return await BenchCommand.RunAsync(args);
