using EdgeGw;

// Socket completions run inline on the socket engine's threads unless the operator says otherwise: the gateway
// never blocks on them, and skipping the thread-pool hop per completion is worth ~1.7x on a small proxied request
// (see tuning.md). The runtime reads this variable once, when the first socket is created, so set it first.
InlineIo.Configure();
return await Cli.RunAsync(args).ConfigureAwait(false);
