import { Schema, type Connection, type InferSchemaType } from 'mongoose';

import { ROLES } from '../auth/roles';

export { ROLES, type Role } from '../auth/roles';

const userSchema = new Schema(
  {
    username: { type: String, required: true },
    /** Case-folded username: uniqueness is case-insensitive and enforced by the unique index, not by reads. */
    usernameKey: { type: String, required: true },
    email: { type: String, required: true },
    emailKey: { type: String, required: true },
    passwordHash: { type: String, required: true },
    bio: { type: String, default: null },
    image: { type: String, default: null },
    role: { type: String, enum: ROLES, default: 'user', required: true },
    /** Whether the owner proved that `email` is theirs; changing the email clears it. */
    emailVerified: { type: Boolean, default: false },
    /**
     * Moved by every change to the user's API keys, inside its transaction: two concurrent creations then
     * conflict and run one after the other, so that the bound on active keys holds.
     */
    apiKeyVersion: { type: Number, default: 0 },
  },
  { timestamps: true, collection: 'users' },
);
userSchema.index({ usernameKey: 1 }, { unique: true });
userSchema.index({ emailKey: 1 }, { unique: true });
// The admins, whose webhook endpoints receive every event.
userSchema.index({ role: 1 });

export type UserDoc = InferSchemaType<typeof userSchema> & { _id: import('mongoose').Types.ObjectId };

export const createUserModel = (connection: Connection) => connection.model('User', userSchema);
