#!/usr/bin/env node
import { Command, Option } from 'commander';
import { errorMessage } from '@vigil/common';
import { registerStackCommands } from './commands/stack';
import { registerTopLevelCommands } from './commands/top-level';
import { registerTestCommand } from './commands/test';
import { VIGIL_VERSION } from './paths';
import { registerEndpointCommands } from './commands/endpoint';
import { registerAgentCommands } from './commands/agent';
import { registerAnalyzerCommands } from './commands/analyzer';
import { registerAdminCommands } from './commands/admin';
import { registerDemoCommand } from './commands/demo';
import { registerFleetCommands } from './commands/fleet';
import { ensureBuilt } from './build';

const program = new Command('vigil')
  .description('Vigil — Linux endpoint security monitoring. Local stack, services, tests and operator commands.')
  .version(VIGIL_VERSION)
  .showHelpAfterError()
  .addOption(new Option('--verbose', 'more output').default(false));

registerTopLevelCommands(program);
registerStackCommands(program);
registerTestCommand(program);
registerEndpointCommands(program);
registerAgentCommands(program);
registerAnalyzerCommands(program);
registerAdminCommands(program);
registerDemoCommand(program);
registerFleetCommands(program);

/** Commands that run the built services (the rest need only this CLI, which the bootstrap built). */
const NEEDS_FULL_BUILD = new Set(['up', 'agent', 'analyzer', 'admin']);
program.hook('preAction', (_root, action) => {
  let top = action;
  while (top.parent && top.parent !== program) top = top.parent;
  if (NEEDS_FULL_BUILD.has(top.name())) ensureBuilt();
});

program.parseAsync(process.argv).catch((err: unknown) => {
  console.error(`\nvigil: ${errorMessage(err)}`);
  process.exitCode = 1;
});
