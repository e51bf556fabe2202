// Keyboard shortcuts as each system writes them: ⌘O on macOS, Ctrl+O
// elsewhere. The keys themselves are handled in App.svelte, which takes
// either modifier on every system.

/** Whether the app runs on macOS, from the webview's own description. */
export function isMac(platform: string = typeof navigator === 'undefined' ? '' : navigator.platform || navigator.userAgent): boolean {
  return /mac/i.test(platform);
}

/** `key` with the system's command modifier, as its menus write it. */
export function shortcut(key: string, mac: boolean = isMac()): string {
  return mac ? `⌘${key.toUpperCase()}` : `Ctrl+${key.toUpperCase()}`;
}
