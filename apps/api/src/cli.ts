#!/usr/bin/env node
/**
 * Operator commands that need the API's own service code (the same password policy and hashing):
 *   node apps/api/dist/cli.js create-user --username U --role admin|analyst   (password on stdin)
 *   node apps/api/dist/cli.js ensure-admin   (first start: creates `admin` with a random password, printed once as JSON)
 *   node apps/api/dist/cli.js reset-password --username U   (password on stdin; ends the user's sessions)
 *   node apps/api/dist/cli.js remove-totp --username U   (removes the user's second factor; ends their sessions)
 * Spawned by `./vigil admin create-user` and `./vigil up`; apps never import apps.
 */
import 'reflect-metadata';
import { type DynamicModule, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { errorMessage } from '@vigil/common';
import { COMMAND_LINE_ACTOR } from '@vigil/db';
import { ApiConfig } from './config/api.config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { ApiError } from './errors/api-error';
import type { Actor } from './modules/audit/audit.service';
import { AuthModule } from './modules/auth/auth.module';
import { UserLifecycleService } from './modules/auth/user-lifecycle.service';
import { UsersModule } from './modules/users/users.module';
import { UsersService } from './modules/users/users.service';

@Module({})
class CliModule {
  static forRoot(config: ApiConfig): DynamicModule {
    return { module: CliModule, imports: [ConfigModule.forRoot(config), DatabaseModule.forRoot(), UsersModule, AuthModule] };
  }
}

/** Who acts from the host's command line (the same actor as `./vigil endpoint add`'s audit entries). */
const CLI_ACTOR: Actor = COMMAND_LINE_ACTOR;

class UsageError extends Error {}

function option(args: string[], name: string): string {
  const i = args.indexOf(name);
  const value = i >= 0 ? args[i + 1] : args.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
  if (!value || value.startsWith('--')) throw new UsageError(`missing ${name}`);
  return value;
}

/** The password from stdin: a pipe is read to its end (one trailing newline dropped); a terminal is read without echo. */
async function readPassword(): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  }
  process.stderr.write('password: ');
  stdin.setRawMode(true);
  stdin.resume();
  return new Promise((resolvePassword, reject) => {
    let text = '';
    const onData = (data: Buffer): void => {
      for (const ch of data.toString('utf8')) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') {
          stdin.setRawMode(false);
          stdin.pause();
          stdin.off('data', onData);
          process.stderr.write('\n');
          resolvePassword(text);
          return;
        }
        if (ch === '\u0003') {
          stdin.setRawMode(false);
          reject(new UsageError('interrupted'));
          return;
        }
        if (ch === '\u007f' || ch === '\b') text = text.slice(0, -1);
        else text += ch;
      }
    };
    stdin.on('data', onData);
  });
}

const USAGE =
  'usage: cli.js create-user --username U --role admin|analyst  (password on stdin) | cli.js ensure-admin | cli.js reset-password --username U  (password on stdin) | cli.js remove-totp --username U';

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (!['create-user', 'ensure-admin', 'reset-password', 'remove-totp'].includes(command ?? '')) throw new UsageError(USAGE);
  const username = command === 'ensure-admin' ? '' : option(args, '--username');
  const role = command === 'create-user' ? option(args, '--role') : '';
  const password = command === 'create-user' || command === 'reset-password' ? await readPassword() : '';
  const config = ApiConfig.fromProcessEnv();
  const ctx = await NestFactory.createApplicationContext(CliModule.forRoot(config), { logger: ['error'] });
  try {
    const users = ctx.get(UsersService);
    const lifecycle = ctx.get(UserLifecycleService);
    if (command === 'create-user') {
      const user = await users.create({ username, role, password }, CLI_ACTOR);
      console.log(`created ${user.role} "${user.username}" (${user.id})`);
    } else if (command === 'reset-password') {
      await lifecycle.operatorSetPassword(username, password, CLI_ACTOR);
      console.log(`password of "${username}" set; their sessions ended`);
    } else if (command === 'remove-totp') {
      await lifecycle.operatorRemoveTotp(username, CLI_ACTOR);
      console.log(`second factor of "${username}" removed; their sessions ended`);
    } else {
      const created = await users.ensureFirstAdmin(CLI_ACTOR);
      // One JSON line for `./vigil up`, which shows the password once; it is not stored anywhere in clear.
      console.log(JSON.stringify(created ? { created: true, username: created.user.username, password: created.password } : { created: false }));
    }
    return 0;
  } finally {
    await ctx.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const prefix = err instanceof ApiError ? '' : err instanceof UsageError ? '' : 'error: ';
    console.error(`vigil: ${prefix}${errorMessage(err)}`);
    process.exit(err instanceof ApiError || err instanceof UsageError ? 2 : 1);
  },
);
