import { describe, expect, it } from 'vitest';
import { Cache } from './load';

describe('the loaders’ cache', () => {
  it('asks once for the same key', async () => {
    const cache = new Cache<number>(4);
    let asked = 0;
    const load = () => Promise.resolve(++asked);
    expect(await cache.get('a', load)).toBe(1);
    expect(await cache.get('a', load)).toBe(1);
    expect(asked).toBe(1);
  });

  it('forgets a failed load, so the next visit tries again', async () => {
    const cache = new Cache<number>(4);
    await expect(cache.get('a', () => Promise.reject(new Error('busy')))).rejects.toThrow('busy');
    expect(await cache.get('a', () => Promise.resolve(2))).toBe(2);
  });

  it('keeps only the most recently used keys', async () => {
    const cache = new Cache<string>(2);
    let asked = 0;
    const load = (v: string) => () => (asked++, Promise.resolve(v));
    await cache.get('a', load('a'));
    await cache.get('b', load('b'));
    await cache.get('a', load('a')); // a is now the newest
    await cache.get('c', load('c')); // b goes
    await cache.get('a', load('a'));
    expect(asked).toBe(3);
    await cache.get('b', load('b'));
    expect(asked).toBe(4);
  });
});
