import { ANONYMOUS } from '../../src/auth/viewer';
import { RequestDiagnostics, runWithDiagnostics } from '../../src/observability/diagnostics';
import { createServices } from '../../src/services';
import { comment, publish } from '../support/content';
import { signUp } from '../support/fixtures';
import { createTestApp, type Executed, type TestApp } from '../support/harness';

/**
 * A list reads what its fields show: the articles' text only when a node of the list asks for it, found from
 * the document (fragments included), and a record read without its text never answers a field that needs it.
 */

let app: TestApp;
let tag: string;
const bodies = new Map<string, string>();
let slugs: string[];

beforeAll(async () => {
  app = await createTestApp();
  const author = await signUp(app);
  tag = `proj${Date.now()}`;
  slugs = [];
  for (let i = 0; i < 3; i += 1) {
    const body = `The text of article ${i}, which only its page shows.`;
    const article = await publish(app, author, { tagList: [tag], body });
    bodies.set(article.slug, body);
    slugs.push(article.slug);
    await comment(app, author, article.id, `A comment on article ${i}.`);
  }
});
afterAll(async () => {
  await app.close();
});

type Stage = Record<string, unknown>;

/** Each branch of the page command (the first list, then each `$unionWith`), as its stages. */
function pageBranches(result: Executed): Stage[][] {
  const page = result.sent.filter((c) => c.name === 'aggregate' && c.command['comment'] === 'articles.page');
  expect(page).toHaveLength(1);
  const pipeline = page[0]!.command['pipeline'] as Stage[];
  const unions = pipeline.filter((stage) => '$unionWith' in stage);
  return [
    pipeline.filter((stage) => !('$unionWith' in stage)),
    ...unions.map((stage) => (stage['$unionWith'] as { pipeline: Stage[] }).pipeline),
  ];
}

/** What a branch reads: `undefined` for whole documents. */
const projectionOf = (branch: Stage[]) =>
  branch.find((stage) => '$project' in stage)?.['$project'] as Record<string, number> | undefined;

const LIST = `query($tag: String) { articles(tag: $tag) { edges { node { slug title description tagList } } } }`;

test('when a list does not show the text, then the page command does not read it', async () => {
  const result = await app.execute(LIST, { variables: { tag } });
  expect(result.errors).toBeUndefined();
  const [branch] = pageBranches(result);
  const projection = projectionOf(branch!);
  expect(projection).toBeDefined();
  expect(projection).not.toHaveProperty('body');
  expect(projection).toMatchObject({ slug: 1, title: 1, tagList: 1, authorId: 1, createdAt: 1 });
  expect(result.data.articles.edges.map((e: { node: { slug: string } }) => e.node.slug).sort()).toEqual(
    [...slugs].sort(),
  );
});

test.each([
  ['directly', '', 'body', ''],
  ['through a named fragment', '', '...Text', 'fragment Text on Article { body }'],
  ['through an inline fragment', '', '... on Article { body }', ''],
  ['under @include whatever its variable', ', $no: Boolean = false', 'body @include(if: $no)', ''],
])('when a list shows the text %s, then it reads whole articles', async (_how, variable, node, fragment) => {
  const result = await app.execute(
    `query($tag: String${variable}) { articles(tag: $tag) { edges { node { slug ${node} } } } } ${fragment}`,
    { variables: { tag } },
  );
  expect(result.errors).toBeUndefined();
  expect(pageBranches(result).map(projectionOf)).toEqual([undefined]);
  const shown = result.data.articles.edges.filter(
    (e: { node: { body?: string } }) => e.node.body !== undefined,
  );
  expect(shown).toHaveLength(variable ? 0 : slugs.length);
  for (const { node: article } of shown) expect(article.body).toBe(bodies.get(article.slug));
});

test('when an article page reads the text, then it reads the whole article', async () => {
  const result = await app.execute('query($slug: String!) { article(slug: $slug) { body } }', {
    variables: { slug: slugs[0] },
  });
  expect(result.data.article.body).toBe(bodies.get(slugs[0]!));
  const find = result.sent.find((c) => c.name === 'find' && c.command['comment'] === 'articles.bySlug');
  expect(find?.command['projection']).toBeUndefined();
});

