import type { CommandDefinition } from '../src/chat/command.ts';
import { about } from './about.ts';
import { digest } from './digest.ts';
import { feeds } from './feeds.ts';
import { forget } from './forget.ts';
import { help } from './help.ts';
import { incidents } from './incidents.ts';
import { language } from './language.ts';
import { subscribe } from './subscribe.ts';
import { subscriptions } from './subscriptions.ts';
import { unsubscribe } from './unsubscribe.ts';

/** Every chat command, in the order help lists them. A new command is a new file here and one line below. */
export const COMMANDS: readonly CommandDefinition[] = [
  incidents,
  subscribe,
  unsubscribe,
  subscriptions,
  digest,
  feeds,
  language,
  forget,
  help,
  about,
];
