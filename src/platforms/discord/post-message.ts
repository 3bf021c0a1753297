import { DiscordAPIError, Routes, type REST } from 'discord.js';
import { ChannelUnavailableError } from '../../chat/command.ts';
import type { DiscordMessage } from './reply-message.ts';

/** Discord's answers that mean "this channel will not take messages from the bot": unknown channel, missing access/permissions. */
const UNAVAILABLE_CODES = new Set([10003, 50001, 50013]);

/**
 * Sends a message to a channel through discord.js's REST manager, which queues per route bucket, waits out 429s
 * (Retry-After, the global limit) and retries 5xx answers. A channel that is gone or forbids the bot rejects with
 * ChannelUnavailableError — never retried — so the caller can mark the channel inactive. With a `nonce`,
 * Discord drops a repeat of the same send (`enforce_nonce`), which makes a retried delivery safe.
 */
export async function postMessage(rest: REST, channelId: string, message: DiscordMessage, nonce?: string): Promise<string> {
  try {
    const created = (await rest.post(Routes.channelMessages(channelId), {
      body: { ...message, ...(nonce !== undefined ? { nonce, enforce_nonce: true } : {}) },
    })) as { id: string };
    return created.id;
  } catch (error) {
    if (error instanceof DiscordAPIError && (error.status === 403 || error.status === 404 || UNAVAILABLE_CODES.has(Number(error.code)))) {
      throw new ChannelUnavailableError(`Discord channel ${channelId}: ${error.message} (${error.status}/${error.code})`, { cause: error });
    }
    throw error;
  }
}
