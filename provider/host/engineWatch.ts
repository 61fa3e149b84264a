// Pulumi starts the dynamic-provider process for a deployment and stops it at the end. When the engine itself is
// killed (Ctrl-C twice, a CI job cancelled), nothing stops it: it keeps serving, holding sockets, for ever.
/** In Pulumi's dynamic-provider process, exit once the engine that started it is gone (the process is re-parented). */
export function exitWithEngine(argv: readonly string[] = process.argv, plugin = false): void {
  // `plugin`: the native plugin, which the engine starts as its own executable (so always a provider process).
  if (!plugin && !/[\\/]dynamic-provider([\\/]index\.js)?$/.test(argv[1] ?? "")) return;
  const engine = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== engine) process.exit(0);
  }, 1000);
  // Never the reason the process stays up.
  timer.unref();
}
