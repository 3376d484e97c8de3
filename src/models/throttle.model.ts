import { Schema, type Connection } from 'mongoose';

/**
 * Fixed-window failure counters (failed sign-ins per account and address, per address and per account), kept
 * in MongoDB so that a limit holds across every instance. A counter disappears when its window ends.
 */
const throttleSchema = new Schema(
  {
    _id: { type: String, required: true },
    count: { type: Number, required: true },
    expiresAt: { type: Date, required: true },
  },
  { collection: 'throttles', versionKey: false },
);
throttleSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

export const createThrottleModel = (connection: Connection) => connection.model('Throttle', throttleSchema);
