using EdgeGw;

return await Cli.RunAsync(args).ConfigureAwait(false);
