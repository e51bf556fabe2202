import { describe, expect, it } from 'vitest';
import { isMac, shortcut } from './keys';

describe('shortcuts', () => {
  it('are written with ⌘ on macOS and Ctrl elsewhere', () => {
    expect(shortcut('o', true)).toBe('⌘O');
    expect(shortcut('f', false)).toBe('Ctrl+F');
  });
  it.each([
    ['MacIntel', true],
    ['Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15', true],
    ['Win32', false],
    ['Linux x86_64', false],
  ])('%s is macOS: %s', (platform, mac) => {
    expect(isMac(platform)).toBe(mac);
  });
});
