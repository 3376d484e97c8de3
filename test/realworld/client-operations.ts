/**
 * The operations a RealWorld GraphQL web client sends, page by page, written as such a client writes them:
 * named operations, fragments, variables, `edges { node }` and `nodes` lists, `clientMutationId`.
 */

export const FRAGMENTS = `
fragment ArticlePreview on Article {
  id slug title description createdAt tagList favoritesCount viewerHasFavorited
  author { id username image }
}
fragment ArticleDetail on Article {
  ...ArticlePreview
  body updatedAt viewerCanUpdate viewerCanDelete
  author { bio followedByViewer followers { totalCount } }
}
fragment CommentView on Comment {
  id body createdAt viewerCanDelete
  author { id username image }
}
fragment ProfileView on User {
  id username bio image followedByViewer followers { totalCount }
}`;

export const OPERATIONS = {
  // Sign-in and sign-up pages.
  SignInPage: `mutation SignInPage($input: SignInUserInput!) {
    signInUser(input: $input) { token viewer { user { id username email image } } errors { message path } }
  }`,
  SignUpPage: `mutation SignUpPage($input: CreateUserInput!) {
    createUser(input: $input) { user { id username email } token errors { message path } }
  }`,
  // Layout header: who is signed in (null when anonymous, never an error).
  AppViewer: `query AppViewer { viewer { user { id username image email } } }`,
  // Home page: global feed, your feed, tag feed, popular tags.
  HomeGlobalFeed: `query HomeGlobalFeed($first: Int, $after: String) {
    articles(first: $first, after: $after) {
      edges { cursor node { ...ArticlePreview } }
      pageInfo { hasNextPage hasPreviousPage endCursor startCursor }
    }
  }`,
  HomeYourFeed: `query HomeYourFeed($first: Int, $after: String) {
    viewer { feed(first: $first, after: $after) { edges { node { ...ArticlePreview } } pageInfo { hasNextPage endCursor } } }
  }`,
  HomeTagFeed: `query HomeTagFeed($tag: String!, $first: Int) {
    articles(tag: $tag, first: $first) { nodes { ...ArticlePreview } pageInfo { hasNextPage endCursor } }
  }`,
  PopularTags: `query PopularTags { tags }`,
  // Article page.
  ArticlePage: `query ArticlePage($slug: String!) {
    article(slug: $slug) { ...ArticleDetail comments { ...CommentView } }
  }`,
  // Profile page: "My articles" and "Favorited articles" tabs.
  ProfileArticles: `query ProfileArticles($username: String!, $first: Int) {
    user(username: $username) { ...ProfileView articles(first: $first) { edges { node { ...ArticlePreview } } pageInfo { hasNextPage endCursor } } }
  }`,
  ProfileFavorites: `query ProfileFavorites($username: String!, $first: Int) {
    user(username: $username) { ...ProfileView favoriteArticles(first: $first) { nodes { ...ArticlePreview } pageInfo { hasNextPage } } }
  }`,
  // Settings page.
  SettingsPage: `query SettingsPage { viewer { user { id username email bio image } } }`,
  UpdateSettings: `mutation UpdateSettings($input: UpdateUserInput!) {
    updateUser(input: $input) { user { id username email bio image } errors { message path } }
  }`,
  // Editor page: load an article to edit, then create or update it.
  EditorLoad: `query EditorLoad($slug: String!) { article(slug: $slug) { id slug title description body tagList viewerCanUpdate } }`,
  EditorCreate: `mutation EditorCreate($input: CreateArticleInput!) {
    createArticle(input: $input) { article { ...ArticleDetail } errors { message path } clientMutationId }
  }`,
  EditorUpdate: `mutation EditorUpdate($input: UpdateArticleInput!) {
    updateArticle(input: $input) { article { ...ArticleDetail } errors { message path } }
  }`,
  // Buttons on the article and profile pages.
  DeleteArticle: `mutation DeleteArticle($input: DeleteArticleInput!) { deleteArticle(input: $input) { article { id slug } } }`,
  FavoriteArticle: `mutation FavoriteArticle($input: FavoriteArticleInput!) {
    favoriteArticle(input: $input) { article { id favoritesCount viewerHasFavorited } }
  }`,
  UnfavoriteArticle: `mutation UnfavoriteArticle($input: UnfavoriteArticleInput!) {
    unfavoriteArticle(input: $input) { article { id favoritesCount viewerHasFavorited } }
  }`,
  FollowUser: `mutation FollowUser($input: FollowUserInput!) {
    followUser(input: $input) { user { id followedByViewer followers { totalCount } } }
  }`,
  UnfollowUser: `mutation UnfollowUser($input: UnfollowUserInput!) {
    unfollowUser(input: $input) { user { id followedByViewer followers { totalCount } } }
  }`,
  AddComment: `mutation AddComment($input: AddCommentInput!) {
    addComment(input: $input) { comment { ...CommentView } errors { message path } }
  }`,
  DeleteComment: `mutation DeleteComment($input: DeleteCommentInput!) { deleteComment(input: $input) { comment { id } } }`,
} as const;

/** An operation with exactly the fragments it uses, as a client sends it. */
export function documentFor(name: keyof typeof OPERATIONS): string {
  const operation: string = OPERATIONS[name];
  const needed = new Set<string>();
  const visit = (text: string) => {
    for (const match of text.matchAll(/\.\.\.(\w+)/g)) {
      const fragmentName = match[1]!;
      if (needed.has(fragmentName)) continue;
      needed.add(fragmentName);
      const definition = new RegExp(`fragment ${fragmentName} on \\w+ \\{[\\s\\S]*?\\n\\}`).exec(FRAGMENTS);
      if (definition) visit(definition[0]);
    }
  };
  visit(operation);
  const fragments = [...needed].map(
    (n) => new RegExp(`fragment ${n} on \\w+ \\{[\\s\\S]*?\\n\\}`).exec(FRAGMENTS)![0],
  );
  return [operation, ...fragments].join('\n');
}
