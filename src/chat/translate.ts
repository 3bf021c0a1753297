import type { Language } from '../model/feed.ts';
import data from './data/messages.json' with { type: 'json' };

/** The key of one of the bot's own sentences (`src/chat/data/messages.json`). */
export type MessageKey = keyof typeof data.messages;

/**
 * One of the bot's sentences in `language`, with `{name}` placeholders filled. Values are inserted as they are:
 * the result is plain text, and the platform adapters escape it (so a quoted user input stays inert).
 * A placeholder without a value is left visible rather than silently dropped.
 */
export function t(language: Language, key: MessageKey, values: Record<string, string | number> = {}): string {
  const template: string = data.messages[key][language];
  return template.replace(/\{([a-zA-Z]+)\}/g, (whole, name: string) =>
    Object.hasOwn(values, name) ? String(values[name]) : whole,
  );
}
