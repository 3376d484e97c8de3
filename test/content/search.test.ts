import { SEARCH_MAX } from '../../src/services/article-validation';
import { createTestApp, type Executed, type TestApp } from '../support/harness';
import { codes, favorite, publish } from '../support/content';
import { signUp, unique, type SignedUp } from '../support/fixtures';

let app: TestApp;
let alice: SignedUp;
let bob: SignedUp;
beforeAll(async () => {
  app = await createTestApp();
  alice = await signUp(app);
  bob = await signUp(app);
});
afterAll(async () => {
  await app.close();
});

/** A word no other test's articles hold (letters and digits: no stemming applies to it). */
const newWord = () => unique('w').toLowerCase();

const SEARCH = `query($search: String, $tag: String, $author: String, $fav: String,
                     $first: Int, $after: String, $last: Int, $before: String) {
  articles(search: $search, tag: $tag, author: $author, favoritedBy: $fav,
           first: $first, after: $after, last: $last, before: $before) {
    edges { cursor node { slug } }
    nodes { slug }
    pageInfo { startCursor endCursor hasNextPage hasPreviousPage }
    totalCount
  }
}`;

function search(variables: Record<string, unknown>, as?: SignedUp): Promise<Executed> {
  return app.execute(SEARCH, { variables, as });
}

const slugsOf = (result: Executed): string[] => {
  expect(result.errors).toBeUndefined();
  return result.data.articles.nodes.map((n: { slug: string }) => n.slug);
};

/** Publishes articles as given, oldest first; returns their slugs in the same order. */
async function publishAll(
  author: SignedUp,
  articles: { title?: string; description?: string; body?: string; tagList?: string[] }[],
): Promise<string[]> {
  const slugs: string[] = [];
  for (const fields of articles) slugs.push((await publish(app, author, fields)).slug);
  return slugs;
}

describe('ranking', () => {
  test('when a word is in the title, the tags, the description or the body, then the title ranks first and the body last, whatever the age', async () => {
    const word = newWord();
    // Oldest first: recency alone would put them the other way round.
    const [inTitle, inTags, inDescription, inBody] = await publishAll(alice, [
      { title: `Notes on ${word}` },
      { tagList: [word, 'misc'] },
      { description: `A summary that mentions ${word} once` },
      { body: `A long body of text that mentions ${word} only once, somewhere in the middle of it.` },
    ]);
    await publishAll(alice, [{ title: 'Unrelated', body: 'Nothing to see here.' }]);

    const result = await search({ search: word });
    expect(slugsOf(result)).toEqual([inTitle, inTags, inDescription, inBody]);
    expect(result.data.articles.totalCount).toBe(4);
  });

  test('when articles match more of the words, then they rank higher', async () => {
    const [one, two] = [newWord(), newWord()];
    const [both, onlyOne] = await publishAll(alice, [
      { body: `Both ${one} and ${two} appear here.` },
      { body: `Only ${one} appears here.` },
    ]);
    expect(slugsOf(await search({ search: `${two} ${one}` }))).toEqual([both, onlyOne]);
  });

  test('when articles score the same, then the newest comes first', async () => {
    const word = newWord();
    const same = { title: `Same title ${word}`, description: 'Same', body: 'Same body', tagList: ['same'] };
    const slugs = await publishAll(alice, [same, same, same]);
    expect(slugsOf(await search({ search: word }))).toEqual([...slugs].reverse());
  });

  test('when the search has another form of a word, then it matches (stemming, case, accents)', async () => {
    const [slug] = await publishAll(alice, [
      { title: `Training dragons ${newWord()}`, body: 'Café culture.' },
    ]);
    expect(slugsOf(await search({ search: 'DRAGON' }))).toContain(slug);
    expect(slugsOf(await search({ search: 'trained' }))).toContain(slug);
    expect(slugsOf(await search({ search: 'cafe' }))).toContain(slug);
  });

  test('when an article is edited, then search sees its new text', async () => {
    const [before, after] = [newWord(), newWord()];
    const article = await publish(app, alice, { title: `Draft ${before}` });
    const updated = await app.execute(
      `mutation($input: UpdateArticleInput!) { updateArticle(input: $input) { errors { message } } }`,
      {
        as: alice,
        variables: {
          input: { id: article.id, title: `Final ${after}`, description: '', body: 'b', tagList: [] },
        },
      },
    );
    expect(updated.data.updateArticle.errors).toEqual([]);
    expect(slugsOf(await search({ search: before }))).toEqual([]);
    expect(slugsOf(await search({ search: after }))).toEqual([article.slug]);
  });
});

