import type { TestApp } from './harness';
import { unique, type SignedUp } from './fixtures';

export const ARTICLE_FIELDS = `id slug title description body tagList createdAt updatedAt favoritesCount viewerHasFavorited
  viewerCanUpdate viewerCanDelete author { id username }`;

export const CREATE_ARTICLE = `mutation CreateArticle($input: CreateArticleInput!) {
  createArticle(input: $input) { article { ${ARTICLE_FIELDS} } errors { message path } clientMutationId }
}`;

export interface ArticleInput {
  title: string;
  description: string;
  body: string;
  tagList: string[];
}

export function articleInput(overrides: Partial<ArticleInput> = {}): ArticleInput {
  const title = `Article ${unique('t')}`;
  return {
    title,
    description: 'A short summary',
    body: 'Some *markdown* text.',
    tagList: ['news'],
    ...overrides,
  };
}

/** Publishes an article through the API as `author`; returns the article as the payload shows it. */
export async function publish(app: TestApp, author: SignedUp, overrides: Partial<ArticleInput> = {}) {
  const result = await app.execute(CREATE_ARTICLE, {
    as: author,
    variables: { input: articleInput(overrides) },
  });
  const article = result.data?.createArticle?.article;
  if (!article) throw new Error(`createArticle failed: ${JSON.stringify(result.errors ?? result.data)}`);
  return article as { id: string; slug: string; title: string; tagList: string[]; createdAt: string };
}

export async function comment(app: TestApp, author: SignedUp, articleId: string, body = 'Nice one') {
  const result = await app.execute(
    `mutation($input: AddCommentInput!) { addComment(input: $input) { comment { id body } errors { message path } } }`,
    { as: author, variables: { input: { articleId, body } } },
  );
  const created = result.data?.addComment?.comment;
  if (!created) throw new Error(`addComment failed: ${JSON.stringify(result.errors ?? result.data)}`);
  return created as { id: string; body: string };
}

export async function follow(app: TestApp, follower: SignedUp, followee: { id: string }) {
  const result = await app.execute(`mutation($id: ID!) { followUser(input: { id: $id }) { user { id } } }`, {
    as: follower,
    variables: { id: followee.id },
  });
  if (result.errors) throw new Error(`followUser failed: ${JSON.stringify(result.errors)}`);
}

export async function favorite(app: TestApp, fan: SignedUp, articleId: string) {
  const result = await app.execute(
    `mutation($id: ID!) { favoriteArticle(input: { id: $id }) { article { id } } }`,
    {
      as: fan,
      variables: { id: articleId },
    },
  );
  if (result.errors) throw new Error(`favoriteArticle failed: ${JSON.stringify(result.errors)}`);
}

/** The error codes of a result, in order. */
export function codes(result: { errors?: { extensions?: Record<string, unknown> }[] }): unknown[] {
  return (result.errors ?? []).map((e) => e.extensions?.['code']);
}