test('when one request lists without the text and shows an article of the list with it, then the text is right', async () => {
  const result = await app.execute(
    `query($tag: String, $slug: String!) {
      list: articles(tag: $tag) { edges { node { slug } } }
      article(slug: $slug) { slug body }
      whole: articles(tag: $tag) { edges { node { slug body } } }
    }`,
    { variables: { tag, slug: slugs[1] } },
  );
  expect(result.errors).toBeUndefined();
  expect(result.data.article.body).toBe(bodies.get(slugs[1]!));
  for (const { node } of result.data.whole.edges) expect(node.body).toBe(bodies.get(node.slug));
  // The two lists share one command, each branch reading what it shows; the article is read whole.
  const branches = pageBranches(result).map(projectionOf);
  expect(branches).toHaveLength(2);
  expect(branches.filter((p) => p === undefined)).toHaveLength(1);
  expect(branches.find((p) => p !== undefined)).not.toHaveProperty('body');
  expect(result.commands.byTag['articles.bySlug']).toBe(1);
});

test('when a record read without its text is asked for it, then the text is read whole', async () => {
  const services = createServices(app.deps, ANONYMOUS, { clientAddress: '127.0.0.1' });
  const diagnostics = new RequestDiagnostics();
  const { list, body } = await runWithDiagnostics(diagnostics, async () => {
    const list = await services.articles.list({ tag }, { first: 1 }, { body: false });
    const record = list.edges[0]!.node;
    return { list, body: await services.articles.bodyOf(record) };
  });
  const record = list.edges[0]!.node;
  expect(record.body).toBeUndefined();
  expect(body).toBe(bodies.get(record.slug));
  expect(diagnostics.snapshot().byTag).toEqual({ 'articles.page': 1, 'articles.byId': 1 });
});

/** The comments commands' stages that drop fields, one list per command. */
function commentProjections(result: Executed): unknown[][] {
  return result.sent
    .filter((c) => c.name === 'aggregate' && c.command['comment'] === 'comments.byArticle')
    .map((c) =>
      (c.command['pipeline'] as Stage[])
        .filter((stage) => '$project' in stage)
        .map((stage) => stage['$project']),
    );
}

const COMMENTS = (fields: string) =>
  `query($slug: String!) { article(slug: $slug) { comments { id ${fields} author { username } } } }`;

test("when an article's comments are shown without their text, then it is not read", async () => {
  const result = await app.execute(COMMENTS('createdAt'), { variables: { slug: slugs[0] } });
  expect(result.errors).toBeUndefined();
  expect(result.data.article.comments).toHaveLength(1);
  expect(commentProjections(result)).toEqual([[{ body: 0 }]]);
});

test('when comments are shown with their text, then it is read, and both in one request are each right', async () => {
  const whole = await app.execute(COMMENTS('body'), { variables: { slug: slugs[0] } });
  expect(whole.data.article.comments[0].body).toBe('A comment on article 0.');
  expect(commentProjections(whole)).toEqual([[]]);

  const both = await app.execute(
    `query($slug: String!) { article(slug: $slug) {
      short: comments { id } long: comments { id body } } }`,
    { variables: { slug: slugs[1] } },
  );
  expect(both.errors).toBeUndefined();
  expect(both.data.article.long[0].body).toBe('A comment on article 1.');
  expect(commentProjections(both)).toHaveLength(2);
});

test('when a comment read without its text is asked for it, then the text is read whole', async () => {
  const services = createServices(app.deps, ANONYMOUS, { clientAddress: '127.0.0.1' });
  const diagnostics = new RequestDiagnostics();
  const { record, body } = await runWithDiagnostics(diagnostics, async () => {
    const article = await services.articles.getBySlug(slugs[2]!);
    const [record] = await services.comments.forArticle(article!.id, { body: false });
    return { record: record!, body: await services.comments.bodyOf(record!) };
  });
  expect(record.body).toBeUndefined();
  expect(body).toBe('A comment on article 2.');
  expect(diagnostics.snapshot().byTag['comments.byId']).toBe(1);
});
