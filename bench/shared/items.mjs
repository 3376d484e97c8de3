// The W2 data: 100 objects of 7 scalar fields, built deterministically so that every server (and the
// bare server's precomputed answer) holds the same bytes.
export const ITEMS = Array.from({ length: 100 }, (_, i) => ({
  id: String(i + 1),
  name: `Item number ${i + 1}`,
  email: `item${i + 1}@example.com`,
  age: 20 + (i % 50),
  active: i % 3 !== 0,
  score: Math.round(i * 1.37 * 100) / 100 + 0.5,
  createdAt: new Date(Date.UTC(2024, 0, 1) + i * 86_400_000).toISOString(),
}));
