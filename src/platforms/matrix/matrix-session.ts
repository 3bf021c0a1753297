import { createClient, MatrixError } from 'matrix-js-sdk';
import type { MatrixConfig } from '../../config.ts';
import type { Logger } from '../../log.ts';
import type { Collection } from '../../store/collection.ts';
import { sdkLogger } from './sdk-logger.ts';

/** The credentials the bot syncs with. The access token is a secret: kept in the store, never logged. */
export interface MatrixSession {
  userId: string;
  accessToken: string;
  deviceId: string;
}

/**
 * The bot's session: the configured access token (its device asked from the homeserver), or — with a password —
 * the session a previous start logged in with, kept in the store and reused, so that a restart does not create
 * a new device each time. A stored session the homeserver no longer accepts is replaced by a fresh login.
 */
export async function openMatrixSession(config: MatrixConfig, state: Collection<MatrixSession>, log: Logger): Promise<MatrixSession> {
  const logger = sdkLogger(log, 'matrix-login');
  const whoami = async (accessToken: string): Promise<string | undefined> => {
    const probe = createClient({ baseUrl: config.homeserverUrl, accessToken, userId: config.userId, logger });
    try {
      return (await probe.whoami()).device_id;
    } catch (error) {
      if (error instanceof MatrixError && (error.errcode === 'M_UNKNOWN_TOKEN' || error.httpStatus === 401)) return undefined;
      throw error;
    } finally {
      probe.stopClient();
    }
  };

  if (config.accessToken !== undefined) {
    const deviceId = await whoami(config.accessToken);
    if (deviceId === undefined) throw new Error(`The homeserver ${config.homeserverUrl} does not accept MATRIX_ACCESS_TOKEN for ${config.userId}`);
    return { userId: config.userId, accessToken: config.accessToken, deviceId };
  }

  const key = `matrix-session.${config.userId}`;
  const stored = await state.get(key);
  if (stored && (await whoami(stored.accessToken)) !== undefined) return stored;

  const login = createClient({ baseUrl: config.homeserverUrl, logger });
  try {
    const response = await login.loginRequest({
      type: 'm.login.password',
      identifier: { type: 'm.id.user', user: config.userId },
      password: config.password!,
      initial_device_display_name: 'privacy-radar',
      ...(stored ? { device_id: stored.deviceId } : {}),
    });
    const session: MatrixSession = { userId: response.user_id, accessToken: response.access_token, deviceId: response.device_id };
    await state.set(key, session);
    log.info({ userId: session.userId, deviceId: session.deviceId }, 'logged in to Matrix; the session is kept in the store');
    return session;
  } catch (error) {
    const reason = error instanceof MatrixError ? `${error.errcode ?? error.httpStatus}: ${error.data.error ?? ''}` : (error as Error).message;
    throw new Error(`Could not log in to ${config.homeserverUrl} as ${config.userId}: ${reason}`, { cause: error });
  } finally {
    login.stopClient();
  }
}
