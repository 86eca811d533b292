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

program.parseAsync(process.argv).catch((err: unknown) => {
  console.error(`\nvigil: ${errorMessage(err)}`);
  process.exitCode = 1;
});
