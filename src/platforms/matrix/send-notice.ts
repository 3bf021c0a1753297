import { ConnectionError, MatrixError, Method, type MatrixClient } from 'matrix-js-sdk';
import { ChannelUnavailableError } from '../../chat/command.ts';
import type { NoticeContent } from './message-content.ts';

const MAX_ATTEMPTS = 8;
const FIRST_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 30_000;

/**
 * Sends a notice with a transaction id of the caller's choosing, straight through the client-server API
 * (`PUT /rooms/{room}/send/m.room.message/{txnId}`, or `m.room.encrypted` once `seal` encrypted it): the homeserver answers a repeated transaction id with the
 * event it already made, so retrying — or answering the same command again after a crash — never posts twice.
 * Rate limits (`M_LIMIT_EXCEEDED`) are waited out as the server asks; 5xx answers and lost connections are
 * retried with back-off (about two minutes in all); a room that forbids the bot (kicked, banned, not joined)
 * rejects with ChannelUnavailableError.
 */
export async function sendNotice(
  client: MatrixClient,
  roomId: string,
  content: NoticeContent,
  txnId: string,
  wait: (ms: number) => Promise<void> = sleep,
  seal: SealMessage = plainMessage,
): Promise<string> {
  // Sealed once: a retry sends the same ciphertext under the same transaction id.
  const wire = await seal(roomId, { type: 'm.room.message', content: content as unknown as Record<string, unknown> }, txnId);
  const path = `/rooms/${encodeURIComponent(roomId)}/send/${encodeURIComponent(wire.type)}/${encodeURIComponent(txnId)}`;
  for (let attempt = 1; ; attempt += 1) {
    try {
      const sent = await client.http.authedRequest<{ event_id: string }>(Method.Put, path, undefined, wire.content);
      return sent.event_id;
    } catch (error) {
      const backoff = Math.min(FIRST_BACKOFF_MS * 2 ** (attempt - 1), MAX_BACKOFF_MS);
      if (error instanceof MatrixError) {
        if (error.httpStatus === 403 || error.errcode === 'M_FORBIDDEN' || error.errcode === 'M_NOT_FOUND') {
          throw new ChannelUnavailableError(`Matrix room ${roomId}: ${error.errcode ?? error.httpStatus} ${error.data.error ?? ''}`.trim(), { cause: error });
        }
        const retryable = error.errcode === 'M_LIMIT_EXCEEDED' || error.httpStatus === 429 || (error.httpStatus ?? 0) >= 500;
        if (!retryable || attempt >= MAX_ATTEMPTS) throw error;
        await wait(error.errcode === 'M_LIMIT_EXCEEDED' || error.httpStatus === 429 ? (safeRetryAfter(error) ?? backoff) : backoff);
        continue;
      }
      if (error instanceof ConnectionError && attempt < MAX_ATTEMPTS) {
        await wait(backoff);
        continue;
      }
      throw error;
    }
  }
}

/** An event as it goes over the wire. */
export interface WireEvent {
  type: string;
  content: Record<string, unknown>;
}

/** Turns a message into what is sent: encrypted in an encrypted room (see matrix-bot.ts), as it is otherwise. */
export type SealMessage = (roomId: string, message: WireEvent, txnId: string) => Promise<WireEvent>;

const plainMessage: SealMessage = (_roomId, message) => Promise.resolve(message);

/** The server's `retry_after_ms`, bounded: a hostile or broken server cannot park the bot for hours. */
function safeRetryAfter(error: MatrixError): number | undefined {
  let ms: number | null = null;
  try {
    ms = error.getRetryAfterMs();
  } catch {
    ms = null;
  }
  return ms === null || !Number.isFinite(ms) || ms < 0 ? undefined : Math.min(ms, 5 * 60_000);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
