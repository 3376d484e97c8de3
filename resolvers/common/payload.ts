import { Field, ObjectType } from 'type-graphql';
import { UserInputErrors, type UserErrorRecord } from '../../src/errors';

@ObjectType({
  simpleResolvers: true,
  description: 'An expected mistake in a mutation input. The mutation changed nothing.',
})
export class UserError {
  @Field(() => String, { description: 'What is wrong, in words fit to show a person.' })
  message!: string;

  @Field(() => String, {
    nullable: true,
    description: 'The input field at fault, e.g. `email`; null when no one field is.',
  })
  path!: string | null;
}

/**
 * Runs a mutation and shapes its outcome as a payload: expected input mistakes become `errors`, anything
 * else propagates to formatError. Every payload echoes the input's `clientMutationId`.
 */
export async function payload<T extends object>(
  clientMutationId: string | null | undefined,
  run: () => Promise<T>,
): Promise<Partial<T> & { clientMutationId: string | null; errors: readonly UserErrorRecord[] }> {
  const echo = clientMutationId ?? null;
  try {
    return { ...(await run()), clientMutationId: echo, errors: [] };
  } catch (error) {
    if (error instanceof UserInputErrors) {
      const failed: Partial<T> = {};
      return { ...failed, clientMutationId: echo, errors: error.errors };
    }
    throw error;
  }
}