describe('pages', () => {
  const word = newWord();
  let ranked: string[];
  beforeAll(async () => {
    // Nine matches with several equal scores: ties are where a keyset over the score alone would skip.
    const articles = [];
    for (let i = 0; i < 9; i += 1) {
      articles.push(
        i % 3 === 0
          ? { title: `${word} in the title`, body: 'x' }
          : { body: `The body has ${word}${i % 3 === 1 ? ` and ${word} again` : ''}.` },
      );
    }
    await publishAll(alice, articles);
    ranked = slugsOf(await search({ search: word, first: 100 }));
    expect(ranked).toHaveLength(9);
  });

  test('when paging forwards, then every match comes once, in ranking order, and the last page says so', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const result: Executed = await search({ search: word, first: 2, after });
      const conn = result.data.articles;
      expect(conn.totalCount).toBe(9);
      expect(conn.pageInfo.hasPreviousPage).toBe(after !== null);
      seen.push(...slugsOf(result));
      if (!conn.pageInfo.hasNextPage) break;
      after = conn.pageInfo.endCursor;
    }
    expect(seen).toEqual(ranked);
  });

  test('when paging backwards from the end, then the pages join up into the same order', async () => {
    const seen: string[] = [];
    let before: string | null = null;
    for (;;) {
      const result: Executed = await search({ search: word, last: 2, before });
      const conn = result.data.articles;
      seen.unshift(...slugsOf(result));
      expect(conn.pageInfo.hasNextPage).toBe(before !== null);
      if (!conn.pageInfo.hasPreviousPage) break;
      before = conn.pageInfo.startCursor;
    }
    expect(seen).toEqual(ranked);
  });

  test('when a cursor is forged, then BAD_USER_INPUT', async () => {
    const first = await search({ search: word, first: 2 });
    const cursor: string = first.data.articles.pageInfo.endCursor;
    const [payload, signature] = cursor.split('.') as [string, string];
    // The same position with a higher score, re-encoded without the key.
    const text = Buffer.from(payload, 'base64url').toString();
    const bits = Buffer.alloc(8);
    bits.writeDoubleBE(1e9);
    const raised = Buffer.from(text.replace(/:[0-9a-f]{16}$/, `:${bits.toString('hex')}`)).toString(
      'base64url',
    );
    for (const forged of [`${raised}.${signature}`, `${payload}.${signature.slice(0, -2)}xx`, 'garbage']) {
      const result = await search({ search: word, first: 2, after: forged });
      expect(codes(result)).toEqual(['BAD_USER_INPUT']);
      expect(result.data).toBeNull();
    }
  });

  test('when a cursor comes from another search, another filter or the plain list, then BAD_USER_INPUT', async () => {
    const cursor: string = (await search({ search: word, first: 2 })).data.articles.pageInfo.endCursor;
    for (const variables of [
      { search: `${word} other`, after: cursor },
      { search: word, tag: 'news', after: cursor },
      { search: word, author: alice.username, after: cursor },
      { after: cursor },
    ]) {
      expect(codes(await search(variables))).toEqual(['BAD_USER_INPUT']);
    }
    const plain: string = (await search({ first: 2 })).data.articles.pageInfo.endCursor;
    expect(codes(await search({ search: word, after: plain }))).toEqual(['BAD_USER_INPUT']);
    // The same words in other case and spacing are the same search, and its cursors hold.
    const respaced = await search({ search: `  ${word.toUpperCase()} `, first: 2, after: cursor });
    expect(respaced.errors).toBeUndefined();
    expect(slugsOf(respaced)).toHaveLength(2);
  });
});

