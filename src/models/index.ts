import type { Connection } from 'mongoose';
import { createSessionModel } from './session.model';
import { createThrottleModel } from './throttle.model';
import { createUserModel } from './user.model';

export function createModels(connection: Connection) {
  return {
    User: createUserModel(connection),
    Session: createSessionModel(connection),
    Throttle: createThrottleModel(connection),
  };
}

export type Models = ReturnType<typeof createModels>;

/** Builds every declared index (unique ones above all) before anything relies on them. */
export async function ensureIndexes(models: Models): Promise<void> {
  await Promise.all(Object.values(models).map((model) => model.init()));
}
