import { Schema, type Connection, type InferSchemaType, type Types } from 'mongoose';

export const ACCOUNT_TOKEN_PURPOSES = ['password-reset', 'email-verification'] as const;
export type AccountTokenPurpose = (typeof ACCOUNT_TOKEN_PURPOSES)[number];

/**
 * A single-use link sent by mail: a password reset or an email verification. Only the token's SHA-256 hash is
 * stored. It is bound to the address it was sent to (`emailKey`): once the account's email changes, a link
 * sent to the old one opens nothing. MongoDB deletes it when it expires; reads check the time themselves.
 */
const accountTokenSchema = new Schema(
  {
    tokenHash: { type: String, required: true },
    userId: { type: Schema.Types.ObjectId, required: true },
    purpose: { type: String, enum: ACCOUNT_TOKEN_PURPOSES, required: true },
    emailKey: { type: String, required: true },
    expiresAt: { type: Date, required: true },
  },
  { timestamps: { createdAt: true, updatedAt: false }, collection: 'account_tokens', versionKey: false },
);
accountTokenSchema.index({ tokenHash: 1 }, { unique: true });
// A new link replaces the older ones of the same purpose.
accountTokenSchema.index({ userId: 1, purpose: 1 });
accountTokenSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

export type AccountTokenDoc = InferSchemaType<typeof accountTokenSchema> & { _id: Types.ObjectId };

export const createAccountTokenModel = (connection: Connection) =>
  connection.model('AccountToken', accountTokenSchema);