test('when search combines with tag, author and favouritedBy, then each filter and all of them hold', async () => {
  const word = newWord();
  const tag = unique('tag').toLowerCase();
  const fan = await signUp(app);
  const [aliceTagged, aliceOther] = await publishAll(alice, [
    { title: `${word} by alice`, tagList: [tag] },
    { body: `${word} by alice, untagged` },
  ]);
  const [bobTagged] = await publishAll(bob, [{ description: `${word} by bob`, tagList: [tag] }]);
  await publishAll(bob, [{ title: 'No match', tagList: [tag] }]);
  const favoured = [aliceTagged!, bobTagged!];
  for (const slug of favoured) {
    const id = (await app.deps.models.Article.findOne({ slug }).lean())!._id.toHexString();
    await favorite(app, fan, id);
  }

  expect(slugsOf(await search({ search: word }))).toEqual([aliceTagged, bobTagged, aliceOther]);
  const byTag = await search({ search: word, tag: tag.toUpperCase() });
  expect(slugsOf(byTag)).toEqual([aliceTagged, bobTagged]);
  expect(byTag.data.articles.totalCount).toBe(2);
  expect(slugsOf(await search({ search: word, author: alice.username }))).toEqual([aliceTagged, aliceOther]);
  expect(slugsOf(await search({ search: word, fav: fan.username }))).toEqual([aliceTagged, bobTagged]);
  const all = await search({ search: word, tag, author: bob.username, fav: fan.username });
  expect(slugsOf(all)).toEqual([bobTagged]);
  expect(all.data.articles.totalCount).toBe(1);
  const nobody = await search({ search: word, author: 'no-such-user' });
  expect(nobody.data.articles).toMatchObject({ nodes: [], totalCount: 0 });
});

describe('input', () => {
  test.each([
    ['too long', 'a'.repeat(SEARCH_MAX + 1)],
    ['far too long', 'word '.repeat(10_000)],
    ['a control character', 'dragons\u0000'],
    ['a newline', 'dragons\ntraining'],
    ['a bidi override', 'dragons\u202e'],
    ['a zero-width space', 'drag\u200bons'],
  ])('when the search is %s, then BAD_USER_INPUT naming the argument', async (_, value) => {
    const result = await search({ search: value });
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    expect(result.errors![0]!.extensions?.['field']).toBe('search');
  });

  test('when the search is empty or blank, then it is no search: the plain list, newest first', async () => {
    const plain = await search({ first: 5 });
    for (const blank of ['', '   ', '""', '-']) {
      const result = await search({ search: blank, first: 5 });
      expect(slugsOf(result)).toEqual(slugsOf(plain));
      // Its cursors are the plain list's.
      const after = await search({ first: 5, after: result.data.articles.pageInfo.endCursor });
      expect(after.errors).toBeUndefined();
    }
  });

  test('when the search holds quotes or a leading minus, then they are read as spaces', async () => {
    const word = newWord();
    const [slug] = await publishAll(alice, [{ title: `About ${word}` }]);
    expect(slugsOf(await search({ search: `-${word}` }))).toEqual([slug]);
    // Not a phrase: the article has only one of the words.
    expect(slugsOf(await search({ search: `"${word} ${newWord()}"` }))).toEqual([slug]);
  });

  test('when the search has exactly the most characters allowed, then it runs', async () => {
    const result = await search({ search: 'a'.repeat(SEARCH_MAX) });
    expect(result.errors).toBeUndefined();
  });
});

test('when a search page grows, then its MongoDB commands do not', async () => {
  const word = newWord();
  const authors = [alice, bob, await signUp(app)];
  for (let i = 0; i < 12; i += 1) await publish(app, authors[i % 3]!, { title: `${word} ${i}` });
  const viewer = await signUp(app);
  const PAGE = `query($search: String, $first: Int) {
    articles(search: $search, first: $first) {
      nodes { slug favoritesCount viewerHasFavorited author { username followedByViewer } }
      pageInfo { endCursor hasNextPage }
      totalCount
    }
  }`;
  const small = await app.execute(PAGE, { as: viewer, variables: { search: word, first: 2 } });
  const large = await app.execute(PAGE, { as: viewer, variables: { search: word, first: 12 } });
  expect(large.data.articles.nodes).toHaveLength(12);
  expect(small.commands.byTag).toEqual({
    'auth.session': 1,
    'articles.search': 1,
    'articles.searchCount': 1,
    'users.byId': 1,
    'follows.byViewer': 1,
    'favorites.byViewer': 1,
  });
  expect(large.commands.byTag).toEqual(small.commands.byTag);
  expect(large.commands.wireTotal).toBe(large.commands.total);
  expect(large.commands.wire['getMore']).toBeUndefined();
});
