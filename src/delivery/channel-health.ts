import type { Logger } from '../log.ts';
import { channelKey, type ChannelRef } from '../model/channel.ts';
import type { ChannelRepo } from '../store/channel-repo.ts';

/**
 * Definite refusals in a row (unknown channel, missing access, kicked) after which a channel is deactivated:
 * more than one, so that a permission an admin fixes within minutes loses nothing; few, so that a deleted
 * channel stops costing requests soon.
 */
export const DEACTIVATE_AFTER_REFUSALS = 3;

/**
 * Counts a definite refusal by the platform. Answers whether the channel is inactive now (deactivated by this
 * refusal, logged as a warning with the reason, or before): the planners skip it and its pending deliveries
 * are given up.
 */
export async function recordRefusal(channels: ChannelRepo, ref: ChannelRef, reason: string, log: Logger): Promise<boolean> {
  let deactivated = false;
  const after = await channels.update(ref, (channel) => {
    channel.refusals = (channel.refusals ?? 0) + 1;
    channel.inactiveReason = reason;
    if (channel.active && channel.refusals >= DEACTIVATE_AFTER_REFUSALS) {
      channel.active = false;
      deactivated = true;
    }
  });
  if (deactivated) {
    log.warn({ channel: channelKey(ref), reason }, `channel deactivated after ${DEACTIVATE_AFTER_REFUSALS} refusals in a row: ${reason}`);
  }
  return !after.active;
}

/** A message went through: the refusal count starts over, and an inactive channel is active again. */
export async function recordReachable(channels: ChannelRepo, ref: ChannelRef, log: Logger): Promise<void> {
  const known = await channels.get(ref);
  if (!known || (known.active && !known.refusals)) return;
  const wasInactive = !known.active;
  await channels.update(ref, (channel) => {
    channel.active = true;
    delete channel.refusals;
    delete channel.inactiveReason;
  });
  if (wasInactive) log.info({ channel: channelKey(ref) }, 'channel reachable again: active');
}
